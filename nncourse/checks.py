"""Checks that test cells call: each failure says what was expected and what came.

A check raises :class:`CheckFailed` (an ``AssertionError``, so nbgrader scores the cell 0)
whose message names the exercise and the call, e.g.
``neuron_output([0.5, 0.9, 0.2], [0.4, 0.7, 0.1], -0.3) should be about 0.634, got 0.5``.
In a notebook the error shows the test cell's line and the message, not this module's code.
"""

from __future__ import annotations

import copy
import linecache
import numbers
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

_HERE = str(Path(__file__).resolve().parent)
_SYSTEM_PREFIXES = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix} - {""})
_MAX_SHOWN = 6  # arrays with more elements are shown by shape only


class CheckFailed(AssertionError):
    """A learner's answer is wrong; the message says how."""

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


def _learner_line(exc: BaseException) -> str:
    """Where in the learner's own cell an exception was raised, if it was."""
    where = ""
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        if not _is_notebook_code(filename):
            continue
        source = linecache.getline(filename, lineno).strip()
        where = f" (line {lineno} of your cell: `{source}`)" if source else f" (line {lineno})"
    return where


def call(func: Callable[..., Any], *args: Any, name: str | None = None, **kwargs: Any) -> Any:
    """Call the learner's ``func``; turn any exception into a message naming the exercise."""
    __tracebackhide__ = True
    name = name or getattr(func, "__name__", "your function")
    if not callable(func):
        raise CheckFailed(f"`{name}` should be a function, got {type(func).__name__}.")
    try:
        return func(*args, **kwargs)
    except NotImplementedError:
        raise CheckFailed(
            f"`{name}` is not written yet: replace `raise NotImplementedError()` in the "
            f"exercise `{name}` with your code, run that cell, then this one."
        ) from None
    except Exception as exc:  # the learner's bug, reported without our internals
        raise CheckFailed(
            f"{describe_call(name, args, kwargs)} raised {type(exc).__name__}: "
            f"{str(exc).rstrip('.')}"
            f"{_learner_line(exc)}. Look at the exercise `{name}`."
        ) from None


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
) -> None:
    """Compare a result to the expected number or array; say how it differs.

    ``what`` describes the result, e.g. ``"sigmoid(0)"``. ``dtype`` may be ``"int"`` or
    ``"float"`` to demand that kind of array. ``hint`` is appended to any failure message.
    """
    __tracebackhide__ = True
    suffix = f" {hint}" if hint else ""
    if not isinstance(expected, np.ndarray) and _is_number(expected):
        if not _is_number(got):
            raise CheckFailed(
                f"{what} should return a single number, got {_kind(got)}.{suffix}"
            )
        got_f = float(got)
        if not np.isfinite(got_f) and np.isfinite(expected):
            raise CheckFailed(f"{what} should be about {_num(expected)}, got {got_f}.{suffix}")
        if not np.isclose(got_f, expected, rtol=rtol, atol=atol):
            raise CheckFailed(
                f"{what} should be about {_num(expected)}, got {_num(got_f)}.{suffix}"
            )
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
        raise CheckFailed(
            f"{what} should hold floats, got dtype {got.dtype}"
            f" (integer division `//` or an int array somewhere?).{suffix}"
        )
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
        raise CheckFailed(
            f"{what} is wrong at index {_index(index)}: expected {_num(expected[index])}, got "
            f"{_num(got[index])} ({int(wrong.sum())} of {got.size} entries differ).{suffix}"
        )


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
    got = call(func, *args, name=name, **kwargs)
    expect_unchanged(before, (list(args), kwargs), what=what)
    expect_close(got, expected, what=what, rtol=rtol, atol=atol, dtype=dtype, hint=hint)


def expect_unchanged(before: Any, after: Any, *, what: str) -> None:
    """Fail when a call modified its inputs in place."""
    __tracebackhide__ = True
    if not _same(before, after):
        raise CheckFailed(
            f"{what} changed its input in place; work on a copy (e.g. `X = X.copy()` or "
            f"`X - mean` rather than `X -= mean`)."
        )


def expect(condition: bool, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    __tracebackhide__ = True
    if not condition:
        raise CheckFailed(message)


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


def _num(value: Any) -> str:
    value = float(value)
    return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.4e}"


def _index(index: tuple[int, ...]) -> str:
    return str(index[0]) if len(index) == 1 else str(index)
