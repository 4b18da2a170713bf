#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring, so keytar has a
# real Secret Service. HOME and XDG dirs point at a throwaway folder: the user's keyring is untouched.
# Without dbus-run-session or gnome-keyring-daemon the command runs as is, and keychain tests skip
# (or fail under VIGIL_REQUIRE_ALL=1).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/toolchain.sh"
if ! command -v dbus-run-session >/dev/null || ! command -v gnome-keyring-daemon >/dev/null; then
  echo "with-keyring: dbus-run-session or gnome-keyring-daemon missing; keychain tests will not run" >&2
  exec "$@"
fi
tmp="$(mktemp -d -t vigil-keyring.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/run" "$tmp/config" "$tmp/cache" "$tmp/data"
chmod 700 "$tmp/run"
export VIGIL_REAL_HOME="${HOME:-}"
export HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/run" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" XDG_DATA_HOME="$tmp/data"
# npm and npx keep their cache under the real home, not the throwaway one.
export npm_config_cache="${npm_config_cache:-$VIGIL_REAL_HOME/.npm}"
export VIGIL_KEYRING=1
# The keyring password only protects this throwaway keyring.
dbus-run-session -- bash -c 'printf "vigil-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' bash "$@"
