#!/usr/bin/env bash
# Build release binaries of workos-mcp: static (CGO_ENABLED=0), stamped with the version and
# the commit, with SHA-256 checksums. The Dockerfile's build stage runs this same script, and CI
# runs it outside a container, so the two cannot drift apart.
#
#   scripts/release.sh [VERSION]
#
# VERSION defaults to $VERSION, else `git describe --tags --always --dirty`, else "devel".
# Environment:
#   RELEASE_TARGETS  space-separated GOOS/GOARCH pairs
#                    (default: linux/amd64 linux/arm64 darwin/amd64 darwin/arm64)
#   RELEASE_OUT      output directory (default: dist)
#   REVISION         the commit to stamp (default: git rev-parse HEAD, when .git is there)
# Output: $RELEASE_OUT/workos-mcp-<os>-<arch> and $RELEASE_OUT/SHA256SUMS.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:-${VERSION:-}}"
if [ -z "$version" ]; then
  version=$(git describe --tags --always --dirty 2>/dev/null || echo devel)
fi
case "$version" in
  *[!A-Za-z0-9._+-]*) echo "release.sh: version $version: use letters, digits and . _ + -" >&2; exit 2 ;;
esac
revision="${REVISION:-$(git rev-parse HEAD 2>/dev/null || true)}"
targets="${RELEASE_TARGETS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64}"
out="${RELEASE_OUT:-dist}"
pkg=github.com/workos-mcp/workos-mcp/internal/buildinfo
ldflags="-s -w -X $pkg.version=$version -X $pkg.revision=$revision"

mkdir -p "$out"
rm -f "$out/SHA256SUMS"
names=()
for target in $targets; do
  goos=${target%/*}
  goarch=${target#*/}
  if [ -z "$goos" ] || [ -z "$goarch" ] || [ "$goos" = "$target" ]; then
    echo "release.sh: target $target is not GOOS/GOARCH" >&2; exit 2
  fi
  name="workos-mcp-$goos-$goarch"
  echo "building $name ($version${revision:+, ${revision:0:12}})"
  CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch go build -trimpath -buildvcs=false \
    -ldflags "$ldflags" -o "$out/$name" ./cmd/workos-mcp
  names+=("$name")
done
(cd "$out" && sha256sum "${names[@]}" > SHA256SUMS)
cat "$out/SHA256SUMS"
