#!/bin/bash
# explain says what the kernel does before any output policy, checked
# against the kernel itself: with a block-everything output policy, a
# real UDP sendto() to each destination is either sent (IPv4 local
# addresses: routed via lo, whose disable_xfrm skips output policy),
# refused with EPERM (the policy: unicast and multicast out of a device,
# IPv6 local addresses) or refused with ENETUNREACH (no route), and
# explain must say the same (no route: in its route object).
. "$(dirname "$0")/loader_lib.sh"
loader_setup "$@"

$N ip link set lo up
$N ip link add v0 type veth peer name v1
$N ip link set v0 up && $N ip link set v1 up
$N ip addr add 10.0.0.1/24 dev v0
$N ip addr add 2001:db8::1/64 dev v0 nodad
$N ip route add 224.0.0.0/4 dev v0
$N ip xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 dir out action block
$N ip xfrm policy add src ::/0 dst ::/0 dir out action block
L sync >/dev/null || bad "sync"

kernel() {	# SRC DST -> sent|blocked|unreachable, from a real sendto()
	$N python3 - "$1" "$2" <<'PY'
import errno, socket, sys
src, dst = sys.argv[1:]
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((src, 0))
try:
    s.sendto(b"x", (dst, 9))
    print("sent")
except OSError as e:
    print({errno.EPERM: "blocked", errno.ENETUNREACH: "unreachable"}.get(e.errno, e.strerror))
PY
}
explained() {	# SRC DST -> sent|blocked|unreachable, from explain's outcome
	L -j explain src "$1" dst "$2" nocache | python3 -c 'import json, sys
r = json.load(sys.stdin)
o = r["outcome"]
print("unreachable" if "error" in (r.get("route") or {}) else
      "sent" if o.startswith("plaintext") else
      "blocked" if "block policy" in o else o)'
}
for pair in "10.0.0.1 127.0.0.1" "10.0.0.1 10.0.0.1" "10.0.0.1 10.0.0.2" \
	    "10.0.0.1 239.1.1.1" "10.0.0.1 192.168.9.9" \
	    "2001:db8::1 ::1" "2001:db8::1 2001:db8::1" "2001:db8::1 2001:db8::2"; do
	set -- $pair
	k=$(kernel "$1" "$2")
	e=$(explained "$1" "$2")
	[ "$k" = "$e" ] && ok "$1 -> $2: kernel $k, explain $e" ||
		bad "$1 -> $2: kernel $k, explain $e"
done
finish
