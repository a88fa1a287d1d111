"""Instant self-checks: "predict, then run" questions answered in the notebook, never graded.

A lesson asks one with a code cell that holds a single call, ``self_check("03.xor-space")``.
The question, its options, the answer and the explanation live in
``nncourse/self_checks/lesson_NN.py`` (``QUESTIONS``), so the cell stays one line, the
gradebook never sees it and skipping it changes nothing else in the lesson.

The widget shows the question, a choice (or a box for a number), a *Check* button and the
feedback: right or not, and why, at once. :func:`judge` is the pure part, tested without a
browser. A saved notebook shows the question and its options as static HTML.
"""

from __future__ import annotations

import html
import importlib
import math
import re
from dataclasses import dataclass, field

import ipywidgets as widgets

_KEY = re.compile(r"^(\d\d)\.[a-z0-9-]+$")


@dataclass(frozen=True)
class Choice:
    """A multiple-choice question; ``answer`` is the index of the right option.

    ``notes`` may explain why a particular wrong option is tempting ({index: text}).
    """

    key: str
    prompt: str
    options: tuple[str, ...]
    answer: int
    why: str
    notes: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Number:
    """A question answered by a number, right within ``tolerance`` (absolute)."""

    key: str
    prompt: str
    answer: float
    tolerance: float
    why: str


Question = Choice | Number


@dataclass(frozen=True)
class Verdict:
    """What the student sees after pressing *Check*."""

    correct: bool
    html: str


def questions(lesson: str) -> dict[str, Question]:
    """The self-check questions of lesson ``"NN"`` by key (empty if it has none)."""
    try:
        module = importlib.import_module(f"nncourse.self_checks.lesson_{lesson}")
    except ModuleNotFoundError:
        return {}
    return {q.key: q for q in module.QUESTIONS}


def question(key: str) -> Question:
    """Look up one question by its key, e.g. ``"03.xor-space"``."""
    match = _KEY.match(key)
    if not match:
        raise ValueError(f"a self-check key looks like '03.xor-space', got {key!r}")
    found = questions(match.group(1))
    if key not in found:
        raise KeyError(f"no self-check {key!r}; lesson {match.group(1)} has {sorted(found)}")
    return found[key]


_LEADING_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def _number(text: str) -> float | None:
    """The number a learner typed: "0.69", "0,69", or one that leads, as in "4 rows"."""
    text = str(text).strip().replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        leading = _LEADING_NUMBER.match(text)
        if leading is None:
            return None
        value = float(leading.group())
    return value if math.isfinite(value) else None


def judge(q: Question, response: int | float | str | None) -> Verdict:
    """Judge a response: an option index for a :class:`Choice`, a number (or its text)."""
    why = html.escape(q.why)
    if isinstance(q, Choice):
        if response is None:
            return Verdict(False, "Pick an option first.")
        index = int(response)
        if index == q.answer:
            return Verdict(True, f"<b style='color:#1a7f37'>✓ Right.</b> {why}")
        note = q.notes.get(index)
        lead = f"{html.escape(note)} " if note else ""
        right = html.escape(q.options[q.answer])
        return Verdict(False, f"<b style='color:#b00'>✗ Not quite.</b> {lead}"
                              f"The answer is <i>{right}</i>. {why}")
    value = _number(response) if isinstance(response, str) else (
        None if response is None else float(response))
    if value is None:
        return Verdict(False, "Type a number first, in digits (for example 12 or 0.25).")
    if abs(value - q.answer) <= q.tolerance:
        return Verdict(True, f"<b style='color:#1a7f37'>✓ Right.</b> {why}")
    return Verdict(False, f"<b style='color:#b00'>✗ Not quite:</b> you said {value:g}, the "
                          f"answer is {q.answer:g}. {why}")


class SelfCheck(widgets.VBox):
    """The question, a choice or number box, a *Check* button and the feedback."""

    def __init__(self, q: Question):
        self.question = q
        prompt = widgets.HTML(f"<b>Predict, then check.</b> {html.escape(q.prompt)}")
        if isinstance(q, Choice):
            self.answer_box = widgets.RadioButtons(
                options=[(text, i) for i, text in enumerate(q.options)], value=None,
                layout=widgets.Layout(width="auto"))
        else:
            self.answer_box = widgets.Text(placeholder="your number",
                                           layout=widgets.Layout(width="160px"))
        self.button = widgets.Button(description="Check", button_style="info",
                                     layout=widgets.Layout(width="100px"))
        self.feedback = widgets.HTML()
        self.button.on_click(lambda _button: self.check())
        super().__init__([prompt, self.answer_box, self.button, self.feedback],
                         layout=widgets.Layout(border="1px solid #ccd", padding="6px",
                                               margin="4px 0"))
        self.add_class("nn-self-check")

    def check(self) -> Verdict:
        """Judge the current response and show the verdict."""
        verdict = judge(self.question, self.answer_box.value)
        self.feedback.value = verdict.html
        return verdict

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        q = self.question
        items = ("".join(f"<li>{html.escape(o)}</li>" for o in q.options)
                 if isinstance(q, Choice) else "")
        static = (f"<p><b>Predict, then check.</b> {html.escape(q.prompt)}</p>"
                  + (f"<ol type='a'>{items}</ol>" if items else "")
                  + "<p><i>Run the cell to answer.</i></p>")
        return {**bundle, "text/html": static, "text/plain": f"Self-check: {q.prompt}"}


def self_check(key: str) -> SelfCheck:
    """Show the self-check question ``key`` (e.g. ``"03.xor-space"``); ungraded."""
    return SelfCheck(question(key))
