#!/bin/bash
# Build the Debian packages from this tree, install them, and check what
# an operator gets: DKMS builds both modules for Debian 12's 6.1 and
# newest 6.12 kernel headers, `ipsec-offload -V` and its man page work,
# and systemd accepts the unit.  Installs packages: run it in the clean
# root (scripts/clean-room.sh -- scripts/package-check.sh), as root.
# Prints "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
pass=0
fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "$@" >"$out/apt.log" 2>&1 ||
		{ tail -n 30 "$out/apt.log"; return 1; }
}

# The headers of both kernel generations; the newest ABI of each, asked
# of the archive (Debian moves them).
newest_headers() {	# REGEX
	apt-cache search --names-only "$1" | cut -d' ' -f1 | sort -V | tail -n 1
}
apt-get update -q >/dev/null
h61=$(newest_headers '^linux-headers-6\.1\.0-[0-9]+-amd64$')
h612=$(newest_headers '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$')
[ -n "$h61" ] && [ -n "$h612" ] || { echo "FAIL: no 6.1/6.12 headers in the archive"; exit 1; }
echo "headers: $h61 $h612"

apt_install debhelper dh-dkms dpkg-dev build-essential bpftool clang llvm \
	libbpf-dev libelf-dev libmnl-dev pkg-config zlib1g-dev || exit 1
git -C "$top" archive --prefix=ipsec-offload/ HEAD | tar -x -C "$out"
if (cd "$out/ipsec-offload" && dpkg-buildpackage -b -uc -us) >"$out/build.log" 2>&1; then
	ok "dpkg-buildpackage built $(cd "$out" && ls ./*.deb | tr '\n' ' ')"
else
	tail -n 30 "$out/build.log"
	bad "dpkg-buildpackage"
	echo "$pass passed, $fail failed"
	exit 1
fi

apt_install "$h61" "$h612" systemd man-db || exit 1
if apt_install "$out"/ipsec-offload_*.deb "$out"/ipsec-offload-dkms_*.deb; then
	ok "both packages installed"
else
	bad "package install"
fi

for h in "$h61" "$h612"; do
	k=${h#linux-headers-}
	if dkms install -q ipsec-offload/"$(dpkg-query -W -f='${Version}' ipsec-offload-dkms)" \
		-k "$k" >"$out/dkms.log" 2>&1; then
		for m in ipsec_offload ipsec_sim; do
			v=$(modinfo -k "$k" -F vermagic "$m" 2>/dev/null)
			case $v in
			"$k "*) ok "DKMS: $m installed for $k" ;;
			*) bad "DKMS: $m for $k: vermagic '$v'" ;;
			esac
		done
	else
		tail -n 30 "$out/dkms.log"
		find /var/lib/dkms/ipsec-offload -name make.log -exec tail -n 30 {} \;
		bad "DKMS build for $k"
	fi
done

v=$(/usr/sbin/ipsec-offload -V 2>&1)
case $v in
"ipsec-offload $(dpkg-query -W -f='${Version}' ipsec-offload)") ok "ipsec-offload -V: $v" ;;
*) bad "ipsec-offload -V printed '$v'" ;;
esac
if MANWIDTH=200 man -P cat ipsec-offload 2>/dev/null | grep -q 'mirror XFRM state into BPF maps'; then
	ok "man ipsec-offload"
else
	bad "man ipsec-offload"
fi
if systemd-analyze verify /lib/systemd/system/ipsec-offload.service >"$out/verify.log" 2>&1; then
	ok "systemd-analyze verify accepts the unit"
else
	cat "$out/verify.log"
	bad "systemd-analyze verify"
fi
for f in /etc/ipsec-offload.conf /etc/default/ipsec-offload; do
	grep -qx "$f" /var/lib/dpkg/info/ipsec-offload.conffiles &&
		ok "$f is a conffile" || bad "$f not a conffile"
done
/usr/sbin/ipsec-offload config check /etc/ipsec-offload.conf >/dev/null 2>&1 &&
	ok "the sample rules file passes config check" ||
	bad "config check /etc/ipsec-offload.conf"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
