#!/bin/sh
# Prepare a tree to build the modules against the newest Linux Debian's
# archive carries (trixie-backports or sid, looked up on every run: the
# ABI numbers move), and print its directory, to use as KDIR.
#
# Debian 12's apt sources are left as they are: a private apt state under
# the cache names the same archive, with the other suites, and is signed
# by bookworm's debian-archive-keyring (it carries the Debian 13 keys).
#
# Debian's own headers cannot be used as they are on Debian 12: their
# kbuild tools (modpost, objtool, resolve_btfids) need glibc 2.38, and
# their config was made for gcc 14.  So the tree is Debian's linux-source
# of the same version, with the headers package's config re-derived for
# this machine's gcc (olddefconfig) and its Module.symvers, so modpost
# checks every symbol the modules use against the real kernel's exports.
# Built only: nothing here boots.
# usage: newer-kernel-source.sh [SUITE...]	(default: trixie-backports sid)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cache=$top/.cache/newer-source
suites=${*:-trixie-backports sid}
t0=$(date +%s)

mirror=$("$top/scripts/archive-uri.sh" || true)
if [ -z "$mirror" ]; then
	echo "newer-kernel-source: no bookworm archive in apt sources" >&2
	exit 1
fi

apt=$cache/apt
mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/parts"
: >"$apt/sources.list.new"
for s in $suites; do
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $s main" \
		>>"$apt/sources.list.new"
done
mv "$apt/sources.list.new" "$apt/sources.list"
[ -f "$apt/status" ] || : >"$apt/status"
papt() {	# apt-get or apt-cache on the private state only
	cmd=$1
	shift
	"$cmd" -q -o Dir::Etc::sourcelist="$apt/sources.list" \
		-o Dir::Etc::sourceparts="$apt/parts" \
		-o Dir::Etc::preferencesparts="$apt/parts" \
		-o Dir::Etc::parts="$apt/parts" \
		-o Dir::State="$apt" -o Dir::State::lists="$apt/lists" \
		-o Dir::State::status="$apt/status" -o Dir::Cache="$apt" \
		-o APT::Architecture=amd64 -o APT::Sandbox::User=root "$@"
}
# --error-on=any: a suite whose signature fails is an error, not a warning
papt apt-get update --error-on=any >&2

pkg=$(papt apt-cache search --names-only '^linux-headers-[0-9.]+\+deb[0-9]+-amd64$' |
	cut -d' ' -f1 | sort -V | tail -n 1)
if [ -z "$pkg" ]; then
	echo "newer-kernel-source: no linux-headers-*-amd64 in $suites" >&2
	exit 1
fi
rel=${pkg#linux-headers-}			# 7.3.4+deb13-amd64
up=${rel%%+*}					# 7.3.4
# the source package of exactly that build
ver=$(papt apt-cache show "$pkg" | sed -n 's/^Version: //p' | sort -V | tail -n 1)
src=linux-source-$(echo "$up" | cut -d. -f1,2)
dir=$cache/$rel
tree=$dir/$src
if [ -f "$dir/ready" ]; then
	echo "newer-kernel-source: $rel cached" >&2
	echo "$tree"
	exit 0
fi
rm -rf "$dir"
mkdir -p "$dir/debs"
(cd "$dir/debs" && papt apt-get download "$pkg=$ver" "$src=$ver" >&2)
t1=$(date +%s)
echo "newer-kernel-source: fetched $pkg and $src $ver in $((t1 - t0))s" >&2

dpkg-deb -x "$dir"/debs/linux-headers-*.deb "$dir/headers"
# Only what configuring, modules_prepare and an external module need:
# every Kconfig and Makefile, but no driver, file system or sound code.
dpkg-deb --fsys-tarfile "$dir"/debs/linux-source-*.deb |
	tar -xO --wildcards "./usr/src/$src.tar.xz" |
	xz -dc | tar -x -C "$dir" --anchored \
		--exclude="$src/Documentation/*/*" --exclude='*.rst' \
		--exclude="$src/drivers/*.[ch]" --exclude="$src/sound/*.[ch]" \
		--exclude="$src/fs/*.[ch]" --exclude="$src/net/*.[ch]" \
		--exclude="$src/tools/testing/*.[ch]" \
		--exclude="$src/arch/[!x]*.[chS]"
rm -rf "$dir/debs"
hdr=$dir/headers/usr/src/$pkg
# Debian's release string, so vermagic reads as Debian's modules' do
sed "s/^CONFIG_LOCALVERSION=.*/CONFIG_LOCALVERSION=\"+${rel#*+}\"/" \
	"$hdr/.config" >"$tree/.config"
cp "$hdr/Module.symvers" "$tree/Module.symvers"
t2=$(date +%s)
echo "newer-kernel-source: unpacked in $((t2 - t1))s" >&2

# This machine's gcc, not Debian's gcc-14: options it lacks fall away.
make -s -C "$tree" olddefconfig >&2
make -s -C "$tree" -j"$(nproc)" modules_prepare >"$dir/prepare.log" 2>&1 || {
	tail -n 30 "$dir/prepare.log" >&2
	echo "newer-kernel-source: modules_prepare failed" >&2
	exit 1
}
echo "$ver" >"$dir/version"
touch "$dir/ready"
echo "newer-kernel-source: prepared $rel in $(($(date +%s) - t2))s" >&2
echo "$tree"
