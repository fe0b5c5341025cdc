"""The vendored browser libraries: pinned, matching their manifest, and no CDN anywhere."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from ruralflow.web import STATIC_DIR

ROOT = Path(__file__).resolve().parents[1]
VENDOR = STATIC_DIR / "vendor"


def test_vendored_files_match_the_manifest() -> None:
    manifest = json.loads((VENDOR / "manifest.json").read_text(encoding="utf-8"))
    names = {e["file"] for e in manifest["files"]}
    assert "echarts.min.js" in names and "echarts.LICENSE.txt" in names
    for e in manifest["files"]:
        data = (VENDOR / e["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == e["sha256"], e["file"]
    on_disk = {p.name for p in VENDOR.iterdir()} - {"manifest.json"}
    assert on_disk == names, "files in vendor/ the manifest does not list"


def test_echarts_is_pinned_exactly_and_the_manifest_follows_the_lock() -> None:
    pkg = json.loads((ROOT / "web" / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text(encoding="utf-8"))
    pinned = pkg["dependencies"]["echarts"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), f"not an exact pin: {pinned}"
    assert lock["packages"]["node_modules/echarts"]["version"] == pinned
    manifest = json.loads((VENDOR / "manifest.json").read_text(encoding="utf-8"))
    for e in manifest["files"]:
        assert e["version"] == lock["packages"][f"node_modules/{e['package']}"]["version"]
    head = (VENDOR / "echarts.min.js").read_bytes()[:2000].decode("utf-8", "replace")
    assert "Apache" in head  # the licence header the minified build carries


def test_no_page_or_script_of_ours_names_another_server() -> None:
    pages = STATIC_DIR.parent / "pages"
    ours = [
        p
        for p in [*STATIC_DIR.rglob("*"), *pages.rglob("*")]
        if p.suffix in {".html", ".js", ".css"} and "vendor" not in p.parts
    ]
    assert ours, "no pages found"
    bad = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|@import\s+url\(\s*["']?https?:""")
    for p in ours:
        text = p.read_text(encoding="utf-8")
        assert not bad.search(text), f"{p} loads from another server"
        assert "cdn" not in text.lower(), f"{p} names a CDN"
