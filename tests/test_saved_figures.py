"""A saved notebook shows each control's picture and each self-check's question.

The lessons run in a kernel: the solution notebook as nbgrader's autograde executed it for
gate 1 (tests/test_grading_nbgrader.py; nbclient underneath, as ``jupyter nbconvert
--execute``), one execution for both. They are saved without widget state, as JupyterLab
saves them, and exported to HTML as nbviewer would:
every control must appear as a picture, never as ``ControlPanel(children=(...``. The
browser scan (tests/browser/test_lab.py) checks the same on notebooks saved by JupyterLab.
"""

from __future__ import annotations

import base64
import copy

import pytest
from conftest import NUMPY_LESSONS
from saved_figures import exported_html, unreadable_widget_outputs, widget_outputs


@pytest.mark.parametrize("lesson", NUMPY_LESSONS)
def test_executed_lesson_keeps_a_picture_of_every_control(graded_lesson, lesson):
    nb = graded_lesson(lesson)["perfect"].notebook
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
