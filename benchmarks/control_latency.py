"""Every live control of every lesson: value change to finished draw, at its heaviest setting.

    MPLBACKEND=Agg .venv/bin/python benchmarks/control_latency.py [--lessons 00 03]
        [--changes 30] [--probe 4] [--json PATH]

Measured in the kernel's process without a browser. Each lesson's solution notebook runs
in-process, cell by cell, as a kernel would run it (in the notebook's folder; each cell's
last expression and every ``display(...)`` call are kept), so every widget is built with
the lesson's own arguments. Every widget with ``controls`` (``ControlPanel``, the keras
trainer, the playground) is benchmarked; its other value widgets (the playground's
"hidden units" and "steps/tick") count as controls too.

For each control:

1. **Heaviest setting of the other controls**, found empirically by coordinate ascent:
   starting from the lesson's setting, each other control in turn takes each of its
   candidate values (every option of a dropdown or toggle, at most 6; a slider's ends,
   middle and lesson value) while the rest keep their best values so far; the candidate
   whose probe (``--probe`` changes of this control spread over its range, median) is
   slowest is kept. A slider's probes ask for stops that no earlier probe and not the
   sweep asks for: a widget that keeps earlier results (the descent explorer keeps a run
   per learning rate) cannot make a setting look lighter than it is. One pass: a local
   maximum, which interactions of three or more controls could miss.
2. **Sweep** with the others at that setting: at least ``--changes`` changes, each timed
   from ``control.value = v`` to the end of the synchronous observer chain (recompute,
   redraw, PNG bytes in the ``Image`` widget). Sliders take evenly spaced stops over their
   range (back and forth when they have fewer stops than changes); dropdowns and toggles
   cycle their options. Then the controls go back to the lesson's setting.

A "redraws" count below the number of changes means a change showed no new picture (the
keras trainer's controls act on the next Train, the playground's steps/tick on the next
tick); a control that never draws is not held to the target. Buttons are not value
controls and are not held to the 16 ms target either: they get their own rows (Train:
click to the first epoch drawn, and one epoch's redraw; the playground's Step and Reset:
click to redrawn; Play: one timer tick to its frame), at the lesson's own settings.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import itertools
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import IPython.core.display_functions  # noqa: E402
import IPython.display  # noqa: E402
import ipywidgets as widgets  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 16.0
MAX_CANDIDATES = 6

# ---------------------------------------------------------------- running a lesson


_SHOWN: list[Any] = []


def _display(*objects: Any, **_kwargs: Any) -> None:
    _SHOWN.extend(objects)


# every display(...) a lesson (or a course module) calls lands in _SHOWN
IPython.display.display = _display
IPython.core.display_functions.display = _display


def _run_cell(source: str, name: str, namespace: dict) -> Any:
    """Run one cell as IPython would; return its last expression's value (or None)."""
    tree = ast.parse(source, name)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, name, "exec"), namespace)
    return None if last is None else eval(compile(last, name, "eval"), namespace)


def _descendants(widget: Any) -> Iterator[Any]:
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from _descendants(child)


@dataclass
class Shown:
    """One widget with controls, as a lesson's cell shows it."""

    lesson: str
    cell: str
    widget: Any

    @property
    def name(self) -> str:
        title = getattr(self.widget, "title", "") or type(self.widget).__name__
        return f"{self.cell} ({title})"


def lesson_widgets(lesson: str) -> list[Shown]:
    """Run ``solutions/<lesson>``'s code cells; every widget with controls they show."""
    folder = ROOT / "solutions" / lesson
    notebook = nbformat.read(folder / f"{lesson}.ipynb", as_version=4)
    namespace: dict = {"__name__": "__main__", "display": _display}
    found: list[Shown] = []
    seen: set[int] = set()
    here = Path.cwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            for cell in notebook.cells:
                if cell.cell_type != "code":
                    continue
                _SHOWN.clear()
                value = _run_cell(cell.source, f"<{lesson}:{cell.id}>", namespace)
                for shown in [*_SHOWN, value]:
                    for widget in _descendants(shown):
                        if isinstance(getattr(widget, "controls", None), Mapping) and \
                                id(widget) not in seen:
                            seen.add(id(widget))
                            found.append(Shown(lesson, cell.id, widget))
    finally:
        os.chdir(here)
    return found


# ---------------------------------------------------------------- controls and their values

_VALUE_TYPES = (widgets.widget_int._Int, widgets.widget_float._Float,
                widgets.widget_selection._Selection, widgets.widget_bool._Bool)
_NOT_CONTROLS = (widgets.Play, widgets.IntProgress, widgets.FloatProgress, widgets.Valid)


