#!/usr/bin/env bash
# Re-fetch the vendored browser assets from the npm registry (never a CDN at run time):
# htmx, pinned, into src/valuecenter/web/static/vendor/ together with its licence.
# Usage: scripts/vendor-assets.sh   (needs npm; writes only into static/vendor/)
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX_VERSION=2.0.11
dest=src/valuecenter/web/static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "htmx.org@${HTMX_VERSION}" >/dev/null)
tar -xzf "$tmp"/htmx.org-"${HTMX_VERSION}".tgz -C "$tmp"
mkdir -p "$dest"
cp "$tmp/package/dist/htmx.min.js" "$dest/htmx.min.js"
cp "$tmp/package/LICENSE" "$dest/htmx.LICENSE"
echo "htmx.org ${HTMX_VERSION} (npm)" >"$dest/VERSIONS.txt"
echo "vendored htmx ${HTMX_VERSION} into $dest"
