#!/usr/bin/env bash
# Take a PNG screenshot of an HTML report with headless Chromium (no network needed).
#
# Usage: scripts/screenshot.sh [--palette] REPORT.html OUT.png [WIDTH HEIGHT]
# Example: scripts/screenshot.sh --palette out/610425/report.html docs/img/report-liquan.png
# --palette: shrink the PNG to a 256-colour palette (no dithering) with Pillow, when the
# Python found as $PYTHON (default .venv/bin/python) has it; for images kept in the repository.
# Install the browser first with scripts/install-browser.sh.
set -euo pipefail

palette=0
if [ "${1:-}" = "--palette" ]; then
    palette=1
    shift
fi
if [ $# -lt 2 ]; then
    echo "usage: $0 [--palette] REPORT.html OUT.png [WIDTH HEIGHT]" >&2
    exit 2
fi
report="$(realpath "$1")"
out="$(realpath -m "$2")"
width="${3:-1400}"
height="${4:-2400}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
    echo "$chromium not found: run scripts/install-browser.sh" >&2
    exit 1
fi
mkdir -p "$(dirname "$out")"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" --window-size="${width},${height}" \
    --virtual-time-budget=5000 \
    --screenshot="$out" "file://$report" 2>/dev/null
if [ ! -s "$out" ]; then
    echo "chromium wrote no screenshot to $out" >&2
    exit 1
fi
if [ "$palette" = 1 ]; then
    python="${PYTHON:-$(dirname "$0")/../.venv/bin/python}"
    if "$python" -c "import PIL" 2>/dev/null; then
        "$python" - "$out" <<'PY'
import sys

from PIL import Image

path = sys.argv[1]
img = Image.open(path).convert("RGB")
img.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
    path, optimize=True
)
PY
    else
        echo "--palette: Pillow not found for $python; PNG left as is" >&2
    fi
fi
echo "$out"
