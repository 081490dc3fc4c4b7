#!/bin/sh
# The main job on the embedded default: boot Debian's 6.1 kernel under
# QEMU and run the demo scenario there, printing its report.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
exec "$top/scripts/guest-run.sh" -v -t 600 demo/demo.sh
