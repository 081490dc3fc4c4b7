#!/bin/sh
# Print the Debian archive this machine's apt uses for bookworm (deb822
# or one-line sources), so that scripts reaching other suites of the same
# archive name no host themselves.  Exit 1 when there is none.
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	awk '/^URIs:/ { u = $2 } /^Suites:/ && / bookworm( |$)/ && u { print u; exit }' "$f"
done | head -n 1 | grep . && exit 0
[ -f /etc/apt/sources.list ] &&
	awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list | grep .