def controls_of(widget: Any) -> dict[str, widgets.ValueWidget]:
    """The widget's ``controls`` and any other value widget a student can change in it."""
    controls = dict(widget.controls)
    known = {id(c) for c in controls.values()}
    for child in _descendants(widget):
        if isinstance(child, _VALUE_TYPES) and not isinstance(child, _NOT_CONTROLS) \
                and id(child) not in known and not child.disabled:
            controls[child.description or type(child).__name__] = child
            known.add(id(child))
    return controls


def stops(control: widgets.ValueWidget) -> list[Any]:
    """Every value the control can take (a slider snaps to its step)."""
    if isinstance(control, widgets.widget_selection._Selection):
        if isinstance(control.options, Mapping):
            return list(control.options.values())
        return [option[1] if isinstance(option, tuple) and len(option) == 2
                and isinstance(option[0], str) else option for option in control.options]
    if isinstance(control, widgets.widget_bool._Bool):
        return [False, True]
    if isinstance(control, widgets.FloatLogSlider):
        exponents = np.arange(control.min, control.max + control.step / 2, control.step)
        return [float(control.base ** e) for e in np.round(exponents, 10) + 0.0]
    step = control.step or 1
    values = np.round(np.arange(control.min, control.max + step / 2, step), 10) + 0.0  # no -0
    return [int(v) for v in values] if isinstance(control, widgets.widget_int._Int) \
        else [float(v) for v in values]


def _spread(values: Sequence[Any], n: int) -> list[Any]:
    """``n`` evenly spaced members of ``values`` (all of them when there are fewer)."""
    if len(values) <= n:
        return list(values)
    return [values[int(round(i))] for i in np.linspace(0, len(values) - 1, n)]


def is_slider(control: widgets.ValueWidget) -> bool:
    return not isinstance(control, (widgets.Dropdown, widgets.widget_bool._Bool,
                                    widgets.ToggleButtons, widgets.RadioButtons))


def sweep_values(control: widgets.ValueWidget, changes: int) -> list[Any]:
    """``changes`` values, each different from the one before (the first from the current).

    Sliders: evenly spaced stops from one end to the other, then back (only when there
    are fewer stops than changes); dropdowns and toggles cycle their options.
    """
    all_stops = stops(control)
    if len(all_stops) < 2:
        return []
    if is_slider(control):
        chosen = _spread(all_stops, changes)
        cycle = chosen + chosen[-2:0:-1]  # there and back
    else:
        start = all_stops.index(control.value) + 1 if control.value in all_stops else 0
        cycle = all_stops[start:] + all_stops[:start]
    values = []
    previous = control.value
    for value in itertools.cycle(cycle):
        if len(values) >= changes:
            break
        if value != previous:
            values.append(value)
            previous = value
    return values


