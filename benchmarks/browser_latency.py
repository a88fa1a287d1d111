"""Median time from a slider key press to changed pixels, in real JupyterLab and Chromium.

    .venv/bin/python benchmarks/browser_latency.py [--presses 20] [--json artifacts/x.json]

Starts ``jupyter lab`` on loopback (temporary HOME and Jupyter folders) serving a solved copy
of lesson 01, opens it in Debian's headless Chromium (``/usr/bin/chromium``), runs all
cells, focuses the ``w1`` slider's handle and presses ArrowRight ``--presses`` times (after
one warm-up press). Each sample runs from the keydown event's time stamp to the first
animation frame whose ``<img>`` pixels differ from before the press: the whole round trip
(slider -> comm message -> kernel recompute, blit and PNG encode -> comm message -> blob
URL -> decode -> paint). The aim is a median under 100 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser.lab import (  # noqa: E402
    Lab,
    LabServer,
    key_to_pixels_ms,
    launch_chromium,
    slider,
    slider_handle,
)
from browser.notebooks import copy_lesson  # noqa: E402

TARGET_MS = 100.0
LESSON = "01_neuron"


def measure(presses: int = 20) -> dict:
    """Start everything, take ``presses`` samples, stop everything; the numbers."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="nncourse-latency-") as tmp:
        root = Path(tmp) / "course"
        copy_lesson(LESSON, root / "lessons", solve=True)
        begin = time.perf_counter()
        server = LabServer.start(root, Path(tmp) / "home")
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
                lab = Lab(page, server)
                lab.goto(f"lessons/{LESSON}/{LESSON}.ipynb")
                lab.run_all()
                ready_s = time.perf_counter() - begin
                panel = page.locator(".widget-vbox").filter(has=slider(page, "w1")).first
                panel.scroll_into_view_if_needed()
                image = panel.locator("img.widget-image").first
                handle = slider_handle(page, "w1")
                key_to_pixels_ms(page, handle, image)  # warm-up
                samples = [key_to_pixels_ms(page, handle, image) for _ in range(presses)]
                browser.close()
        finally:
            server.stop()
    return {"median_ms": round(statistics.median(samples), 1),
            "mean_ms": round(statistics.fmean(samples), 1),
            "min_ms": round(min(samples), 1), "max_ms": round(max(samples), 1),
            "presses": presses, "ready_s": round(ready_s, 1),
            "samples_ms": [round(s, 1) for s in samples]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    result = measure(args.presses)
    print(f"lesson {LESSON}, slider w1, ArrowRight -> new pixels, {result['presses']} presses: "
          f"median {result['median_ms']:.0f} ms (mean {result['mean_ms']:.0f}, "
          f"min {result['min_ms']:.0f}, max {result['max_ms']:.0f}); "
          f"server + page + run-all took {result['ready_s']:.0f} s")
    verdict = "meets" if result["median_ms"] < TARGET_MS else "misses"
    print(f"{verdict} the {TARGET_MS:.0f} ms aim")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
