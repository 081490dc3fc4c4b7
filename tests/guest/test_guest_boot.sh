#!/bin/sh
# The guest itself: the expected kernel, bpffs, and the stock modules the
# other tests need can be loaded.
. /opt/ipso/tests/guest/lib.sh
echo "kernel $(uname -r)"
check "bpffs mounted" grep -q ' /sys/fs/bpf bpf ' /proc/mounts
load_stock_modules
# built in on some kernels (drbg and jitterentropy on 6.12)
present() {
	grep -q "^$1 " /proc/modules ||
		grep -q "/$1\.ko" "/lib/modules/$(uname -r)/modules.builtin"
}
for m in veth esp4 esp6 gcm drbg cls_bpf; do
	check "module $m loaded or built in" present "$m"
done
check "rfc4106(gcm(aes)) available" sh -c '/usr/sbin/ip xfrm state add src 1.1.1.1 dst 2.2.2.2 proto esp spi 1 aead "rfc4106(gcm(aes))" 0x0102030405060708090a0b0c0d0e0f1011121314 128 && /usr/sbin/ip xfrm state flush'
finish
