#!/usr/bin/env bash
# Installs the Debian programs the test suite drives for real (run as root, non-interactive):
# Chromium for the browser end-to-end suite, OpenSSH (server and client) as SSH peers,
# gnome-keyring + libsecret (keytar's Secret Service, and its build headers), D-Bus, tmux,
# sudo and less (a password prompt and a full-screen program in the audited-command rule tests),
# openssl, jq, zip, unzip and python3 (sealed recordings, evidence bundles and the audit trail's
# checkpoints checked the way the docs tell a third party to),
# ffmpeg (MP4 export encodes with it; its ffprobe checks the videos made), xrdp with xorgxrdp and
# xterm (a private RDP target whose session is one xterm), xdotool (reads that session's pointer) and
# x11-utils (xwininfo and xev, to look into that session by hand).
set -euo pipefail
packages=(
  chromium
  openssh-server openssh-client sudo less
  gnome-keyring libsecret-1-0 libsecret-1-dev dbus
  tmux passwd procps ca-certificates openssl jq zip unzip ffmpeg
  xrdp xorgxrdp xterm xdotool x11-utils
  python3 make g++
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: all Debian packages present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
