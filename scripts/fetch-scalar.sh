#!/usr/bin/env bash
# Fetch the Scalar API reference's standalone browser bundle (served by the app at /docs/scalar.js,
# so /docs works offline) into $1. Pinned version, checked against its SHA-256. Does nothing when
# the right file is already there. Scalar is MIT-licensed. The Lambda package carries it: run this before packaging.
set -euo pipefail

DEST="${1:-chalicelib/static/scalar}"
PACKAGE="@scalar/api-reference@1.72.1"
SHA256="bf091006bdc3af6067af77c2f534812e3e633e94a94e87138069f570f33b762c"

if [ -f "$DEST/standalone.js" ] && echo "$SHA256  $DEST/standalone.js" | sha256sum -c --status; then
  exit 0
fi

echo "fetching the API explorer from npm ($PACKAGE)"
. "$(dirname "$0")/npm-extract.sh"
npm_extract "$PACKAGE" package/dist/browser/standalone.js
echo "$SHA256  $WORK/package/dist/browser/standalone.js" | sha256sum -c --status || {
  echo "checksum mismatch for $PACKAGE standalone.js" >&2; exit 1; }
mkdir -p "$DEST"
# Move into place last, so an interrupted fetch is retried next time.
mv "$WORK/package/dist/browser/standalone.js" "$DEST/standalone.js"
echo "API explorer ready in $DEST"
