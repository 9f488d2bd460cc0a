#!/usr/bin/env bash
# demo.sh - install what is needed, build, then sign the sample message
# with both sample keys and verify it against the sample zone file.
# No network: DNS answers come from conf/demo.zone.
set -euo pipefail
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
bash .ci/deps
[ -x configure ] || autoreconf -fi >/dev/null
mkdir -p build
[ -f build/Makefile ] || (cd build && ../configure --enable-werror >/dev/null)
make -C build -j"$(nproc)" tool/authmilter-tool >/dev/null
tool=build/tool/authmilter-tool
chmod 600 conf/*.key
echo "== signing conf/demo.eml (RSA-2048 and Ed25519)"
$tool sign -d example.net -s rsa2026 -k conf/demo-rsa.key \
	-d example.net -s ed2026 -k conf/demo-ed25519.key conf/demo.eml | tee build/demo-signed.eml
echo
echo "== verifying with DNS from conf/demo.zone"
$tool verify --zone conf/demo.zone build/demo-signed.eml
echo
echo "== the same message with one body word changed"
sed 's/corner/square/' build/demo-signed.eml | $tool verify --zone conf/demo.zone
