#!/bin/sh
# Debug-tier fixture: loads a module that leaks 64 bytes.  The test itself
# passes; the kmemleak scan after it (tests/debug/init) must fail it.
# The module stays loaded (the clean slate leaves it) so that the leak's
# backtrace, symbolized when read, can name its function.
. /opt/ipso/tests/guest/lib.sh
ko=$IPSO/tests/debug/uaf/ipso_debug_fixture.ko
[ -f "$ko" ] || skip "fixture module not built"
check "insmod the leaking fixture" insmod "$ko" bug=leak
echo "checks failed: $fails"
[ "$fails" -eq 0 ]
