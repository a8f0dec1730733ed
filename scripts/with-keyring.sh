#!/usr/bin/env bash
# Runs a command with a Secret Service keychain it can reach. On a desktop
# session whose keychain already answers, the command runs as it is; on a
# headless machine (CI, a server) a private D-Bus session is started with
# gnome-keyring unlocked for the length of the command.
set -euo pipefail
if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -z "${MEDSPA_FORCE_PRIVATE_KEYRING:-}" ] \
   && busctl --user --no-pager list 2>/dev/null | grep -q org.freedesktop.secrets; then
    exec "$@"
fi
export MEDSPA_PRIVATE_KEYRING_HOME="${MEDSPA_PRIVATE_KEYRING_HOME:-$(mktemp -d)}"
exec dbus-run-session -- bash -c '
    export HOME_FOR_KEYRING="$MEDSPA_PRIVATE_KEYRING_HOME"
    export XDG_DATA_HOME="$MEDSPA_PRIVATE_KEYRING_HOME/data"
    mkdir -p "$XDG_DATA_HOME"
    eval "$(printf %s "medspa-test-keyring" | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"
    export GNOME_KEYRING_CONTROL
    exec "$@"' _ "$@"
