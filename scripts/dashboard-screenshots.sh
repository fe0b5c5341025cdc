#!/usr/bin/env bash
# Screenshots of the dashboard's main pages into docs/img/ (dashboard-*.png), taken by the
# browser tests themselves on the test database, then shrunk to a 256-colour palette.
# Usage: scripts/dashboard-screenshots.sh [OUT_DIR]   (needs scripts/install-browser.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/img}"
RURALFLOW_SCREENSHOTS="$out" .venv/bin/pytest -q -p no:xdist \
    tests/browser/test_dashboard.py tests/browser/test_dashboard_runs.py \
    tests/browser/test_dashboard_contracts.py tests/browser/test_dashboard_lots.py
.venv/bin/python - "$out" <<'PY'
import sys
from pathlib import Path

from PIL import Image

for path in sorted(Path(sys.argv[1]).glob("dashboard-*.png")):
    img = Image.open(path).convert("RGB")
    img.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        path, optimize=True
    )
    print(path, f"{path.stat().st_size // 1024} KiB")
PY
