"""Median time from a control's value change to a finished draw, for lesson 01's controls.

    .venv/bin/python benchmarks/widget_latency.py [--repeat 60]

Measured in the kernel process without a browser: setting ``slider.value`` runs the
observer, recomputes the state, redraws the animated artists on the cached background
and encodes the PNG that the ``Image`` widget sends. For comparison it also times the
naive approach of building a new figure on every change.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from nncourse.widgets.neuron import neuron_explorer, neuron_state  # noqa: E402

TARGET_MS = 30.0


def _time_changes(control, values) -> list[float]:
    times = []
    for value in values:
        start = time.perf_counter()
        control.value = value
        times.append((time.perf_counter() - start) * 1000)
    return times


def _recreate_figure(w1: float) -> bytes:
    state = neuron_state(w1, 1.0, -1.5)
    fig = Figure(figsize=(4.2, 3.6), dpi=80, layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(state["surface"], origin="lower", extent=(-0.5, 1.5, -0.5, 1.5),
                      cmap="RdBu_r", vmin=0, vmax=1, alpha=0.6, aspect="auto")
    ax.plot(*state["line"], color="k")
    ax.scatter([0, 0, 1, 1], [0, 1, 0, 1], c=state["target"], cmap="RdBu_r", s=120)
    fig.colorbar(image, ax=ax)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()
    panel = neuron_explorer()
    sweep = [round(-4.0 + 8.0 * i / args.repeat, 3) for i in range(args.repeat)]
    results = {
        name: _time_changes(panel.controls[name], sweep) for name in ("w1", "w2", "b")
    }
    results["gate"] = _time_changes(panel.controls["gate"],
                                    ["OR", "XOR", "AND"] * (args.repeat // 3))
    every = [t for times in results.values() for t in times]
    for name, times in results.items():
        print(f"{name:>5}: median {statistics.median(times):5.1f} ms  "
              f"(p90 {sorted(times)[int(0.9 * len(times))]:5.1f} ms, n={len(times)})")
    median = statistics.median(every)
    naive = []
    for w1 in sweep[:20]:
        start = time.perf_counter()
        _recreate_figure(w1)
        naive.append((time.perf_counter() - start) * 1000)
    print(f"all controls: median {median:.1f} ms (target < {TARGET_MS:.0f} ms); "
          f"new figure per change: median {statistics.median(naive):.1f} ms")
    return 0 if median < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
