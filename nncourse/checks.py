"""Checks that test cells call: each failure says what was expected and what came.

A check raises :class:`CheckFailed` (an ``AssertionError``, so nbgrader scores the cell 0)
whose message names the exercise and the call, e.g.
``neuron_output([0.5, 0.9, 0.2], [0.4, 0.7, 0.1], -0.3) should be about 0.634, got 0.5``.
In a notebook the error shows the test cell's line and the message, not this module's code.

The checks fail wherever grading would score 0: a learner function that warns or writes to
stderr fails its check too (nbgrader scores any test cell with stderr output 0). A wrong
answer that matches a catalogued mistake (``mistakes=``) is named. A visible test cell ends
with :func:`passed`, which prints one line on stdout when every check in it held; in a
kernel it counts the checks of its own cell only.
"""

from __future__ import annotations

import contextlib
import copy
import io
import linecache
import numbers
import sys
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

_HERE = str(Path(__file__).resolve().parent)
_SYSTEM_PREFIXES = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix} - {""})
_MAX_SHOWN = 6  # arrays with more elements are shown by shape only
_checks_run = 0  # checks that held in this cell (since the last passed() outside IPython)
_GRADED_STDERR = ("When your work is graded, a test cell that prints a warning or anything "
                  "else on stderr scores 0, even when the answer is right.")


class CheckFailed(AssertionError):
    """A learner's answer is wrong; the message says how."""

    def __init__(self, *args: Any) -> None:
        global _checks_run
        _checks_run = 0  # a failed cell passes nothing on to the next cell's count
        super().__init__(*args)

    def _render_traceback_(self) -> list[str]:
        """What IPython shows: the test cell's lines and the message, no package internals."""
        lines = []
        for frame, lineno in traceback.walk_tb(self.__traceback__):
            filename = frame.f_code.co_filename
            if not _is_notebook_code(filename):
                continue
            source = linecache.getline(filename, lineno).strip()
            lines.append(f"  cell line {lineno}: {source}" if source else f"  cell line {lineno}")
        return [*lines, f"\x1b[0;31mCheckFailed\x1b[0m: {self}"]


def _is_notebook_code(filename: str) -> bool:
    """True for code typed in a notebook cell, False for this package, libraries, Python."""
    if filename.startswith(_HERE) or "site-packages" in filename:
        return False
    return not any(filename.startswith(p) for p in _SYSTEM_PREFIXES)


def show(value: Any) -> str:
    """A short, readable rendering of an argument or result for messages."""
    if isinstance(value, np.ndarray):
        if value.size <= _MAX_SHOWN and value.ndim <= 2:
            return repr(value.tolist())
        return f"<array of shape {value.shape}>"
    if isinstance(value, np.generic):
        return show(value.item())
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)) and len(value) > _MAX_SHOWN:
        return f"<{type(value).__name__} of length {len(value)}>"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(show(v) for v in value)
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe_call(
    name: str, args: Sequence[Any] = (), kwargs: Mapping[str, Any] | None = None
) -> str:
    """``name(arg, ..., key=value)`` with each argument shortened by :func:`show`."""
    parts = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in (kwargs or {}).items()]
    return f"{name}({', '.join(parts)})"


def _learner_line(exc: BaseException, name: str | None = None) -> str:
    """Where in the learner's own cells an exception was raised, if it was.

    When it was raised inside another learner function than ``name`` (a helper), both
    places are given: the helper's line and the line of ``name`` that called it.
    """
    frames = [(frame.f_code.co_name, frame.f_code.co_filename, lineno)
              for frame, lineno in traceback.walk_tb(exc.__traceback__)
              if _is_notebook_code(frame.f_code.co_filename)]
    if not frames:
        return ""

    def line(filename: str, lineno: int) -> str:
        source = linecache.getline(filename, lineno).strip()
        return f"line {lineno}" + (f": `{source}`" if source else "")

    function, filename, lineno = frames[-1]
    caller = next((f for f in reversed(frames) if f[0] == name), None)
    if name and caller and function != name:
        return (f" (in `{function}`, {line(filename, lineno)}, called from `{name}`, "
                f"{line(caller[1], caller[2])})")
    source = linecache.getline(filename, lineno).strip()
    return f" (line {lineno} of your cell: `{source}`)" if source else f" (line {lineno})"


