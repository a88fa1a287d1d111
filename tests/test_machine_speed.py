"""benchmarks/machine_speed.py: the yardstick printed beside the README's timings."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from conftest import ROOT


@pytest.fixture
def speed(monkeypatch):
    spec = importlib.util.spec_from_file_location("machine_speed",
                                                  ROOT / "benchmarks" / "machine_speed.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "machine_speed", module)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "LOOP", 10_000)  # small enough for the fast loop
    monkeypatch.setattr(module, "SIZE", 32)
    return module


def test_prints_the_loop_seconds_the_gflops_and_the_cpu(speed, capsys):
    assert speed.main(["--repeats", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("cpu: ") and "cores usable" in lines[0], lines
    assert lines[1].startswith("python loop of 10,000 additions: ") and " s " in lines[1], lines
    assert lines[2].startswith("numpy float32 32x32 matmul: ") and "GFLOP/s" in lines[2], lines
    assert speed.python_loop_seconds() > 0 and speed.matmul_gflops(2) > 0


def test_rejects_no_repeats(speed, capsys):
    with pytest.raises(SystemExit) as exited:
        speed.main(["--repeats", "0"])
    assert exited.value.code == 2 and "--repeats should be at least 1" in capsys.readouterr().err
