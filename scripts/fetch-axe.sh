#!/usr/bin/env bash
# Fetch axe-core's browser bundle (the accessibility checker the dashboard's browser tests inject
# into every page: tests/system/test_dashboard_browser.py) into $1. Pinned version, checked
# against its SHA-256; does nothing when the right file is there. A test tool only: never served.
# axe-core is MPL-2.0.
set -euo pipefail

DEST="${1:-.cache/axe-core}"
PACKAGE="axe-core@4.14.1"
SHA256="29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"

if [ -f "$DEST/axe.min.js" ] && echo "$SHA256  $DEST/axe.min.js" | sha256sum -c --status; then
  exit 0
fi

echo "fetching the accessibility checker from npm ($PACKAGE)"
. "$(dirname "$0")/npm-extract.sh"
npm_extract "$PACKAGE" package/axe.min.js
echo "$SHA256  $WORK/package/axe.min.js" | sha256sum -c --status || {
  echo "checksum mismatch for $PACKAGE axe.min.js" >&2; exit 1; }
mkdir -p "$DEST"
mv "$WORK/package/axe.min.js" "$DEST/axe.min.js"
echo "axe-core ready in $DEST"
