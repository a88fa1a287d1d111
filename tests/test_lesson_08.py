"""Lesson 08 beyond the notebook gates: the new exercises against the libraries they
imitate (scikit-learn's confusion matrix and precision/recall, Keras' own EarlyStopping),
and the threshold control's state functions."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import solution_notebook
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix
from sklearn.metrics import precision_score, recall_score

from grader.notebooks import read
from nncourse.keras_env import keras
from nncourse.widgets import thresholds
from nncourse.widgets.thresholds import (
    THRESHOLDS,
    pr_curve,
    reference_precision_recall,
    threshold_explorer,
    threshold_state,
)

LESSON = "08_generalization"
NEW = ("confusion_matrix", "precision_recall_at_thresholds", "early_stopping_epoch")


@pytest.fixture(scope="module")
def solutions() -> dict:
    """The three new exercises' solutions, executed from the source notebook."""
    namespace = {"np": np}
    for cell in read(solution_notebook(LESSON)).cells:
        if cell.get("id") in NEW:
            exec(cell.source, namespace)  # noqa: S102 - our own solution cells
    return {name: namespace[name] for name in NEW}


class _FakeModel:
    stop_training = False


def keras_early_stopping(val_losses, patience: int) -> tuple[int, int]:
    """Keras' EarlyStopping driven as fit() drives it: (stopped, best), 0-based.

    Keras leaves ``stopped_epoch`` at 0 when training runs to the end; fit() then ends at
    the last epoch, which is what ``early_stopping_epoch`` returns.
    """
    callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience)
    model = _FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, loss in enumerate(val_losses):
        callback.on_epoch_end(epoch, {"val_loss": float(loss)})
        if model.stop_training:
            assert callback.stopped_epoch == epoch
            return epoch, int(callback.best_epoch)
    assert callback.stopped_epoch == 0
    return len(val_losses) - 1, int(callback.best_epoch)


# --- the exercises against the libraries ------------------------------------------------

def test_early_stopping_epoch_agrees_with_keras_early_stopping(solutions):
    mine = solutions["early_stopping_epoch"]
    rng = np.random.default_rng(0)
    runs = [[0.9, 0.7, 0.6, 0.65, 0.62, 0.66, 0.5], [0.5, 0.4, 0.4, 0.45, 0.3],
            [1.0, 0.8, 0.9, 0.7, 0.75, 0.72, 0.71, 0.8], [0.3], [0.5] * 6,
            list(np.linspace(1, 0.1, 12))]
    for _ in range(300):
        n = int(rng.integers(1, 30))
        # rounded, so that ties happen; a U shape plus noise, like a real val_loss
        runs.append(list(np.round((np.arange(n) - n / 2) ** 2 / n ** 2
                                  + rng.normal(0, 0.05, n), 2)))
    stopped_early = ran_to_end = 0
    for losses in runs:
        for patience in range(0, 6):
            expected = keras_early_stopping(losses, patience)
            got = mine(losses, patience)
            assert tuple(got) == expected, (losses, patience, got, expected)
            stopped_early += expected[0] < len(losses) - 1
            ran_to_end += expected[0] == len(losses) - 1
    assert stopped_early > 100 and ran_to_end > 100  # both endings are exercised


def test_confusion_matrix_agrees_with_scikit_learn(solutions):
    mine = solutions["confusion_matrix"]
    rng = np.random.default_rng(1)
    for n in (1, 2, 10, 333):
        y_true = rng.integers(0, 2, n)
        y_pred = rng.integers(0, 2, n)
        got = mine(y_true, y_pred)
        assert got.dtype.kind == "i" and got.shape == (2, 2)
        np.testing.assert_array_equal(
            got, sklearn_confusion_matrix(y_true, y_pred, labels=[0, 1]))


