#!/usr/bin/env bash
# Runs a command with a Secret Service keychain it can reach. On a desktop
# session whose keychain already answers, the command runs as it is; on a
# headless machine (CI, a server) a private D-Bus session is started whose
# keychain is gnome-keyring, unlocked, for the length of the command.
#
# The private bus starts the keychain on demand (D-Bus activation) through
# $home/keyring-daemon.sh, which starts it unlocked on this run's keyring
# files. If the daemon ever exits while the command runs, the bus holds the
# next keychain call until a new daemon has taken the name, instead of
# failing it (a CI run lost its keychain mid-suite twice: once every later
# keychain test failed, once the one test that called in the gap). Each exit
# is said on stderr, with the daemon's own log, when the command ends; the
# bus's own chatter goes to $home/bus.log.
set -euo pipefail
if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -z "${MEDSPA_FORCE_PRIVATE_KEYRING:-}" ] \
   && busctl --user --no-pager list 2>/dev/null | grep -q org.freedesktop.secrets; then
    exec "$@"
fi
export MEDSPA_PRIVATE_KEYRING_HOME="${MEDSPA_PRIVATE_KEYRING_HOME:-$(mktemp -d)}"
home="$MEDSPA_PRIVATE_KEYRING_HOME"
mkdir -p "$home/services" "$home/data"
cat >"$home/keyring-daemon.sh" <<DAEMON
#!/usr/bin/env bash
# Started by the private bus when something asks for org.freedesktop.secrets.
export XDG_DATA_HOME="$home/data"
export DBUS_SESSION_BUS_ADDRESS="\${DBUS_SESSION_BUS_ADDRESS:-\${DBUS_STARTER_ADDRESS:-}}"
status=0
printf %s "medspa-test-keyring" | gnome-keyring-daemon --foreground --replace --unlock \\
    --components=secrets >"$home/control" 2>>"$home/gnome-keyring.log" || status=\$?
if [ ! -e "$home/done" ]; then
    {
        echo "with-keyring: gnome-keyring-daemon exited (status \$status) at \$(date -u +%H:%M:%S) while" \\
             "the command ran; the bus started it again on the next keychain call. Its log:"
        tail -n 20 "$home/gnome-keyring.log" | sed "s/^/  | /" || true
    } >>"$home/exits"
fi
exit "\$status"
DAEMON
cat >"$home/dbus-daemon.sh" <<BUS
#!/usr/bin/env bash
exec dbus-daemon "\$@" 2>>"$home/bus.log"
BUS
chmod +x "$home/keyring-daemon.sh" "$home/dbus-daemon.sh"
cat >"$home/services/org.freedesktop.secrets.service" <<SERVICE
[D-BUS Service]
Name=org.freedesktop.secrets
Exec=$home/keyring-daemon.sh
SERVICE
cat >"$home/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$home/services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
  <limit name="service_start_timeout">60000</limit>
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">1000000000</limit>
  <limit name="max_completed_connections">100000</limit>
  <limit name="max_connections_per_user">100000</limit>
  <limit name="max_names_per_connection">50000</limit>
  <limit name="max_match_rules_per_connection">50000</limit>
  <limit name="max_replies_per_connection">50000</limit>
</busconfig>
CONF
exec dbus-run-session --dbus-daemon="$home/dbus-daemon.sh" --config-file="$home/bus.conf" -- bash -c '
    set -u
    home="$MEDSPA_PRIVATE_KEYRING_HOME"
    export XDG_DATA_HOME="$home/data"
    # Start the keychain now, so the first test does not wait for it and its control socket is known.
    if ! dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.StartServiceByName string:org.freedesktop.secrets uint32:0 >/dev/null; then
        echo "with-keyring: gnome-keyring-daemon did not start; keychain tests will say so." >&2
    fi
    control=$(grep -m1 "^GNOME_KEYRING_CONTROL=" "$home/control" 2>/dev/null || true)
    [ -n "$control" ] && export GNOME_KEYRING_CONTROL="${control#GNOME_KEYRING_CONTROL=}"
    status=0
    "$@" || status=$?
    touch "$home/done"
    [ -s "$home/exits" ] && cat "$home/exits" >&2
    exit "$status"' _ "$@"
