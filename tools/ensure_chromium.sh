#!/usr/bin/env bash
# Make sure Debian's `chromium` is on the PATH for the browser tests (tests/test_browser.py).
# Playwright drives this system browser; it never downloads one of its own.
# Already there: do nothing. Root with apt-get: install it quietly. Otherwise: say what to do.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
    exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing chromium with apt-get for the browser tests (once; a minute or two) ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # A small CJK font, so that the screenshots show the course's Chinese terms.
    apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei >/dev/null
    command -v chromium >/dev/null 2>&1 || { echo "apt-get ran but chromium is still not on the PATH." >&2; exit 1; }
    echo "chromium installed: $(chromium --version 2>/dev/null || echo unknown version)"
    exit 0
fi

cat <<'NOTE'
note: `chromium` is not on the PATH, so the browser tests (tests/test_browser.py) will be
skipped (they fail instead when the CI variable is set). To run them, install Chromium with
your system's package manager, e.g. `sudo apt-get install chromium` on Debian or Ubuntu,
and make sure the command `chromium` is on the PATH.
NOTE