@pytest.mark.parametrize("source", ["lesson", "reference"])
def test_precision_recall_at_thresholds_agrees_with_scikit_learn(solutions, source):
    function = (solutions["precision_recall_at_thresholds"] if source == "lesson"
                else reference_precision_recall)
    rng = np.random.default_rng(2)
    y = (rng.random(300) < 0.3).astype(int)
    p = np.round(np.clip(0.4 * y + 0.6 * rng.random(300), 0, 1), 2)  # ties at thresholds
    ts = np.round(np.linspace(0, 1, 41), 3)
    precision, recall = function(p, y, ts)
    assert precision.shape == recall.shape == ts.shape
    for i, t in enumerate(ts):
        flagged = (p >= t).astype(int)
        assert precision[i] == pytest.approx(precision_score(y, flagged, zero_division=0.0))
        assert recall[i] == pytest.approx(recall_score(y, flagged, zero_division=0.0))
    grid = ts[:40].reshape(5, 8)
    precision, recall = function(p, y, grid)
    assert precision.shape == recall.shape == (5, 8)
    precision, recall = function([0.2, 0.9], [0, 0], np.array([0.5, 0.95]))
    np.testing.assert_array_equal(precision, [0.0, 0.0])
    np.testing.assert_array_equal(recall, [0.0, 0.0])


# --- the threshold control ----------------------------------------------------------------

def _probabilities(n=400, seed=3):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.25).astype(int)
    p = np.round(np.clip(0.5 * y + 0.5 * rng.random(n), 0, 1), 2)  # ties at thresholds
    return p, y


def test_the_curve_uses_the_learner_function_when_it_works(solutions):
    p, y = _probabilities()
    curve = pr_curve(p, y, solutions["precision_recall_at_thresholds"])
    assert curve["source"] == "your precision_recall_at_thresholds"
    expected = reference_precision_recall(p, y, THRESHOLDS)
    np.testing.assert_allclose(curve["precision"], expected[0])
    np.testing.assert_allclose(curve["recall"], expected[1])
    assert np.all(np.diff(curve["recall"]) <= 0)  # recall never rises with the threshold


def test_the_curve_falls_back_to_the_reference():
    p, y = _probabilities()

    def stub(p, y, thresholds):
        raise NotImplementedError

    def strict(p, y, thresholds):  # p > t instead of p >= t
        return reference_precision_recall(np.asarray(p) - 1e-12, y, thresholds)

    def flat(p, y, thresholds):
        precision, recall = reference_precision_recall(p, y, thresholds)
        return list(precision), list(recall)[:-1]

    def warns(p, y, thresholds):
        np.float64(1.0) / np.float64(0.0)  # a RuntimeWarning
        return reference_precision_recall(p, y, thresholds)

    reference = pr_curve(p, y)
    for learner in (stub, strict, flat, warns):
        curve = pr_curve(p, y, learner)
        assert curve["source"].startswith("the numpy reference (yours:"), learner.__name__
        np.testing.assert_array_equal(curve["precision"], reference["precision"])
    assert reference["source"] == "the numpy reference"


def test_threshold_state_snaps_to_the_curve_and_reads_out():
    p, y = _probabilities()
    curve = pr_curve(p, y)
    state = threshold_state(0.503, curve)
    assert state["threshold"] == pytest.approx(0.5)
    precision, recall = reference_precision_recall(p, y, np.array([0.5]))
    assert state["point"] == pytest.approx((precision[0], recall[0]))
    assert "threshold 0.50" in state["text"] and f"recall {recall[0]:.3f}" in state["text"]


def test_moving_the_threshold_slider_moves_the_marks():
    from PIL import Image

    p, y = _probabilities()
    panel = threshold_explorer(p, y)
    assert panel.live.marker.get_xdata()[0] == pytest.approx(0.5)
    panel.controls["threshold"].value = 0.8
    assert panel.state["threshold"] == pytest.approx(0.8)
    precision, recall = panel.state["point"]
    assert list(panel.live.current.get_data()[0]) == [recall]
    assert list(panel.live.current.get_data()[1]) == [precision]
    assert list(panel.live.dots.get_data()[1]) == [precision, recall]
    assert "threshold 0.80" in panel.readout.value
    png = panel.live.render()
    assert Image.open(io.BytesIO(png)).size[0] > 300
    assert "image/png" in panel._repr_mimebundle_()  # the picture survives saving


def test_slider_covers_the_curve():
    assert THRESHOLDS[0] == pytest.approx(0.01) and THRESHOLDS[-1] == pytest.approx(0.99)
    assert thresholds.SLIDER_STEP == pytest.approx(np.diff(THRESHOLDS).min())