def call(func: Callable[..., Any], *args: Any, name: str | None = None,
         shown: str | None = None, hint: str = "", **kwargs: Any) -> Any:
    """Call the learner's ``func``; turn an exception, a warning or stderr into a message.

    The message names the exercise, or the unwritten helper the exercise calls, and for a
    warning says that grading would score the cell 0. ``shown`` replaces the rendering of
    the call in messages (e.g. ``"mlp_backward(y, cache, params)"``); ``hint`` ends a
    message about an exception or a warning.
    """
    __tracebackhide__ = True
    return _invoke(func, args, kwargs, name or getattr(func, "__name__", "your function"),
                   shown, hint)


def _invoke(func: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any],
            name: str, shown: str | None = None, hint: str = "") -> Any:
    """:func:`call`'s work; ``shown`` renders the call in messages (default: the arguments),
    ``hint`` ends a message about an exception or a warning."""
    __tracebackhide__ = True
    if not callable(func):
        raise CheckFailed(f"`{name}` should be a function, got {type(func).__name__}.")
    what = shown or describe_call(name, args, kwargs)
    stderr = io.StringIO()
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(stderr):
            result = func(*args, **kwargs)
    except NotImplementedError as exc:
        helper = _raising_function(exc)
        if helper and helper != name:
            raise CheckFailed(
                f"`{name}` calls `{helper}`, which is not written yet: finish the exercise "
                f"`{helper}` first, run its cell, then run `{name}`'s cell and this one."
            ) from None
        raise CheckFailed(
            f"`{name}` is not written yet: replace `raise NotImplementedError()` in the "
            f"exercise `{name}` with your code, run that cell, then this one."
        ) from None
    except NameError as exc:
        missing = getattr(exc, "name", None)
        if missing and _raising_function(exc) == name:
            raise CheckFailed(
                f"`{name}` uses `{missing}`, which is not defined: if it is an earlier "
                f"exercise, run that exercise's cell first; otherwise check the spelling."
                f"{_learner_line(exc)}"
            ) from None
        raise _raised(name, what, exc, hint) from None
    except Exception as exc:  # the learner's bug, reported without our internals
        raise _raised(name, what, exc, hint) from None
    if caught:
        raise CheckFailed(_warning_message(what, caught[0]) + (f" {hint}" if hint else ""))
    if stderr.getvalue().strip():
        first = stderr.getvalue().strip().splitlines()[0][:120]
        raise CheckFailed(
            f"{what} wrote to stderr: {first!r}. "
            f"{_GRADED_STDERR} Remove the output (print to stdout, or not at all)."
        )
    return result


def _raised(name: str, what: str, exc: BaseException, hint: str = "") -> CheckFailed:
    return CheckFailed(
        f"{what} raised {type(exc).__name__}: "
        f"{str(exc).rstrip('.')}{_learner_line(exc, name)}. Look at the exercise `{name}`."
        + (f" {hint}" if hint else "")
    )


def _raising_function(exc: BaseException) -> str | None:
    """The name of the innermost notebook function the exception came from."""
    found = None
    for frame, _lineno in traceback.walk_tb(exc.__traceback__):
        if _is_notebook_code(frame.f_code.co_filename):
            found = frame.f_code.co_name
    return found


def _warning_message(what: str, caught: warnings.WarningMessage) -> str:
    """Name a warning, where it came from, why it costs points and, if known, the cure."""
    text = str(caught.message)
    where, source = "", ""
    if _is_notebook_code(caught.filename):
        source = linecache.getline(caught.filename, caught.lineno).strip()
        where = f" at line {caught.lineno} of your cell" + (f" (`{source}`)" if source else "")
    cure = ""
    if ("divide" in text or "invalid value" in text) and "np.where" in source:
        cure = (" `np.where(cond, a / b, 0.0)` still computes `a / b` everywhere, also where "
                "`b` is 0, and numpy warns about it: build a safe denominator first (1.0 where "
                "the division would fail, `b` elsewhere) and divide by it instead.")
    elif "in log" in text:
        cure = (" `np.log` got 0 or a negative number: keep its argument inside (0, 1], e.g. "
                "clip a copy of the probabilities first.")
    elif "divide" in text or "invalid value" in text:
        cure = (" Some input makes this line divide by zero or compute 0/0, inf - inf or the "
                "log of 0: find that input and change the formula so it never happens "
                "(hiding the warning leaves the wrong value).")
    elif "overflow" in text and "exp" in text:
        cure = (" `np.exp` of a large number overflowed: rewrite the formula so that it only "
                "ever takes `exp` of numbers that are at most 0.")
    return (f"{what} printed a warning{where}: {caught.category.__name__}: {text}. "
            f"{_GRADED_STDERR}{cure}")


