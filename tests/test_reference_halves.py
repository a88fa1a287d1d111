"""Big arrays' tanh and sigmoid on two threads (``activation(name, Z)``): the same numbers,
errors and warnings as on one thread, and plain one-thread work where no helper can run."""

from __future__ import annotations

import multiprocessing
import warnings

import numpy as np
import pytest

from nncourse.reference import _halves
from nncourse.reference import activations as act


@pytest.fixture
def fresh_helpers(monkeypatch):
    """No helper started yet in this process; those the test starts are stopped after it
    (else each test would leave one more idle thread in the worker)."""
    helpers: dict = {}
    monkeypatch.setattr(_halves, "_helpers", helpers)
    yield helpers
    for helper in helpers.values():
        if helper is not None:
            helper.stop()
            helper.thread.join(timeout=10)
            assert not helper.thread.is_alive(), "the helper thread did not stop"


@pytest.fixture
def two_cores(fresh_helpers, monkeypatch):
    """A fresh helper, started as on a machine with two usable cores."""
    monkeypatch.setattr(_halves.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    monkeypatch.setattr(_halves, "_cpu_quota", lambda: None)


def _big(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 4.0, size=(10_000, 17))  # odd: the halves differ by a row
    z[:5, 0] = [np.inf, -np.inf, 800.0, -800.0, -0.0]
    return z


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
@pytest.mark.parametrize("layout", ["C", "F", "rows of a bigger array"])
def test_big_arrays_get_the_one_thread_numbers(two_cores, name, layout):
    z = _big()
    if layout == "F":
        z = np.asfortranarray(z)
    elif layout == "rows of a bigger array":
        z = np.concatenate([z, z])[::2]
    assert z.size >= _halves.MIN_ELEMENTS
    got = act.activation(name, z)
    expected = act.ACTIVATIONS[name](z)  # one thread
    assert got.shape == z.shape and got.dtype == np.float64
    np.testing.assert_array_equal(got, expected, strict=True)
    assert np.array_equal(np.signbit(got), np.signbit(expected))


def test_the_second_half_runs_on_the_helper_thread(two_cores):
    seen = []

    def kernel(z):
        seen.append((len(z), _halves.threading.current_thread().name))
        return -z

    z = np.ones((1000, 100))
    np.testing.assert_array_equal(_halves.in_halves(kernel, z), -z)
    assert sorted(seen) == [(500, "MainThread"), (500, "nncourse-halves")]
    seen.clear()
    _halves.in_halves(kernel, np.ones((10, 10)))  # small: one call, this thread
    assert seen == [(10, "MainThread")]


def test_the_helper_runs_in_the_callers_errstate(two_cores):
    z = np.full((1000, 100), 1e300)
    threads = set()

    def kernel(z):
        threads.add(_halves.threading.current_thread().name)
        return z * z  # overflows in both halves

    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        _halves.in_halves(kernel, z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="ignore"):
            assert np.isinf(_halves.in_halves(kernel, z)).all()
    assert threads == {"MainThread", "nncourse-halves"}


def test_an_error_in_the_helpers_half_reaches_the_caller(two_cores):
    def kernel(z):
        if _halves.threading.current_thread().name == "nncourse-halves":
            raise ValueError("the first half failed")
        return z

    with pytest.raises(ValueError, match="the first half failed"):
        _halves.in_halves(kernel, np.ones((1000, 100)))
    z = _big()
    np.testing.assert_array_equal(act.activation("tanh", z), np.tanh(z))  # still working


def test_no_helper_thread_means_one_thread(monkeypatch, fresh_helpers):
    """A sandbox that allows no more threads: the helper is never started, nothing fails."""
    def cannot_start(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(_halves._Helper, "__init__", cannot_start)
    z = _big()
    np.testing.assert_array_equal(act.activation("tanh", z), np.tanh(z))
    assert list(_halves._helpers.values()) == [None]


def _tanh_in_child(queue) -> None:
    z = _big(1)
    queue.put(bool(np.array_equal(act.activation("tanh", z), np.tanh(z))))


def test_a_forked_child_starts_its_own_helper(two_cores):
    act.activation("tanh", _big())  # this process's helper exists
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_tanh_in_child, args=(queue,))
    child.start()
    child.join(60)
    assert child.exitcode == 0, "the forked child hung or failed computing a big tanh"
    assert queue.get(timeout=5) is True


def test_small_inputs_come_back_as_the_activations_return_them():
    for name in ("tanh", "sigmoid"):
        for z in (0.5, [1.0, -2.0], np.ones((3, 4))):
            got, expected = act.activation(name, z), act.ACTIVATIONS[name](z)
            assert type(got) is type(expected)
            np.testing.assert_array_equal(got, expected)
    with pytest.raises(TypeError, match="z should be an array of numbers"):
        act.activation("tanh", "abc")


@pytest.mark.parametrize(("cores", "quota", "helper"), [
    ({0, 1}, None, True), ({0}, None, False), ({0, 1, 2, 3}, 1.0, False),
    ({0, 1, 2, 3}, 2.0, True), ({0, 1}, 4.0, True),
])
def test_a_helper_only_where_a_second_core_is_usable(monkeypatch, fresh_helpers, cores, quota,
                                                     helper):
    """A container's CPU quota (Binder's: one core) counts, not the cores it can see."""
    monkeypatch.setattr(_halves.os, "sched_getaffinity", lambda _pid: cores, raising=False)
    monkeypatch.setattr(_halves, "_cpu_quota", lambda: quota)
    z = _big()
    np.testing.assert_array_equal(act.activation("tanh", z), np.tanh(z))
    assert (list(_halves._helpers.values())[0] is not None) is helper


@pytest.mark.parametrize(("files", "quota"), [
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu.max": "50000 100000\n"}, 0.5),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({"cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 2.0),
    ({}, None),
])
def test_the_cgroup_quota_is_read_from_either_version(monkeypatch, tmp_path, files, quota):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    real_path = _halves.Path
    monkeypatch.setattr(_halves, "Path", lambda p: tmp_path if p == "/sys/fs/cgroup"
                        else real_path(p))
    assert _halves._cpu_quota() == quota