def candidates(control: widgets.ValueWidget) -> list[Any]:
    """The values tried for a control while another one is probed."""
    all_stops = stops(control)
    if is_slider(control):
        picked = [all_stops[0], all_stops[len(all_stops) // 2], all_stops[-1], control.value]
    else:
        picked = _spread(all_stops, MAX_CANDIDATES - 1) + [control.value]
    return list(dict.fromkeys(picked))


# ---------------------------------------------------------------- timing


def _pictures(widget: Any) -> list[Any]:
    """The values of every ``Image`` widget shown in ``widget`` now (new bytes: a new frame)."""
    return [child.value for child in _descendants(widget) if isinstance(child, widgets.Image)]


def _frames(widget: Any, control: widgets.ValueWidget, values: Sequence[Any]
            ) -> tuple[list[float], int]:
    """:func:`time_changes` for each value; also how many changes showed a new picture."""
    times, frames = [], 0
    for value in values:
        before = _pictures(widget)
        times += time_changes(control, [value])
        after = _pictures(widget)
        frames += len(after) != len(before) or any(
            new is not old for new, old in zip(after, before, strict=True))
    return times, frames


def time_changes(control: widgets.ValueWidget, values: Sequence[Any]) -> list[float]:
    """Milliseconds from ``control.value = v`` to the end of its observers, per value
    (values the control does not offer now, or already holds, are skipped)."""
    times = []
    for value in values:
        if value == control.value or value not in stops(control):
            continue
        start = time.perf_counter()
        control.value = value
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def _set_all(controls: Mapping[str, widgets.ValueWidget], values: Mapping[str, Any]) -> None:
    for _ in range(2):  # twice: a control whose observer moves another one (a preset)
        for name, value in values.items():
            if controls[name].value != value:
                controls[name].value = value


def _describe(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def probe_values(control: widgets.ValueWidget, probe: int, avoid: Sequence[Any],
                 phase: int) -> list[Any]:
    """``probe`` values for one probe of ``control``, spread over its range. A slider's
    come from the stops ``avoid`` (the sweep's values) leaves, shifted by ``phase`` stops:
    each probe then asks for values no earlier probe asked for, and the sweep for values
    no probe asked for, so a widget's cache of earlier results (the descent explorer keeps
    a run per learning rate) cannot make one setting look lighter than it is."""
    if not is_slider(control):
        return sweep_values(control, probe)
    pool = [v for v in stops(control) if v not in avoid] or stops(control)
    if len(pool) < 2:
        return sweep_values(control, probe)
    spacing = len(pool) / min(probe, len(pool))
    indices = {(int(i * spacing) + phase) % len(pool) for i in range(min(probe, len(pool)))}
    return [pool[i] for i in sorted(indices)]


def heaviest_setting(controls: Mapping[str, widgets.ValueWidget], name: str,
                     probe: int, changes: int) -> dict[str, Any]:
    """The others' values (coordinate ascent, one pass) that make ``name`` slowest."""
    control = controls[name]
    sweep = sweep_values(control, changes)
    phase = 0
    best: dict[str, Any] = {}
    for other, widget in controls.items():
        if other == name or probe < 1:
            continue
        slowest, chosen = -1.0, widget.value
        for value in candidates(widget):
            if value not in stops(widget):  # its options changed with another control
                continue
            widget.value = value
            probe_times = time_changes(control, probe_values(control, probe, sweep, phase))
            phase += 1
            if widget.value != value or not probe_times:  # moved by a linked control
                continue
            cost = statistics.median(probe_times)
            if cost > slowest:
                slowest, chosen = cost, value
        widget.value = chosen
        best[other] = chosen
    return best


@dataclass
class Row:
    """One control's (or button's) figures."""

    lesson: str
    widget: str
    control: str
    heaviest: str
    median_ms: float
    max_ms: float
    changes: int
    redraws: int | None = None
    note: str = ""
    times_ms: list[float] = field(default_factory=list, repr=False)


def benchmark_widget(shown: Shown, changes: int, probe: int) -> list[Row]:
    """One row per control of ``shown.widget``, each at its heaviest setting."""
    controls = controls_of(shown.widget)
    lesson_setting = {name: control.value for name, control in controls.items()}
    rows = []
    for name, control in controls.items():
        if len(stops(control)) < 2:
            continue
        heaviest = heaviest_setting(controls, name, probe, changes)
        values = sweep_values(control, changes)
        times, redraws = _frames(shown.widget, control, values)
        _set_all(controls, lesson_setting)
        changed = {k: v for k, v in heaviest.items() if v != lesson_setting[k]}
        note = "" if redraws else "draws nothing: acts on the next Train or tick"
        rows.append(Row(shown.lesson, shown.name, name,
                        ", ".join(f"{k}={_describe(v)}" for k, v in changed.items())
                        or "(lesson's own)", statistics.median(times), max(times),
                        len(times), redraws, note, times))
    return rows


# ---------------------------------------------------------------- buttons


def _timed_clicks(button: widgets.Button, times: int) -> list[float]:
    result = []
    for _ in range(times):
        start = time.perf_counter()
        button.click()
        result.append((time.perf_counter() - start) * 1000.0)
    return result


def _button_row(shown: Shown, control: str, times: list[float], note: str) -> Row:
    return Row(shown.lesson, shown.name, control, "(lesson's own)", statistics.median(times),
               max(times), len(times), None, note, times)


def benchmark_buttons(shown: Shown, changes: int, trains: int) -> list[Row]:
    """Rows for the widget's buttons and timer (not value controls)."""
    widget, rows = shown.widget, []
    if hasattr(widget, "train") and hasattr(widget, "button"):  # the keras trainer
        first, epochs = [], []
        show = widget._show

        def timed_show(history: dict[str, list[float]]) -> None:
            start = time.perf_counter()
            show(history)
            if history.get("loss"):
                epochs.append((time.perf_counter() - start) * 1000.0)
                if len(history["loss"]) == 1:
                    first.append((start - clicked) * 1000.0 + epochs[-1])

        widget._show = timed_show
        try:
            for _ in range(trains):
                clicked = time.perf_counter()
                widget.button.click()
        finally:
            del widget._show
        rows.append(_button_row(shown, "Train button", first,
                                "button: click to the first epoch drawn"))
        rows.append(_button_row(shown, "Train: each epoch's redraw", epochs,
                                "during training: one epoch's curves redrawn"))
    for attribute, label, what in (("step_button", "Step button", "click to redrawn"),
                                   ("reset_button", "Reset button", "click to redrawn")):
        button = getattr(widget, attribute, None)
        if isinstance(button, widgets.Button):
            rows.append(_button_row(shown, label, _timed_clicks(button, changes),
                                    f"button: {what}"))
    player = getattr(widget, "player", None)
    if isinstance(player, widgets.Play):
        late, widget.drop_late_ticks = widget.drop_late_ticks, False
        player.playing = True
        try:
            ticks = []
            for _ in range(changes):
                start = time.perf_counter()
                player.value += 1
                ticks.append((time.perf_counter() - start) * 1000.0)
        finally:
            player.playing = False
            widget.drop_late_ticks = late
        steps = getattr(getattr(widget, "speed", None), "value", 1)
        rows.append(_button_row(shown, "Play: one timer tick", ticks,
                                f"timer: tick to its frame ({steps} steps/tick)"))
        widget.reset()
    return rows


# ---------------------------------------------------------------- the table


def markdown(rows: Sequence[Row]) -> str:
    """Two markdown tables: value controls (the 16 ms target), then buttons and timers."""
    head = ("| lesson | widget | control | heaviest setting of the others | median ms | "
            "max ms | changes |\n|---|---|---|---|---:|---:|---:|")
    controls = [r for r in rows if r.redraws is not None]
    buttons = [r for r in rows if r.redraws is None]
    lines = [f"Value controls (target: median at most {TARGET_MS:.0f} ms)", "", head]
    for r in controls:
        mark = "" if r.median_ms <= TARGET_MS or not r.redraws else " **over**"
        note = f" ({r.note})" if r.note else ""
        lines.append(f"| {r.lesson} | {r.widget} | {r.control}{note} | {r.heaviest} | "
                     f"{r.median_ms:.1f}{mark} | {r.max_ms:.1f} | {r.changes} |")
    if buttons:
        lines += ["", "Buttons and timers (not value controls; not held to the target)", "",
                  "| lesson | widget | button | what is timed | median ms | max ms | runs |",
                  "|---|---|---|---|---:|---:|---:|"]
        lines += [f"| {r.lesson} | {r.widget} | {r.control} | {r.note} | {r.median_ms:.1f} | "
                  f"{r.max_ms:.1f} | {r.changes} |" for r in buttons]
    return "\n".join(lines)


def lessons_named(prefixes: Sequence[str] | None) -> list[str]:
    """Lesson folders (``00_welcome`` ...) whose names start with one of ``prefixes``."""
    every = sorted(p.name for p in (ROOT / "solutions").iterdir()
                   if (p / f"{p.name}.ipynb").exists())
    if not prefixes:
        return every
    chosen = [name for name in every if any(name.startswith(p) for p in prefixes)]
    unknown = [p for p in prefixes if not any(name.startswith(p) for name in every)]
    if unknown:
        raise SystemExit(f"no lesson {', '.join(unknown)}; lessons: {', '.join(every)}")
    return chosen


def run(lessons: Sequence[str], changes: int, probe: int, trains: int,
        progress: Callable[[str], None] = print) -> list[Row]:
    """Every control (and button) of every widget of ``lessons``."""
    import matplotlib.pyplot as plt

    rows: list[Row] = []
    for lesson in lessons:
        start = time.perf_counter()
        shown = lesson_widgets(lesson)
        progress(f"{lesson}: ran in {time.perf_counter() - start:.1f} s, "
                 f"{len(shown)} widget(s) with controls")
        for item in shown:
            done = len(rows)
            rows += benchmark_widget(item, changes, probe)
            rows += benchmark_buttons(item, changes, trains)
            for row in rows[done:]:
                progress(f"  {row.widget} / {row.control}: median {row.median_ms:.1f} ms, "
                         f"max {row.max_ms:.1f} ms, n={row.changes} ({row.heaviest})")
        plt.close("all")
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lessons", nargs="*", help="lesson numbers, e.g. 00 03 (default: all)")
    parser.add_argument("--changes", type=int, default=30, help="changes per control (>= 30)")
    parser.add_argument("--probe", type=int, default=4,
                        help="changes per probe while searching the heaviest setting "
                             "(0: no search, the lesson's own setting)")
    parser.add_argument("--trains", type=int, default=3, help="presses of each Train button")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args(argv)
    rows = run(lessons_named(args.lessons), args.changes, args.probe, args.trains,
               progress=lambda text: print(text, file=sys.stderr))
    print(markdown(rows))
    print("\nload average (1, 5, 15 min) at the end: "
          + " ".join(f"{load:.2f}" for load in os.getloadavg()))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1) + "\n",
                             encoding="utf-8")
    over = [r for r in rows if r.redraws and r.median_ms > TARGET_MS]
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
