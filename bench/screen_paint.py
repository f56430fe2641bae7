"""Wall screen load benchmark: bundle sizes of what /screen loads, and its first paint.

Prints figures; it is never a timed test.

    .venv/bin/python bench/screen_paint.py                 # frontend/dist, 5 cold loads
    .venv/bin/python bench/screen_paint.py --dist /tmp/dist --loads 10

Starts `grassroots serve --demo --no-activity` on a temp data dir (as the browser tests do),
signs a DISPLAY token in through the address as a screen on the wall would, and loads
/screen at 1920×1080 in Chromium (/usr/bin/chromium), each time in a fresh context (an
empty cache). From the Performance API: first contentful paint (the page's frame, before
the data), `screen-ready` (the page's own mark once the first dashboard is drawn) and the
bytes of the scripts and styles it fetched.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from tests.browser.pages import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREEN,
    DemoServer,
    SyncApi,
    open_screen,
)

LOGIN_SCREEN = "screen1"
MEASURE = """() => {
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const ready = performance.getEntriesByName("screen-ready")[0];
  const files = performance.getEntriesByType("resource")
    .filter((r) => /\\/assets\\//.test(r.name))
    .map((r) => ({ name: r.name.split("/").pop(), bytes: r.decodedBodySize }));
  return { fcp: paint?.startTime, ready: ready?.startTime, files };
}"""


def bundle_sizes(dist: Path) -> list[tuple[str, int, int]]:
    rows = []
    for path in sorted((dist / "assets").iterdir()):
        data = path.read_bytes()
        rows.append((path.name, len(data), len(gzip.compress(data, 9))))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "frontend" / "dist")
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"needs Chromium at {CHROMIUM}", file=sys.stderr)
        return 2

    print(f"bundle in {args.dist}/assets (raw / gzip -9):")
    for name, raw, packed in bundle_sizes(args.dist):
        print(f"  {name:40} {raw / 1024:8.1f} KB {packed / 1024:8.1f} KB")

    with tempfile.TemporaryDirectory() as data:
        server = DemoServer(Path(data), args.dist.resolve())
        print("building the demo city and starting the server…", flush=True)
        server.start()
        try:
            token = SyncApi(server.base_url).login(LOGIN_SCREEN)
            fcp, ready = [], []
            loaded: list[dict[str, object]] = []
            with sync_playwright() as playwright:
                playwright.selectors.set_test_id_attribute("data-test")
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                for _ in range(args.loads):
                    context = browser.new_context(viewport=SCREEN)
                    page = context.new_page()
                    open_screen(page, server.base_url, token)
                    page.get_by_test_id("region-name").wait_for()
                    page.wait_for_function("performance.getEntriesByName('screen-ready').length")
                    figures = page.evaluate(MEASURE)
                    fcp.append(figures["fcp"])
                    ready.append(figures["ready"])
                    loaded = figures["files"]
                    context.close()
                browser.close()
        finally:
            server.stop()

    print(f"/screen on localhost, {args.loads} cold loads at 1920×1080 (median, min–max):")
    spread = f"({min(fcp):.0f}–{max(fcp):.0f})"
    print(f"  first contentful paint  {statistics.median(fcp):7.0f} ms {spread}")
    print(
        f"  dashboard drawn         {statistics.median(ready):7.0f} ms "
        f"({min(ready):.0f}–{max(ready):.0f})  [mark screen-ready]"
    )
    total = sum(int(f["bytes"]) for f in loaded)  # type: ignore[call-overload]
    print(f"  scripts and styles fetched: {total / 1024:.1f} KB uncompressed")
    for f in loaded:
        print(f"    {f['name']:40} {int(f['bytes']) / 1024:8.1f} KB")  # type: ignore[call-overload]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
