"""Time how long headless Chromium takes to show a written report (docs/report.md).

Usage: .venv/bin/python scripts/report_render_time.py REPORT.html [RUNS]

Per run, a fresh page opens the file (file://, no network); the script prints the time to the
load event and, when the report has ECharts figures, the performance marks ``figures-start``
(ECharts parsed, the figures module starts) and ``figures-ready`` (all figures drawn) set by
``web/static/app/figures.js``, as medians over RUNS (default 5). Needs Playwright and /usr/bin/chromium.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright


def main() -> None:
    path = Path(sys.argv[1]).resolve()
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    load: list[float] = []
    start: list[float] = []
    ready: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(path.as_uri(), wait_until="load")
            if page.query_selector("[data-figure]"):
                page.wait_for_selector("body[data-figures=ready]", state="attached")
            t = page.evaluate(
                """() => {
                const nav = performance.getEntriesByType('navigation')[0];
                const mark = (n) => (performance.getEntriesByName(n)[0] || {}).startTime;
                return [nav.loadEventEnd, mark('figures-start'), mark('figures-ready')];
            }"""
            )
            load.append(t[0])
            if t[1] is not None:
                start.append(t[1])
                ready.append(t[2])
            page.close()
        browser.close()
    line = f"{path}: {path.stat().st_size / 1e3:.0f} kB; load event {statistics.median(load):.0f} ms"
    if ready:
        line += (
            f"; ECharts parsed, figures start at {statistics.median(start):.0f} ms, "
            f"all drawn at {statistics.median(ready):.0f} ms"
        )
    print(line + f" (medians of {runs} runs)")


if __name__ == "__main__":
    main()
