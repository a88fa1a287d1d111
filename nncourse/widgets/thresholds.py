"""Lesson 08: a threshold slider over a trained model's validation probabilities.

The model outputs a probability ``p`` per message; a message is flagged as spam when
``p >= threshold``. The slider moves the threshold; the left panel draws precision and
recall against the threshold, the right one the precision-recall curve they trace, with
the current threshold marked on both. The curve is computed once, with the learner's
``precision_recall_at_thresholds`` when it agrees with the numpy reference below, with
the reference otherwise (the readout says which).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np

from nncourse.live import ControlPanel, LiveFigure

THRESHOLDS = np.round(np.arange(0.01, 1.0, 0.01), 2)  # the curve: 0.01, 0.02, ..., 0.99
SLIDER_STEP = 0.01


def reference_precision_recall(p, y, thresholds) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall of ``p >= t`` for each ``t``; 0.0 where a ratio is undefined."""
    p = np.asarray(p, dtype=float).ravel()
    y = np.asarray(y).ravel() == 1
    t = np.asarray(thresholds, dtype=float)
    flagged = p[None, :] >= t.reshape(-1, 1)
    tp = (flagged & y).sum(axis=1)
    n_flagged = flagged.sum(axis=1)
    precision = np.divide(tp, n_flagged, out=np.zeros(t.size), where=n_flagged > 0)
    recall = tp / y.sum() if y.any() else np.zeros(t.size)
    return precision.reshape(t.shape), np.asarray(recall, dtype=float).reshape(t.shape)


def pr_curve(p, y, learner: Callable | None = None,
             thresholds: np.ndarray = THRESHOLDS) -> dict[str, Any]:
    """Precision and recall over ``thresholds``: the learner's function if it works.

    "Works" means: no exception, no warning, two arrays shaped like ``thresholds`` that
    match the reference within 1e-9. Otherwise the reference is used and ``source`` says why.
    """
    precision, recall = reference_precision_recall(p, y, thresholds)
    source = "the numpy reference"
    if learner is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                got = learner(np.asarray(p, dtype=float), np.asarray(y), thresholds.copy())
            mine = [np.asarray(a, dtype=float) for a in got]
            if len(mine) != 2 or any(a.shape != thresholds.shape for a in mine):
                raise ValueError("not two arrays shaped like thresholds")
            if not all(np.allclose(a, b, rtol=0, atol=1e-9)
                       for a, b in zip(mine, (precision, recall), strict=True)):
                raise ValueError("different values from the reference")
            source = "your precision_recall_at_thresholds"
        except Exception as exc:  # NotImplementedError from an unwritten stub, a wrong answer
            source = f"the numpy reference (yours: {type(exc).__name__}: {exc})"[:200]
    return {"thresholds": thresholds, "precision": precision, "recall": recall,
            "source": source}


def threshold_state(threshold: float, curve: dict[str, Any]) -> dict[str, Any]:
    """The curve plus the point of one threshold and the readout text."""
    i = int(np.argmin(np.abs(curve["thresholds"] - threshold)))
    precision, recall = float(curve["precision"][i]), float(curve["recall"][i])
    text = (f"threshold {curve['thresholds'][i]:.2f}: precision {precision:.3f}, "
            f"recall {recall:.3f} (computed with {curve['source']})")
    return {**curve, "index": i, "threshold": float(curve["thresholds"][i]),
            "point": (precision, recall), "text": text}


def _draw(live: LiveFigure, state: dict[str, Any]) -> str:
    t = state["threshold"]
    precision, recall = state["point"]
    live.marker.set_xdata([t, t])
    live.dots.set_data([t, t], [precision, recall])
    live.current.set_data([recall], [precision])
    return state["text"]


def threshold_explorer(p, y, learner: Callable | None = None,
                       threshold: float = 0.5) -> ControlPanel:
    """Slider over the threshold; precision/recall against it and the PR curve."""
    curve = pr_curve(p, y, learner)
    live = LiveFigure(1, 2, figsize=(7.5, 3.0))
    vs_t, pr_ax = live.axes
    vs_t.plot(curve["thresholds"], curve["precision"], color="tab:blue", label="precision")
    vs_t.plot(curve["thresholds"], curve["recall"], color="tab:orange", label="recall")
    live.marker = vs_t.axvline(threshold, color="tab:green", lw=1.5, label="threshold")
    (live.dots,) = vs_t.plot([], [], "o", color="tab:green", ms=5)
    vs_t.set(xlim=(0, 1), ylim=(0, 1.02), xlabel="threshold", title="precision and recall")
    vs_t.legend(loc="lower left", fontsize=8)
    pr_ax.plot(curve["recall"], curve["precision"], color="tab:purple")
    (live.current,) = pr_ax.plot([], [], "o", color="tab:green", ms=7)
    pr_ax.set(xlim=(0, 1.02), ylim=(0, 1.02), xlabel="recall", ylabel="precision",
              title="precision-recall curve")
    live.animate(live.marker, live.dots, live.current)
    control = widgets.FloatSlider(value=threshold, min=float(THRESHOLDS[0]),
                                  max=float(THRESHOLDS[-1]), step=SLIDER_STEP,
                                  description="threshold", readout_format=".2f",
                                  continuous_update=True, style={"description_width": "70px"},
                                  layout=widgets.Layout(width="320px"))
    return ControlPanel({"threshold": control},
                        lambda threshold: threshold_state(threshold, curve), _draw, live,
                        title="Threshold: precision, recall and the curve they trace")
