"""Median time from a slider key press to the new picture on screen, in JupyterLab + Chromium.

    .venv/bin/python benchmarks/browser_latency.py [--presses 20] [--breakdown] [--json x.json]

Starts ``jupyter lab`` on loopback (temporary HOME and Jupyter folders) serving a solved copy
of lesson 01, opens it in Debian's headless Chromium (``/usr/bin/chromium``), runs all
cells, focuses the ``w1`` slider's handle and presses ArrowRight ``--presses`` times (after
one warm-up press; ten to the right, ten to the left, and so on, so that the slider never
reaches its end). Each sample runs from the keydown event's time stamp to the
presentation time of the first frame showing the next picture (Element Timing API): the
whole round trip (slider -> comm message -> kernel recompute, blit and PNG encode -> comm
message -> ``<img>`` -> decode -> paint -> frame). The page does no work per frame to
measure it. ``--breakdown`` also splits each sample where the page can see it (the
WebSocket's messages, the image's source and load) and where the kernel dated its messages
(its busy status on receiving the slider's message, the picture's message when made), at
the cost of a listener on every kernel message. The aim (issue 12) is a median of at most 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
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

TARGET_MS = 50.0
LESSON = "01_neuron"
PICTURE_BYTES = 5000  # a kernel message at least this large carries the picture

# Before JupyterLab loads: the kernel WebSocket's messages, both ways: when the page sent or
# received each (performance.now's clock), its size, and from its header (JupyterLab's v1
# binary protocol: offsets, channel, header, parent header, ...) its type, its msg_id and
# parent's msg_id, and the date the kernel wrote in it (the kernel's clock, epoch ms).
_RECORD_SOCKETS = """
(() => {
  const Base = window.WebSocket, text = new TextDecoder();
  const part = (buffer, i) => {
    const view = new DataView(buffer);
    const from = Number(view.getBigUint64(8 * (i + 1), true));
    const to = Number(view.getBigUint64(8 * (i + 2), true));
    return JSON.parse(text.decode(new Uint8Array(buffer, from, to - from)));
  };
  const describe = (data) => {
    try {
      const header = part(data, 1), parent = part(data, 2);
      return [header.msg_type, header.msg_id, parent.msg_id ?? null, Date.parse(header.date)];
    } catch (error) { return [null, null, null, null]; }  // not a v1 binary message
  };
  window.__frames = [];
  window.WebSocket = class extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => window.__frames.push(
        ['in', e.timeStamp, e.data.byteLength ?? e.data.length, ...describe(e.data)]));
    }
    send(data) {
      window.__frames.push(['out', performance.now(), data.byteLength ?? data.length,
                            ...describe(data)]);
      return super.send(data);
    }
  };
})();
"""

# Armed before a press: when the image's source changes and when its picture has loaded.
_RECORD_IMAGE = """
(img) => {
  const src = img.src, seen = window.__image = {};
  window.__framesFrom = window.__frames.length;
  const watcher = new MutationObserver(() => {
    if (img.src === src) return;
    watcher.disconnect();
    seen.src = performance.now();
    img.addEventListener('load', (e) => { seen.load = e.timeStamp; }, {once: true});
  });
  watcher.observe(img, {attributes: true, attributeFilter: ['src']});
}
"""

STAGES = ("key -> message sent", "sent -> kernel busy", "kernel busy -> picture sent",
          "picture sent -> received", "received -> <img> source", "source -> loaded",
          "loaded -> on screen")


def _stages(page, total_ms: float) -> dict[str, float]:
    """One sample split at what the page saw and the dates the kernel wrote in its messages
    (milliseconds). "kernel busy": the date of the kernel's busy status for the slider's
    message (it publishes it on receiving the message); "picture sent": the date of the
    message carrying the new picture, written when the kernel made it, after drawing and
    encoding. Kernel dates are on the system clock, page times on ``performance.now``'s:
    ``performance.timeOrigin`` joins the two (one machine, one clock)."""
    keydown = page.evaluate("window.__keydown")
    origin = page.evaluate("performance.timeOrigin")
    frames = page.evaluate("window.__frames.slice(window.__framesFrom)")
    image = page.evaluate("window.__image")
    out = next(f for f in frames if f[0] == "out")
    sent, update_id = out[1], out[4]
    replies = [f for f in frames if f[0] == "in" and f[5] == update_id]
    busy = next(f for f in replies if f[3] == "status")
    picture = next(f for f in replies if f[2] >= PICTURE_BYTES)
    points = [keydown, sent, busy[6] - origin, picture[6] - origin, picture[1], image["src"],
              image["load"], keydown + total_ms]
    return {name: b - a for name, a, b in zip(STAGES, points[:-1], points[1:], strict=True)}


def _summary(samples: list[float]) -> dict:
    return {"median_ms": round(statistics.median(samples), 1),
            "mean_ms": round(statistics.fmean(samples), 1),
            "min_ms": round(min(samples), 1), "max_ms": round(max(samples), 1)}


def measure(presses: int = 20, breakdown: bool = False) -> dict:
    """Start everything, take ``presses`` samples, stop everything; the numbers."""
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="nncourse-latency-") as tmp:
        root = Path(tmp) / "course"
        copy_lesson(LESSON, root / "lessons", solve=True)
        begin = time.perf_counter()
        server = LabServer.start(root, Path(tmp) / "home")
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                context = browser.new_context(viewport={"width": 1280, "height": 1000})
                if breakdown:
                    context.add_init_script(_RECORD_SOCKETS)
                page = context.new_page()
                lab = Lab(page, server)
                lab.goto(f"lessons/{LESSON}/{LESSON}.ipynb")
                lab.run_all()
                ready_s = time.perf_counter() - begin
                panel = page.locator(".widget-vbox").filter(has=slider(page, "w1")).first
                panel.scroll_into_view_if_needed()
                image = panel.locator("img.widget-image").first
                handle = slider_handle(page, "w1")
                key_to_pixels_ms(page, handle, image)  # warm-up
                load_during = os.getloadavg()[0]
                samples, parts = [], []
                for press in range(presses):
                    key = "ArrowRight" if press // 10 % 2 == 0 else "ArrowLeft"
                    if breakdown:
                        image.evaluate(_RECORD_IMAGE)
                    samples.append(key_to_pixels_ms(page, handle, image, key))
                    if breakdown:
                        parts.append(_stages(page, samples[-1]))
                browser.close()
        finally:
            server.stop()
    result = {**_summary(samples), "presses": presses, "ready_s": round(ready_s, 1),
              "loadavg_1min": [round(load_before, 2), round(load_during, 2),
                               round(os.getloadavg()[0], 2)],
              "samples_ms": [round(s, 1) for s in samples]}
    if breakdown:
        result["stages_median_ms"] = {
            name: round(statistics.median(p[name] for p in parts), 1) for name in STAGES}
        result["stages_ms"] = [{name: round(p[name], 1) for name in STAGES} for p in parts]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--breakdown", action="store_true",
                        help="also split each sample where the page can see it")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    result = measure(args.presses, args.breakdown)
    print(f"lesson {LESSON}, slider w1, arrow key -> new picture on screen, "
          f"{result['presses']} presses: median {result['median_ms']:.0f} ms "
          f"(mean {result['mean_ms']:.0f}, min {result['min_ms']:.0f}, "
          f"max {result['max_ms']:.0f}); server + page + run-all took "
          f"{result['ready_s']:.0f} s; 1-min load average before/during/after "
          + "/".join(f"{x:.1f}" for x in result["loadavg_1min"]))
    for name, value in result.get("stages_median_ms", {}).items():
        print(f"  {name:26s} median {value:5.1f} ms")
    verdict = "meets" if result["median_ms"] <= TARGET_MS else "misses"
    print(f"{verdict} the {TARGET_MS:.0f} ms aim")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
