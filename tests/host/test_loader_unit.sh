#!/bin/sh
# Unit checks of the loader's XFRM decoding and SA direction logic on
# crafted netlink messages (tests/tools/loader_unit.c): strict lengths,
# no key bytes copied, attributes, template limit, flush semantics.
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/tests/bin/loader_unit
[ -x "$bin" ] || { echo "SKIP: tests/bin/loader_unit not built (make -C tests)"; exit 77; }
exec "$bin"
