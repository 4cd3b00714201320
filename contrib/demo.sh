#!/bin/sh
# Build hyrun and run a busybox bundle with it (the README's first command).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
[ -x configure ] || autoreconf -fi >/dev/null
mkdir -p _build
(cd _build && { [ -f Makefile ] || ../configure -q; } && make -j"$(nproc)" -s)
hyrun=$top/_build/hyrun
bundle=${DEMO_BUNDLE:-/tmp/hyrun-demo}
rm -rf "$bundle"
HYRUN=$hyrun contrib/make-busybox-bundle.sh "$bundle" -- \
	sh -c 'echo "Hello from inside a hyrun container: hostname $(hostname), pid $$, uid $(id -u)"; ls /'
cd "$bundle"
echo "+ hyrun run demo-$$ (bundle $bundle)"
exec "$hyrun" --root /run/hyrun run "demo-$$"
