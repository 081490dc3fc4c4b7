#!/bin/bash
# Build the guest's debug kernel (KASAN, lockdep, kmemleak, KFENCE, fault
# injection) from Debian's own linux-source-6.1, once per source version
# and configuration, and print the directory the guest harness boots:
#   DIR/bzImage
#   DIR/image/lib/modules/RELEASE/   modules, modules.builtin, build -> tree
# DIR's name is the kernel release, as for the stock kernels' cache
# directories (guest-kernel.sh).  The tree stays built next to it, so the
# project's modules build against it (guest-modules.sh).
#
# usage: scripts/debug-kernel.sh [-c]
#   -c   only print the directory if the kernel is already built; exit 1
#        (printing nothing) if not
# env: IPSO_DEBUG_CACHE  cache root (default /var/cache/ipsec-offload/debug-kernel)
#
# The configuration is `make allnoconfig` + scripts/debug-kernel.config,
# merged with the kernel's merge_config.sh and completed by olddefconfig;
# the build fails if any option of the fragment did not end up as written.
# The cache is outside the clone so that only a new machine pays for the
# build: CACHE/<source version>-<fragment hash>/.  A new fragment moves
# the previous tree of the same source version there and rebuilds it
# incrementally.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${IPSO_DEBUG_CACHE:-/var/cache/ipsec-offload/debug-kernel}
fragment=$top/scripts/debug-kernel.config
pkg=linux-source-6.1

die() { echo "debug-kernel: $*" >&2; exit 1; }
log() { echo "debug-kernel: $*" >&2; }

# The archive's version of linux-source-6.1 (never hard-coded: Debian
# moves it with every stable update).
source_version() {
	apt-cache policy "$pkg" 2>/dev/null |
		sed -n 's/^ *Candidate: \([^(][^ ]*\)$/\1/p'
}

# Hash of what decides the build besides the source: the fragment.
config_hash() {
	sha256sum "$fragment" | cut -c1-12
}

# The kernel release of a configured tree (LOCALVERSION included).
kernel_release() {	# TREE
	make -s -C "$1" kernelrelease 2>/dev/null
}

# Print the guest directory of a finished build, or fail.
built_dir() {	# BUILD_DIR
	local rel
	[ -f "$1/ready" ] || return 1
	rel=$(cat "$1/release")
	[ -f "$1/$rel/bzImage" ] || return 1
	echo "$1/$rel"
}

# The source tree: reuse one of the same version (incremental build),
# else unpack the package, downloaded once into CACHE/debs.
prepare_tree() {	# SRCVER BUILD_DIR
	local ver=$1 dir=$2 old deb
	[ -d "$dir/src" ] && return 0
	for old in "$cache/$ver"-*/src; do
		[ -d "$old" ] || continue
		log "reusing the tree of $(dirname "$old") (incremental)"
		rm -f "$(dirname "$old")/ready"
		mv "$old" "$dir/src"
		rm -rf "$(dirname "$old")" "$(dirname "$old").lock"
		return 0
	done
	mkdir -p "$cache/debs"
	deb=$(ls "$cache/debs/${pkg}_${ver}_all.deb" 2>/dev/null || true)
	if [ -z "$deb" ]; then
		log "downloading $pkg $ver"
		# _apt downloads into the directory: it must be able to write it
		chmod 777 "$cache/debs"
		(cd "$cache/debs" && apt-get download -q "$pkg=$ver" >&2) ||
			die "apt-get download $pkg=$ver failed"
		deb=$cache/debs/${pkg}_${ver}_all.deb
	fi
	log "unpacking $(basename "$deb")"
	mkdir -p "$dir/unpack"
	dpkg-deb -x "$deb" "$dir/unpack"
	mkdir -p "$dir/src"
	tar -xaf "$dir"/unpack/usr/src/linux-source-6.1.tar.* \
		-C "$dir/src" --strip-components=1
	rm -rf "$dir/unpack"
}

configure() {	# TREE
	local t=$1
	make -C "$t" allnoconfig >&2
	(cd "$t" && scripts/kconfig/merge_config.sh -m .config "$fragment" >&2)
	make -C "$t" olddefconfig >&2
	check_config "$t/.config"
}

# Every option of the fragment as written, or the names of those that
# olddefconfig changed.
check_config() {	# .config
	local line sym want got bad=
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) sym=${line%%=*}; want=$line ;;
		"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *}; want= ;;
		*) continue ;;
		esac
		got=$(grep -E "^($sym=|# $sym is not set)" "$1" || true)
		case $want:$got in
		:|:"# $sym is not set") ;;
		"$got":*) ;;
		*) bad="$bad
  wanted ${want:-# $sym is not set}, got ${got:-nothing (unknown or unmet dependency)}" ;;
		esac
	done <"$fragment"
	[ -z "$bad" ] || die "olddefconfig did not keep the fragment:$bad"
}

build() {	# BUILD_DIR
	local dir=$1 t=$1/src rel out t0
	t0=$(date +%s)
	configure "$t"
	log "building in $t with -j$(nproc), log in $dir/build.log"
	make -C "$t" -j"$(nproc)" bzImage modules >"$dir/build.log" 2>&1 ||
		{ tail -n 40 "$dir/build.log" >&2; die "kernel build failed"; }
	rel=$(kernel_release "$t")
	out=$dir/$rel
	rm -rf "$out"
	mkdir -p "$out"
	make -C "$t" INSTALL_MOD_PATH="$out/image" modules_install \
		>>"$dir/build.log" 2>&1 ||
		{ tail -n 20 "$dir/build.log" >&2; die "modules_install failed"; }
	cp "$t/arch/x86/boot/bzImage" "$out/bzImage"
	echo "$rel" >"$dir/release"
	touch "$dir/ready"
	log "built $rel in $(($(date +%s) - t0)) s"
}

main() {
	local only_cached=0 ver dir
	[ "${1:-}" = -c ] && only_cached=1
	ver=$(source_version)
	[ -n "$ver" ] || die "no $pkg in apt's lists (run apt-get update)"
	dir=$cache/$ver-$(config_hash)
	if built_dir "$dir"; then
		exit 0
	fi
	[ $only_cached = 0 ] || exit 1
	mkdir -p "$dir"
	# one build at a time per configuration; a second caller waits
	exec 9>"$dir.lock"
	flock 9
	built_dir "$dir" && exit 0
	prepare_tree "$ver" "$dir"
	build "$dir"
	built_dir "$dir"
}

main "$@"; exit
