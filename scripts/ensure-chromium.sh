#!/bin/sh
# Make sure Debian's Chromium is at /usr/bin/chromium for the browser tests (tests/browser).
# Idempotent: does nothing when it is already there. Never downloads a browser from anywhere
# but the system's apt sources (no `playwright install`).
set -eu

CHROMIUM=/usr/bin/chromium

fail() {
    echo "ensure-chromium: $*" >&2
    echo "ensure-chromium: the browser tests need Debian's chromium at $CHROMIUM;" \
        "install it with: apt-get update && apt-get install -y chromium" >&2
    exit 1
}

if [ -x "$CHROMIUM" ]; then
    echo "ensure-chromium: $CHROMIUM is already installed ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))."
    exit 0
fi

command -v apt-get >/dev/null 2>&1 || fail "$CHROMIUM is missing and apt-get is not available (not a Debian-based system?)."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        fail "$CHROMIUM is missing and installing it needs root (run this script as root or with passwordless sudo)."
    fi
fi

echo "ensure-chromium: $CHROMIUM is missing; installing Debian's chromium package with apt-get."
export DEBIAN_FRONTEND=noninteractive
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    || fail "apt-get update failed (no network access to the apt sources?)."
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
    || fail "apt-get install chromium failed."

[ -x "$CHROMIUM" ] || fail "apt-get installed chromium but $CHROMIUM is still missing."
echo "ensure-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)."
