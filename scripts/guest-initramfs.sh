#!/bin/bash
# Build the test guest's initramfs: busybox, the host's iproute2, bpftool,
# tcpdump and kmod with their libraries, a dependency-closed set of the
# guest kernel's stock modules, and the project's build output under
# /opt/ipso (same layout as the repository).
# usage: guest-initramfs.sh KERNEL_CACHE_DIR OUT.cpio.gz
# env: IPSO_GUEST_KMOD  a directory whose kmod/ holds the project's
#                       modules for this kernel (default: the tree's), and
#                       tests/debug/ the debug tier's fixture modules
#      IPSO_GUEST_INIT  the guest's PID 1 (default tests/guest/init;
#                       the debug tier's is tests/debug/init)
set -euo pipefail
trap 'echo "guest-initramfs: line $LINENO failed: $BASH_COMMAND" >&2' ERR
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=$(cd "$1" && pwd)
out=$2
kver=$(basename "$kdir")
root=$(mktemp -d "${out%.cpio.gz}.root.XXXXXX")
trap 'rm -rf "$root"' EXIT

# Stock modules the tests load; their dependencies are added below.
WANT="veth dummy xfrm_user xfrm_algo esp4 esp6 esp4_offload esp6_offload
	aesni_intel ghash_clmulni_intel ghash_generic gcm ctr seqiv echainiv
	authenc sha3_generic sha512_generic jitterentropy_rng drbg
	sch_ingress cls_bpf act_bpf"
# Host programs the tests call, copied with their shared libraries.
TOOLS="/usr/sbin/ip /usr/sbin/tc /usr/sbin/bpftool /usr/bin/tcpdump
	/usr/bin/kmod /usr/bin/setpriv"

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,mnt}
mkdir -p "$root"/{var,opt/ipso/bin,lib/modules/"$kver"}

cp /bin/busybox "$root/bin/busybox"
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
done

copy_with_libs() {	# host file -> same path in the guest
	local f=$1 dst=${2:-$1} lib
	install -D -m755 "$f" "$root$dst"
	for lib in $(ldd "$f" 2>/dev/null |
		awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
		[ -e "$root$lib" ] || install -D -m755 "$lib" "$root$lib"
	done
}
for t in $TOOLS; do
	[ -x "$t" ] && copy_with_libs "$t"
done
# strongSwan (charon + swanctl + plugins) when installed on the host.
if [ -x /usr/lib/ipsec/charon ]; then
	copy_with_libs /usr/lib/ipsec/charon
	copy_with_libs /usr/sbin/swanctl
	for so in /usr/lib/ipsec/plugins/*.so; do
		copy_with_libs "$so"
	done
	# dlopen()ed by glibc for pthread_cancel, invisible to ldd
	# (awk reads all: an early exit would SIGPIPE ldconfig, and with
	# pipefail that fails the assignment, hence the whole script)
	gcc_s=$(ldconfig -p | awk '/libgcc_s.so.1 .*x86-64/ && !n++ { print $NF }')
	[ -n "$gcc_s" ] && install -D -m755 "$gcc_s" "$root$gcc_s"
fi
for a in modprobe insmod rmmod lsmod depmod modinfo; do
	rm -f "$root/bin/$a"
	ln -sf /usr/bin/kmod "$root/sbin/$a"
done
rm -f "$root/bin/ip" "$root/bin/tc"
cp -a /etc/iproute2 "$root/etc/"
cp /etc/protocols /etc/services "$root/etc/"
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

# Stock modules: closure over modules.dep, then depmod on the subset.
moddir=$kdir/image/lib/modules/$kver
for m in $WANT; do
	modprobe -d "$kdir/image" -S "$kver" --show-depends "$m" |
		awk '$1 == "insmod" { print $2 }'
done | sort -u | while read -r ko; do
	install -D -m644 "$ko" "$root/lib/modules/$kver/${ko#"$moddir"/}"
done
cp "$moddir"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$kver/"
depmod -b "$root" "$kver"

# Project payload: build output and tests, as laid out in the repo.
cd "$top"
{
	find bpf -name '*.o' 2>/dev/null || true
	[ -n "${IPSO_GUEST_KMOD:-}" ] || find kmod -name '*.ko' 2>/dev/null || true
	find tests/guest tests/debug tests/bin -type f ! -name '*.ko' 2>/dev/null || true
	ls bench/gen_spd.sh 2>/dev/null || true	# SPDs for the guest benchmarks
	ls loader/ipsec-offload 2>/dev/null || true
} | while read -r f; do
	# (not `file | grep -q`: with pipefail, grep's early exit can fail file)
	if [ -x "$f" ] && case $(file -b "$f") in ELF*) true ;; *) false ;; esac; then
		copy_with_libs "$top/$f" "/opt/ipso/$f"
	else
		install -D -m644 "$f" "$root/opt/ipso/$f"
	fi
done
# Modules built for another kernel than the tree's (guest-modules.sh).
if [ -n "${IPSO_GUEST_KMOD:-}" ]; then
	(cd "$IPSO_GUEST_KMOD" && for d in kmod tests/debug; do
		[ ! -d "$d" ] || find "$d" -name '*.ko'
	done) |
	while read -r f; do
		install -D -m644 "$IPSO_GUEST_KMOD/$f" "$root/opt/ipso/$f"
	done
fi
chmod 755 "$root"/opt/ipso/tests/guest/*.sh 2>/dev/null || true
for f in "$root"/opt/ipso/tests/bin/* "$root"/opt/ipso/loader/ipsec-offload; do
	[ -e "$f" ] && ln -sf "${f#"$root"}" "$root/opt/ipso/bin/"
done
install -m755 "${IPSO_GUEST_INIT:-tests/guest/init}" "$root/init"

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) |
	gzip -1 >"$out"
