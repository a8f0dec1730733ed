#!/usr/bin/env bash
# Runs a test command; if it dies of a signal (a crash in native code: Qt, OpenSSL, SQLCipher), says
# which thread crashed, at the very end of the output, where a CI log's tail keeps it.
#
# tests/conftest.py points Python's faulthandler at $MEDSPA_CRASH_LOG. Every thread's stack goes
# there; a long run's log is often cut in the middle, and the crashing thread is somewhere among a
# dozen idle ones, so this prints them all and then the crashing one again, last.
set -uo pipefail
export MEDSPA_CRASH_LOG="${MEDSPA_CRASH_LOG:-$(mktemp --tmpdir medspa-crash.XXXXXX)}"
"$@"
status=$?
if [ -s "$MEDSPA_CRASH_LOG" ]; then
    echo "==== the test process crashed (exit $status); every thread's stack:" >&2
    cat "$MEDSPA_CRASH_LOG" >&2
    echo "==== the thread that crashed:" >&2
    awk '/^(Current thread|Stack \(most recent call first\))/ {show=1} show && /^$/ {exit} show' \
        "$MEDSPA_CRASH_LOG" >&2
fi
rm -f "$MEDSPA_CRASH_LOG"
exit $status
