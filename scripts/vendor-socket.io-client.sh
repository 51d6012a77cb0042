#!/usr/bin/env bash
# The browser's Socket.IO client is the official `socket.io-client` ES module
# build, pinned and embedded with its licence. This script fetches that exact
# version from npm again and checks its hash, or (with --check) only checks
# the committed copy against the pinned hash.
set -euo pipefail

VERSION=4.8.4
FILE=dist/socket.io.esm.min.js
SHA256=771c3872e7d9bf81020615fda67ef0fd2aa61fcaf1990100714a46fa2c39f8a1

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/web/assets/vendor/socket.io-client"

check() {
    echo "$SHA256  $1" | sha256sum --check --quiet - \
        || { echo "socket.io-client: $1 does not match the pinned hash of $VERSION" >&2; exit 1; }
}

if [ "${1:-}" = "--check" ]; then
    check "$dest/socket.io.esm.min.js"
    grep -q "Socket.IO v$VERSION" "$dest/socket.io.esm.min.js"
    test -s "$dest/LICENSE"
    echo "socket.io-client $VERSION: committed copy matches"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "socket.io-client@$VERSION" >/dev/null && tar xzf "socket.io-client-$VERSION.tgz")
check "$work/package/$FILE"
mkdir -p "$dest"
cp "$work/package/$FILE" "$dest/socket.io.esm.min.js"
cp "$work/package/LICENSE" "$dest/LICENSE"
echo "$VERSION" > "$dest/VERSION"
echo "socket.io-client $VERSION fetched into ${dest#"$root"/}"
