#!/usr/bin/env bash
# ensure-chromium.sh installs Debian's Chromium for the web app's end-to-end
# browser tests when it is missing. CI runs as root; elsewhere it uses sudo
# when it can, and otherwise says what to run.
set -euo pipefail

bin=${CIVICLINK_CHROMIUM:-/usr/bin/chromium}
if [ -x "$bin" ]; then
	exit 0
fi
echo "ensure-chromium: $bin is missing; installing Debian's chromium package" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo="sudo"
	else
		echo "ensure-chromium: not root and no sudo: run 'apt-get install -y chromium' as root" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
if [ ! -x "$bin" ]; then
	echo "ensure-chromium: apt-get finished but $bin is still missing" >&2
	exit 1
fi
echo "ensure-chromium: installed $("$bin" --version 2>/dev/null || echo chromium)" >&2
