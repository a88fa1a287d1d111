"""Lesson 06 in the browser: press Play on the training playground, watch it learn, Pause."""

from __future__ import annotations

import re

import pytest

from .lab import Lab, image_fingerprint
from .notebooks import lesson_ids

LESSON_06 = next((lesson for lesson in lesson_ids() if lesson.startswith("06_")), None)
_STEP = re.compile(r"step (\d+)")


def playground_steps(readout) -> int:
    """The step count the playground's readout shows (0 before the first step)."""
    found = _STEP.search(readout.inner_text())
    return int(found.group(1)) if found else 0


def play_and_pause(lab: Lab, screenshot=None, min_steps: int = 15) -> dict:
    """Press Play on the first playground of the open notebook, wait for ``min_steps``
    steps, press Pause; what changed (boundary and loss halves of the figure, the steps)."""
    page = lab.page
    panel = page.locator(".widget-vbox").filter(has=page.locator(".widget-play")).first
    panel.scroll_into_view_if_needed()
    image = panel.locator("img.widget-image").first
    readout = panel.locator(".widget-html").filter(has_text="training with").first
    before = {"boundary": image_fingerprint(image, 0.0, 0.5),
              "loss": image_fingerprint(image, 0.5, 1.0), "steps": playground_steps(readout)}
    play = panel.locator(".widget-play button").filter(has=page.locator(".fa-play")).first
    pause = panel.locator(".widget-play button").filter(has=page.locator(".fa-pause")).first
    play.click()
    page.wait_for_function(
        "([el, n]) => { const m = /step (\\d+)/.exec(el.innerText); return m && +m[1] >= n; }",
        arg=[readout.element_handle(), before["steps"] + min_steps], timeout=60_000, polling=100)
    page.wait_for_timeout(200)  # the image for the last step arrives with its readout
    during = {"boundary": image_fingerprint(image, 0.0, 0.5),
              "loss": image_fingerprint(image, 0.5, 1.0), "steps": playground_steps(readout)}
    if screenshot is not None:
        panel.screenshot(path=str(screenshot))
    pause.click()
    page.wait_for_timeout(1000)  # ticks already sent are dropped by the kernel
    paused_at = playground_steps(readout)
    page.wait_for_timeout(1500)
    return {"before": before, "during": during, "paused_at": paused_at,
            "later": playground_steps(readout), "readout": readout.inner_text()}


@pytest.mark.skipif(LESSON_06 is None, reason="lesson 06 is not in lessons/ yet")
def test_lesson_06_play_updates_boundary_and_loss_then_pause_stops(lab: Lab, artifacts):
    lab.goto(f"lessons/{LESSON_06}/{LESSON_06}.ipynb")
    lab.run_all(timeout_ms=240_000)
    assert lab.error_outputs() == []
    seen = play_and_pause(lab, screenshot=artifacts / "06_playground_playing.png")
    assert seen["during"]["steps"] > seen["before"]["steps"], seen
    assert seen["during"]["boundary"] != seen["before"]["boundary"], "boundary did not move"
    assert seen["during"]["loss"] != seen["before"]["loss"], "loss curve did not change"
    assert seen["later"] == seen["paused_at"], f"training went on after Pause: {seen}"
    assert lab.widget_problems() == []
