#!/usr/bin/env bash
# Runs release/seed-registry-linux-arm64 on this x64 machine under qemu-user: --version, the
# missing --tar error, inspect, then serve the fixture and check /v2/ and every blob's digest.
# Needs root for apt: installs qemu-user-static, and fetches Debian's arm64 libc6, libstdc++6 and
# libgcc-s1 into a private apt state and sysroot under a temp dir (the machine's dpkg is untouched).
# Not part of CI: it is the hand check the README speaks of, kept so that anyone can repeat it.
set -euo pipefail
cd "$(dirname "$0")/../.."
exe="${1:-release/seed-registry-linux-arm64}"
[ -x "$exe" ] || { echo "check-arm64: $exe: not found; run npm run release first" >&2; exit 1; }
work="$(mktemp -d /tmp/sr-arm64-XXXXXX)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

command -v qemu-aarch64-static >/dev/null || apt-get install -y qemu-user-static >/dev/null
apt=(-o APT::Architecture=arm64 -o "APT::Architectures::=arm64" -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work/cache" -o Dir::State::status=/dev/null)
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"
apt-get "${apt[@]}" update >/dev/null
(cd "$work/debs" && apt-get "${apt[@]}" download libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 >/dev/null 2>&1)
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
qemu=(qemu-aarch64-static -L "$work/root" "$exe")
run() { timeout 120 "${qemu[@]}" "$@"; }

echo "--version: $(run --version)"
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
