#!/usr/bin/env bash
# Runs release/seed-registry-linux-arm64 on this x64 machine under qemu-user: --version, version,
# the missing --tar error, inspect, then serve the fixture and check /v2/ and every blob's digest.
# Uses Debian's qemu-user-static and the arm64 cross runtime (libc6-arm64-cross, libstdc++6-arm64-cross,
# libgcc-s1-arm64-cross, libatomic1-arm64-cross: scripts/install-test-deps.sh) as the sysroot.
# CI runs it from test/clients/release.test.ts; it can be run by hand after `npm run release`.
set -euo pipefail
cd "$(dirname "$0")/../.."
exe="${1:-release/seed-registry-linux-arm64}"
sysroot="${ARM64_SYSROOT:-/usr/aarch64-linux-gnu}"
[ -x "$exe" ] || { echo "check-arm64: $exe: not found; run npm run release first" >&2; exit 1; }
command -v qemu-aarch64-static >/dev/null || { echo "check-arm64: qemu-aarch64-static not found; run scripts/install-test-deps.sh" >&2; exit 1; }
[ -e "$sysroot/lib/libatomic.so.1" ] || { echo "check-arm64: no arm64 runtime in $sysroot; run scripts/install-test-deps.sh" >&2; exit 1; }
work="$(mktemp -d /tmp/sr-arm64-XXXXXX)"
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

qemu=(qemu-aarch64-static -L "$sysroot" "$exe")
run() { timeout 120 "${qemu[@]}" "$@"; }

echo "--version: $(run --version)"
run version | grep -q '^platform  linux/arm64$' || { echo "check-arm64: version does not say linux/arm64" >&2; run version >&2; exit 1; }
# The code cache or snapshot was made by the arm64 node, under qemu-user: V8 must take it.
run version | grep -Eq '^start-up  (code cache|startup snapshot)$' || { echo "check-arm64: version does not say it started from its code cache or snapshot" >&2; run version >&2; exit 1; }
echo "version: $(run version | head -1)"
if run serve 2>"$work/err"; then echo "check-arm64: serve without --tar did not fail" >&2; exit 1; fi
echo "no --tar: $(cat "$work/err")"
run inspect --tar fixtures/seed-image.tar | head -1
# Not through run(): $! must be timeout itself, which passes the cleanup's SIGTERM on to qemu.
timeout 300 "${qemu[@]}" --tar fixtures/seed-image.tar --port 0 --host 127.0.0.1 --quiet >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 120); do grep -q listening "$work/log" && break; sleep 1; done
host="$(grep -o 'http://127.0.0.1:[0-9]*' "$work/log" | tail -1)"
[ -n "$host" ] || { cat "$work/log" >&2; exit 1; }
echo "GET /v2/: $(curl -s -o /dev/null -w '%{http_code}' "$host/v2/")"
manifest="$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$host/v2/library/busybox/manifests/seed")"
for digest in $(grep -o 'sha256:[0-9a-f]\{64\}' <<<"$manifest"); do
  actual="sha256:$(curl -sf "$host/v2/library/busybox/blobs/$digest" | sha256sum | cut -c1-64)"
  [ "$actual" = "$digest" ] || { echo "check-arm64: blob $digest served as $actual" >&2; exit 1; }
  echo "blob $digest: ok"
done
echo "check-arm64: $exe ok under qemu-user"
