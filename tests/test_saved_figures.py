"""A saved notebook shows each control's picture and each self-check's question.

The lessons run in a kernel (nbclient, as ``jupyter nbconvert --execute`` does), are saved
without widget state, as JupyterLab saves them, and exported to HTML as nbviewer would:
every control must appear as a picture, never as ``ControlPanel(children=(...``. The
browser scan (tests/browser/test_lab.py) checks the same on notebooks saved by JupyterLab.
"""

from __future__ import annotations

import base64
import copy

import nbformat
import pytest
from conftest import NUMPY_LESSONS, ROOT
from saved_figures import exported_html, unreadable_widget_outputs, widget_outputs


def _executed(lesson: str) -> dict:
    from nbclient import NotebookClient

    folder = ROOT / "solutions" / lesson
    nb = nbformat.read(folder / f"{lesson}.ipynb", as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


@pytest.mark.parametrize("lesson", NUMPY_LESSONS)
def test_executed_lesson_keeps_a_picture_of_every_control(lesson):
    nb = _executed(lesson)
    outputs = widget_outputs(nb)
    assert outputs, f"{lesson}: no control displayed"
    assert unreadable_widget_outputs(nb) == []
    pictures = [data["image/png"] for _cell, data in outputs if "image/png" in data]
    assert pictures, f"{lesson}: no control left a picture"
    for picture in pictures:
        assert base64.b64decode(picture).startswith(b"\x89PNG"), "image/png is not a PNG"
    html = exported_html(copy.deepcopy(nb))
    assert "children=(" not in html, f"{lesson}: the export shows a widget's repr"
    assert html.count("data:image/png;base64") >= len(pictures)
