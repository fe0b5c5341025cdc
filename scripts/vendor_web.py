"""Copy the pinned browser libraries from web/node_modules into the package (``make vendor``).

Run after ``npm ci`` in ``web/``: copies Apache ECharts' ``dist/echarts.min.js`` and the
licences of what that file bundles (ECharts, its NOTICE, ZRender, the d3 parts) into
``src/ruralflow/web/static/vendor/`` and writes ``manifest.json`` there with each file's
version, npm package and SHA-256 (a test checks the committed files against it).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ROOT / "web" / "node_modules"
VENDOR = ROOT / "src" / "ruralflow" / "web" / "static" / "vendor"

#: (npm package, file inside it, name in vendor/)
FILES = (
    ("echarts", "dist/echarts.min.js", "echarts.min.js"),
    ("echarts", "LICENSE", "echarts.LICENSE.txt"),
    ("echarts", "NOTICE", "echarts.NOTICE.txt"),
    ("echarts", "licenses/LICENSE-d3", "echarts.LICENSE-d3.txt"),
    ("zrender", "LICENSE", "zrender.LICENSE.txt"),
)


def main() -> int:
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text(encoding="utf-8"))
    VENDOR.mkdir(parents=True, exist_ok=True)
    entries = []
    for package, inner, name in FILES:
        src = MODULES / package / inner
        if not src.is_file():
            print(f"{src} 不存在,先运行 npm ci / missing: run `npm ci` in web/", file=sys.stderr)
            return 1
        version = lock["packages"][f"node_modules/{package}"]["version"]
        shutil.copyfile(src, VENDOR / name)
        digest = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        entries.append(
            {"file": name, "package": package, "version": version, "from": inner, "sha256": digest}
        )
    manifest = {
        "note": "written by `make vendor` (scripts/vendor_web.py) from web/package-lock.json",
        "files": entries,
    }
    (VENDOR / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    for e in entries:
        print(f"{e['file']}  {e['package']}@{e['version']}  sha256 {e['sha256']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
