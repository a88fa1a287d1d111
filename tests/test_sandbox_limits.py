"""Limits: one frozen value with its defaults, read from nbgrader config, used by the worker."""

from __future__ import annotations

import json
import os

import nbformat
import pytest
from traitlets.config import Config

from grader.sandbox import Limits, describe


def test_defaults_are_defined_once_and_read_from_config():
    assert Limits().cell_timeout_s == 30 and Limits().memory_mb == 4096
    config = Config()
    config.Limits.memory_mb = 1234
    config.Limits.notebook_timeout = 77
    config.Limits.hide_paths = ["/secret"]
    config.Execute.timeout = 60
    limits = Limits.from_config(config)
    assert (limits.memory_mb, limits.notebook_timeout_s, limits.cell_timeout_s) == (1234, 77, 60)
    assert limits.hide_paths == ("/secret",)
    config.Limits.cell_timeout = 5
    assert Limits.from_config(config).cell_timeout_s == 5
    overridden = Limits.from_config(config, cell_timeout_s=9, memory_mb=None, isolation="none")
    assert (overridden.cell_timeout_s, overridden.memory_mb, overridden.isolation) == (9, 1234,
                                                                                       "none")


@pytest.mark.parametrize("unlimited", [-1, None, 0])
def test_nbclients_no_cell_limit_means_the_notebook_deadline(unlimited):
    config = Config()
    config.Execute.timeout = unlimited
    limits = Limits.from_config(config)
    assert limits.cell_timeout_s == limits.notebook_timeout_s == 600
    assert not limits.per_cell_limit
    assert "no per-cell limit beyond the notebook's, 600 s per notebook" in limits.describe()[0]
    config.Limits.notebook_timeout = 120
    assert Limits.from_config(config).cell_timeout_s == 120
    assert Limits.from_config(config, notebook_timeout_s=90).cell_timeout_s == 90
    assert Limits.from_config(config, cell_timeout_s=7).cell_timeout_s == 7
    config.Limits.cell_timeout = 5  # the course's own cell limit wins
    assert Limits.from_config(config).cell_timeout_s == 5
    assert "5 s per cell" in Limits.from_config(config).describe()[0]


def test_a_fractional_or_bad_execute_timeout():
    config = Config()
    config.Execute.timeout = 2.5
    assert Limits.from_config(config).cell_timeout_s == 3
    config.Execute.timeout = "30"
    with pytest.raises(ValueError, match="c.Execute.timeout"):
        Limits.from_config(config)


def test_journal_round_trip_and_older_journals():
    limits = Limits(memory_mb=2000, expose_paths=("/data",), preload=("numpy",))
    data = json.loads(json.dumps(limits.as_dict()))
    assert Limits.from_dict(data) == limits
    old = {"cell_timeout_s": 12, "network": "none", "memory_mb": 99}  # an issue-10 journal
    assert Limits.from_dict(old) == Limits(cell_timeout_s=12, memory_mb=99)
    assert "12 s per cell" in describe(old)[0] and "network: none" in describe(old)[1]
    assert hash(limits) == hash(Limits.from_dict(data))  # usable as a worker's factory key


@pytest.mark.parametrize("bad", [{"memory_mb": 0}, {"isolation": "docker"},
                                 {"cell_timeout_s": "30"}, {"hide_paths": "/x"}])
def test_bad_limits_are_refused_with_their_name(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        Limits(**bad)


def test_an_unknown_config_name_is_refused():
    config = Config()
    config.Limits.memory = 10
    with pytest.raises(ValueError, match="c.Limits.memory"):
        Limits.from_config(config)


def test_the_worker_uses_the_limits_it_is_given():
    """Changing a value in the job's Limits changes what the executor and the kernel get."""
    if os.geteuid() != 0:
        pytest.fail("kernels are sandboxed under their own uid: run as root, as "
                    "nngrade autograde is")
    from grader.jobs import Job, run_job

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import time\ntime.sleep(5)"),
        nbformat.v4.new_code_cell("import resource\nprint(resource.getrlimit("
                                  "resource.RLIMIT_AS)[0], resource.getrlimit("
                                  "resource.RLIMIT_NPROC)[0])")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    limits = Limits(cell_timeout_s=2, memory_mb=1536, max_processes=40)
    result = run_job(Job("limits", "limits", "probe", nbformat.writes(nb), limits=limits,
                         preload=("numpy",)))
    assert result.ok, result.reason
    assert result.notebook == "limits"
    cells = nbformat.reads(result.source, as_version=4).cells
    assert any(o.get("ename") == "CellTimeoutError" for o in cells[0].outputs)
    assert any("timed out after 2 s" in note for note in result.notes)
    assert cells[1].outputs[0]["text"].split() == [str(1536 * 1024 * 1024), "40"]
    assert result.execute_s < 5