def _is_number(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and np.issubdtype(value.dtype, np.number)
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def expect_close(
    got: Any,
    expected: Any,
    *,
    what: str,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    dtype: str | None = None,
    hint: str = "",
    mistakes: Mapping[str, Any] | None = None,
) -> None:
    """Compare a result to the expected number or array; say how it differs.

    ``what`` describes the result, e.g. ``"sigmoid(0)"``. ``dtype`` may be ``"int"`` or
    ``"float"`` to demand that kind of array. ``hint`` is appended to any failure message.
    ``mistakes`` maps a usual mistake, e.g. ``"dividing by the variance instead of the
    standard deviation"``, to what it returns; a wrong answer that matches one is named.
    """
    __tracebackhide__ = True
    global _checks_run
    suffix = _diagnosis(got, expected, mistakes, rtol=rtol, atol=atol)
    suffix += f" {hint}" if hint else ""
    if not isinstance(expected, np.ndarray) and _is_number(expected):
        if not _is_number(got):
            raise CheckFailed(
                f"{what} should return a single number, got {_kind(got)}.{suffix}"
            )
        got_f = float(got)
        if not np.isfinite(got_f) and np.isfinite(expected):
            raise CheckFailed(f"{what} should be about {_num(expected)}, got {got_f}.{suffix}")
        if not np.isclose(got_f, expected, rtol=rtol, atol=atol):
            shown_expected, shown_got = _apart(expected, got_f)
            raise CheckFailed(
                f"{what} should be about {shown_expected}, got {shown_got}.{suffix}"
            )
        _checks_run += 1
        return
    expected = np.asarray(expected)
    if not isinstance(got, np.ndarray):
        raise CheckFailed(
            f"{what} should return a numpy array of shape {expected.shape}, "
            f"got {_kind(got)}.{suffix}"
        )
    if got.shape != expected.shape:
        raise CheckFailed(
            f"{what} should have shape {expected.shape}, got shape {got.shape}.{suffix}"
        )
    kind = dtype or ("float" if np.issubdtype(expected.dtype, np.floating) else None)
    if kind == "int" and not np.issubdtype(got.dtype, np.integer):
        raise CheckFailed(f"{what} should hold integers, got dtype {got.dtype}.{suffix}")
    if kind == "float" and not np.issubdtype(got.dtype, np.floating):
        why = (" (a comparison gives booleans: convert with `.astype(float)`)"
               if got.dtype == bool
               else " (an integer input kept as integers, or `//` where `/` was meant?)")
        raise CheckFailed(f"{what} should hold floats, got dtype {got.dtype}{why}.{suffix}")
    if not np.issubdtype(got.dtype, np.number) and got.dtype != bool:
        raise CheckFailed(f"{what} should hold numbers, got dtype {got.dtype}.{suffix}")
    bad_nan = np.isnan(got.astype(float)) & ~np.isnan(expected.astype(float))
    if bad_nan.any():
        index = tuple(int(i) for i in np.argwhere(bad_nan)[0])
        raise CheckFailed(
            f"{what} contains NaN at index {_index(index)} ({int(bad_nan.sum())} of {got.size}"
            f" entries).{suffix}"
        )
    wrong = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        shown_expected, shown_got = _apart(expected[index], got[index])
        raise CheckFailed(
            f"{what} is wrong at index {_index(index)}: expected {shown_expected}, got "
            f"{shown_got} ({int(wrong.sum())} of {got.size} entries differ).{suffix}"
        )
    _checks_run += 1


def _diagnosis(got: Any, expected: Any, mistakes: Mapping[str, Any] | None, *, rtol: float,
               atol: float) -> str:
    """" This matches a usual mistake: ..." when ``got`` equals what a mistake returns.

    A mistake that returns the right answer for this input is never named.
    """
    for label, wrong in (mistakes or {}).items():
        try:
            if _close(wrong, expected, rtol, atol):
                continue
            if _close(got, wrong, rtol, atol):
                return f" This matches a usual mistake: {label}."
        except (TypeError, ValueError):
            continue
    return ""


def _close(a: Any, b: Any, rtol: float, atol: float) -> bool:
    return np.shape(a) == np.shape(b) and np.allclose(
        np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=atol)


def _forget_earlier_cells(*_: Any) -> None:
    """Start a cell's count at 0: checks of a cell that stopped early are not counted again."""
    global _checks_run
    _checks_run = 0


def _count_per_cell(shell: Any) -> None:
    """Have ``shell`` (IPython's) reset the count before each cell it runs."""
    events = getattr(shell, "events", None)
    if events is not None and _forget_earlier_cells not in events.callbacks["pre_run_cell"]:
        events.register("pre_run_cell", _forget_earlier_cells)


def passed(name: str, hidden: bool = True) -> None:
    """Print one line saying the checks of ``name`` held; end a visible test cell with it.

    Prints on stdout and returns None, so nbgrader reads no score from it.
    """
    global _checks_run
    count, _checks_run = _checks_run, 0
    checks = f"{count} check{'s' if count != 1 else ''} passed" if count else "passed"
    more = "; more run at grading" if hidden else ""
    print(f"\N{CHECK MARK} `{name}`: {checks}{more}.")


def check_call(
    func: Callable[..., Any],
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    *,
    expected: Any,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    dtype: str | None = None,
    hint: str = "",
    shown: str | None = None,
    mistakes: Mapping[str, Any] | None = None,
) -> None:
    """Call ``func(*args, **kwargs)`` and compare the result with ``expected``.

    The inputs are deep-copied first and must come back unchanged. ``shown`` replaces the
    rendering of the call in messages (e.g. ``"standardize(X)"``). Returns None on purpose:
    nbgrader would read a value shown by a test cell's last line as a partial score.
    """
    __tracebackhide__ = True
    kwargs = dict(kwargs or {})
    name = getattr(func, "__name__", "your function")
    what = shown or describe_call(name, args, kwargs)
    before = copy.deepcopy((list(args), kwargs))
    got = _invoke(func, args, kwargs, name, what, hint)
    expect_unchanged(before, (list(args), kwargs), what=what)
    expect_close(got, expected, what=what, rtol=rtol, atol=atol, dtype=dtype, hint=hint,
                 mistakes=mistakes)


def expect_unchanged(before: Any, after: Any, *, what: str) -> None:
    """Fail when a call modified its inputs in place."""
    __tracebackhide__ = True
    if not _same(before, after):
        raise CheckFailed(
            f"{what} changed its input in place: leave the arguments as they are and build a "
            f"new array (write `a = a - m`, not `a -= m` or `a[...] = ...`; or copy first with "
            f"`a = a.copy()`)."
        )


def expect(condition: bool, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    __tracebackhide__ = True
    global _checks_run
    if not condition:
        raise CheckFailed(message)
    _checks_run += 1


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        )
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:
        return a is b


def _kind(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if value is None:
        return "None (did you forget `return`?)"
    return f"{type(value).__name__} {show(value)}"


def _num(value: Any, digits: int = 4) -> str:
    value = float(value)
    return f"{value:.{digits}g}" if abs(value) < 1e5 else f"{value:.{digits}e}"


def _apart(expected: Any, got: Any) -> tuple[str, str]:
    """Both numbers with 4 significant digits, or as many more as it takes to tell them apart."""
    for digits in (4, 6, 8, 10, 12, 17):
        a, b = _num(expected, digits), _num(got, digits)
        if a != b:
            return a, b
    return a, b


def _index(index: tuple[int, ...]) -> str:
    return str(index[0]) if len(index) == 1 else str(index)


if "IPython" in sys.modules:  # a notebook kernel has loaded IPython; never import it here
    _count_per_cell(sys.modules["IPython"].get_ipython())
