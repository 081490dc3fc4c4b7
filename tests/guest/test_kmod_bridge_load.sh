#!/bin/sh
# The bridge module (ipsec_offload.ko): loads and unloads cleanly, reports
# its mark layout over genetlink, refuses out-of-range parameters with a
# clear message, and leaves the kernel log free of warnings.
. /opt/ipso/tests/guest/lib.sh
KO=$IPSO/kmod/mlx5_ipsec/ipsec_offload.ko
[ -f "$KO" ] || skip "ipsec_offload.ko not built"
load_stock_modules
PATH=$IPSO/bin:$PATH

check "insmod with default parameters" insmod "$KO"
dmesg | grep -q 'ipsec_offload: loaded' && ok "load message in dmesg" ||
	bad "no load message in dmesg"
cfg=$(ipso_genl config)
echo "  config: $cfg"
[ "$cfg" = "mark_magic=0xe5000000 mark_magic_mask=0xff000000 mark_handle_mask=0x00ffffff poll_ms=1000" ] &&
	ok "GET_CONFIG reports the default layout (mark.h)" ||
	bad "GET_CONFIG: unexpected '$cfg'"
[ "$(cat /sys/module/ipsec_offload/parameters/mark_magic)" = 3841982464 ] &&
	ok "mark_magic parameter visible in sysfs" || bad "mark_magic in sysfs"
check "rmmod" rmmod ipsec_offload
ipso_genl config >/dev/null 2>&1
[ $? -eq 2 ] && ok "family gone after rmmod" || bad "family still there after rmmod"

# refused: PARAMS  EXPECTED-LOG-FRAGMENT
refused() {
	dmesg -c >/dev/null
	if insmod "$KO" $1 2>/dev/null; then
		bad "insmod $1 accepted"
		rmmod ipsec_offload
		return
	fi
	if dmesg | grep -q "ipsec_offload: .*$2"; then
		ok "insmod $1 refused: $(dmesg | grep 'ipsec_offload:' | tail -1 | sed 's/^\[[^]]*\] //')"
	else
		bad "insmod $1 refused without the message '$2'"
	fi
}
refused "mark_magic=0x12000001" "has bits outside mark_magic_mask"
refused "mark_magic=0" "must be non-zero"
refused "mark_handle_mask=0x00ff00ff" "one contiguous run of bits"
refused "mark_handle_mask=0x01ffffff" "overlaps mark_magic_mask"
refused "mark_handle_mask=0" "one contiguous run of bits"
refused "poll_ms=5" "poll_ms 5 out of range"
refused "poll_ms=60001" "poll_ms 60001 out of range"

check "insmod with a custom layout" insmod "$KO" mark_magic=0x00000a00 \
	mark_magic_mask=0x00000f00 mark_handle_mask=0xfffff000 poll_ms=50
cfg=$(ipso_genl config)
[ "$cfg" = "mark_magic=0x00000a00 mark_magic_mask=0x00000f00 mark_handle_mask=0xfffff000 poll_ms=50" ] &&
	ok "GET_CONFIG reports the custom layout" || bad "GET_CONFIG: '$cfg'"
sleep 1	# let the 50 ms counter poll run a few times with nothing to poll
check "rmmod after custom load" rmmod ipsec_offload
check "second load/unload cycle" sh -c "/sbin/insmod $KO && /sbin/rmmod ipsec_offload"
finish
