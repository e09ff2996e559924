#!/usr/bin/env bash
# Re-fetch the vendored browser assets from the npm registry (never a CDN at run time), pinned,
# into src/valuecenter/web/static/vendor/ together with their licences:
#   htmx            -> vendor/htmx.min.js, htmx.LICENSE
#   swagger-ui-dist -> vendor/swagger-ui/ (the bundle, its CSS and favicon for /docs; LICENSE,
#                      NOTICE and the bundle's third-party licence list, as Apache-2.0 §4 asks)
#   vega, vega-lite, vega-embed -> vendor/vega/ (their UMD builds and licences)
#   vega-interpreter -> vendor/vega/vega-interpreter.min.js: Vega's expression interpreter, which
#                      has no browser build, bundled as an IIFE with esbuild (both from npm), so the
#                      charts run under our CSP without 'unsafe-eval' (vega-embed's ast mode)
# Usage: scripts/vendor-assets.sh   (needs npm; writes only into static/vendor/)
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX_VERSION=2.0.11
SWAGGER_UI_VERSION=5.35.0
VEGA_VERSION=6.2.0
VEGA_LITE_VERSION=6.4.1
VEGA_EMBED_VERSION=7.1.0
VEGA_INTERPRETER_VERSION=2.3.2
VEGA_UTIL_VERSION=2.1.3
ESBUILD_VERSION=0.28.2
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

rm -rf "$dest/vega"
mkdir -p "$dest/vega"
fetch vega "$VEGA_VERSION"
cp "$tmp/vega/build/vega.min.js" "$dest/vega/vega.min.js"
cp "$tmp/vega/LICENSE" "$dest/vega/vega.LICENSE"
fetch vega-lite "$VEGA_LITE_VERSION"
cp "$tmp/vega-lite/build/vega-lite.min.js" "$dest/vega/vega-lite.min.js"
cp "$tmp/vega-lite/LICENSE" "$dest/vega/vega-lite.LICENSE"
fetch vega-embed "$VEGA_EMBED_VERSION"
cp "$tmp/vega-embed/build/vega-embed.min.js" "$dest/vega/vega-embed.min.js"
cp "$tmp/vega-embed/LICENSE" "$dest/vega/vega-embed.LICENSE"
mkdir -p "$tmp/build"
(
    cd "$tmp/build"
    npm init -y >/dev/null
    npm install --no-save --silent "vega-interpreter@$VEGA_INTERPRETER_VERSION" \
        "vega-util@$VEGA_UTIL_VERSION" "esbuild@$ESBUILD_VERSION"
    echo 'export { expressionInterpreter } from "vega-interpreter";' >entry.js
    ./node_modules/.bin/esbuild entry.js --bundle --format=iife --global-name=vegaInterpreter \
        --minify --log-level=warning --outfile=vega-interpreter.min.js
)
cp "$tmp/build/vega-interpreter.min.js" "$dest/vega/vega-interpreter.min.js"
cp "$tmp/build/node_modules/vega-interpreter/LICENSE" "$dest/vega/vega-interpreter.LICENSE"

{
    echo "htmx.org ${HTMX_VERSION} (npm)"
    echo "swagger-ui-dist ${SWAGGER_UI_VERSION} (npm)"
    echo "vega ${VEGA_VERSION}, vega-lite ${VEGA_LITE_VERSION}, vega-embed ${VEGA_EMBED_VERSION} (npm)"
    echo "vega-interpreter ${VEGA_INTERPRETER_VERSION} + vega-util ${VEGA_UTIL_VERSION}," \
        "bundled with esbuild ${ESBUILD_VERSION} (npm)"
} >"$dest/VERSIONS.txt"
echo "vendored htmx, swagger-ui-dist and vega (see VERSIONS.txt) into $dest"
