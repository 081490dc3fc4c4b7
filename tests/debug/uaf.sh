#!/bin/sh
# Debug-tier fixture: loads a module that reads freed memory.  The test
# itself passes; the debug guest's scan after it (tests/debug/init) must
# fail it with the KASAN report.
. /opt/ipso/tests/guest/lib.sh
ko=$IPSO/tests/debug/uaf/ipso_debug_fixture.ko
[ -f "$ko" ] || skip "fixture module not built"
check "insmod the use-after-free fixture" insmod "$ko" bug=uaf
check "rmmod it" rmmod ipso_debug_fixture
echo "checks failed: $fails"
[ "$fails" -eq 0 ]
