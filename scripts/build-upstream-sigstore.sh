#!/usr/bin/env bash
# Builds upstream skopeo v1.9.3 and podman v4.3.1 with sigstore support (Debian's builds have it
# compiled out), offline, from their own vendored trees with Debian's Go 1.19
# (apt-get install golang-1.19-go), for test/clients/sigstore.test.ts and fixtures/signed/.
#
#   SKOPEO_SRC=<checkout at v1.9.3> PODMAN_SRC=<checkout at v4.3.1> scripts/build-upstream-sigstore.sh OUT_DIR
#   UPSTREAM_PODMAN=OUT_DIR/podman UPSTREAM_SKOPEO=OUT_DIR/skopeo npx vitest run --config vitest.clients.config.ts test/clients/sigstore.test.ts
set -euo pipefail
out=$(realpath -m "${1:?usage: build-upstream-sigstore.sh OUT_DIR}")
GO=${GO:-/usr/lib/go-1.19/bin/go}
TAGS="containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper"
export GOFLAGS=-mod=vendor GOPROXY=off
mkdir -p "$out"
build() { # src tag package binary
  (cd "$1" && git describe --tags --exact-match | grep -qx "$2") || { echo "$1 is not checked out at $2" >&2; exit 1; }
  (cd "$1" && nice -n 10 "$GO" build -tags "$TAGS" -o "$out/$4" "$3")
  "$out/$4" --version
}
build "${SKOPEO_SRC:?set SKOPEO_SRC}" v1.9.3 ./cmd/skopeo skopeo
build "${PODMAN_SRC:?set PODMAN_SRC}" v4.3.1 ./cmd/podman podman
