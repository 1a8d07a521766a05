#!/bin/sh
# Install a Debian package when its command is missing: `sh tests/ensure-debian-package.sh CMD PACKAGE`.
# Used by `make e2e` (chromium) and `make bench` (wrk); nothing is downloaded from anywhere else.
set -e
cmd="$1"
package="${2:-$1}"
if command -v "$cmd" >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$package" >/dev/null
command -v "$cmd"
