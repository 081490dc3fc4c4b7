#!/bin/bash
# `ipsec-offload daemon` under a Type=notify service manager: READY=1
# reaches $NOTIFY_SOCKET once the initial sync is done (after the
# "daemon ready" line), STOPPING=1 on SIGTERM; with no NOTIFY_SOCKET
# nothing changes.  A socket in the test's directory stands in for
# systemd's.
. "$(dirname "$0")/loader_lib.sh"
loader_setup "$@"

sock=$TMP/notify
python3 - "$sock" >"$TMP/notified" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(15)
try:
    for _ in range(2):
        print(s.recv(256).decode(), flush=True)
except socket.timeout:
    pass
PY
listener=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done

add_policies 50
NOTIFY_SOCKET=$sock start_daemon || finish
for _ in $(seq 50); do grep -q READY=1 "$TMP/notified" && break; sleep 0.1; done
grep -qx READY=1 "$TMP/notified" &&
	ok "READY=1 sent after the initial sync" ||
	bad "no READY=1 on NOTIFY_SOCKET (got: $(tr '\n' ' ' <"$TMP/notified"))"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
[ $rc = 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc"
wait "$listener"
[ "$(sed -n 2p "$TMP/notified")" = STOPPING=1 ] &&
	ok "STOPPING=1 sent on SIGTERM" ||
	bad "no STOPPING=1 after SIGTERM (got: $(tr '\n' ' ' <"$TMP/notified"))"

# Not asked: the daemon runs as before (a relative path is not a socket
# address systemd would give, and is ignored).
NOTIFY_SOCKET=relative start_daemon && ok "daemon ready with an unusable NOTIFY_SOCKET"
finish
