#!/usr/bin/env bash
# Re-fetch the vendored browser assets from the npm registry (never a CDN at run time), pinned,
# into src/valuecenter/web/static/vendor/ together with their licences:
#   htmx            -> vendor/htmx.min.js, htmx.LICENSE
#   swagger-ui-dist -> vendor/swagger-ui/ (the bundle, its CSS and favicon for /docs; LICENSE,
#                      NOTICE and the bundle's third-party licence list, as Apache-2.0 §4 asks)
# Usage: scripts/vendor-assets.sh   (needs npm; writes only into static/vendor/)
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX_VERSION=2.0.11
SWAGGER_UI_VERSION=5.35.0
dest=src/valuecenter/web/static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fetch() { # fetch <package> <version>: unpacks into $tmp/<package>/
    (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null)
    mkdir -p "$tmp/$1"
    tar -xzf "$tmp/$1-$2.tgz" -C "$tmp/$1" --strip-components=1
}

fetch htmx.org "$HTMX_VERSION"
mkdir -p "$dest"
cp "$tmp/htmx.org/dist/htmx.min.js" "$dest/htmx.min.js"
cp "$tmp/htmx.org/LICENSE" "$dest/htmx.LICENSE"

fetch swagger-ui-dist "$SWAGGER_UI_VERSION"
rm -rf "$dest/swagger-ui"
mkdir -p "$dest/swagger-ui"
for f in swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css favicon-32x32.png \
    LICENSE NOTICE; do
    cp "$tmp/swagger-ui-dist/$f" "$dest/swagger-ui/$f"
done

{
    echo "htmx.org ${HTMX_VERSION} (npm)"
    echo "swagger-ui-dist ${SWAGGER_UI_VERSION} (npm)"
} >"$dest/VERSIONS.txt"
echo "vendored htmx ${HTMX_VERSION} and swagger-ui-dist ${SWAGGER_UI_VERSION} into $dest"
