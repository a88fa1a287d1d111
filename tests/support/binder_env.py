"""The Binder environment as repo2docker builds it, minus Docker, kept between test runs.

A fresh virtualenv, ``pip install -r binder/requirements.txt`` and ``binder/postBuild`` in a
copy of the repository, cached under :func:`binder_cache` by :func:`binder_key` (its inputs)
and reused while they are unchanged. Each test run copies the working tree into it again and
measures its size (``artifacts/binder_env.json``). Used by tests/test_binder.py and by gate 1
(tests/conftest.py's ``graded_lesson``: the lessons' kernels run in it).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
import tomllib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support import ROOT

BINDER = ROOT / "binder"
# what the built environment depends on, besides the Python that builds it (binder_key)
BUILD_INPUTS = ("binder/requirements.txt", "binder/postBuild", "binder/student_view.py",
                "binder/slim.py", "binder/runtime.txt", "setup.py")
# pyproject.toml's tables that `pip install -e .` reads (not the tools' settings)
PYPROJECT_BUILD_TABLES = ("build-system", "project", "tool.setuptools")
_COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "artifacts", "build", "*.egg-info", "__pycache__", ".pytest_cache",
    ".ruff_cache", "gradebook.db*", "submitted", "autograded", "feedback", ".ipynb_checkpoints")


def pyproject() -> dict:
    """pyproject.toml, parsed."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def binder_key(python: str) -> str:
    """What the built environment depends on: binder/ (requirements, postBuild and the scripts
    it runs), setup.py and pyproject's build tables (postBuild installs the package from them)
    and the Python that builds it. Any change builds a fresh environment."""
    digest = hashlib.sha256()
    for name in BUILD_INPUTS:
        digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
    toml = pyproject()
    tables = {name: toml.get("tool", {}).get("setuptools") if name == "tool.setuptools"
              else toml.get(name) for name in PYPROJECT_BUILD_TABLES}
    digest.update(json.dumps(tables, sort_keys=True).encode())
    version = subprocess.run([python, "-c", "import sys; print(sys.version)"],
                             capture_output=True, text=True, check=True).stdout
    digest.update(f"{python}\0{version}".encode())
    return digest.hexdigest()[:16]


def binder_cache() -> Path:
    """Where built environments are kept: $NNCOURSE_BINDER_CACHE, else the user's cache."""
    if os.environ.get("NNCOURSE_BINDER_CACHE"):
        return Path(os.environ["NNCOURSE_BINDER_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nncourse" / "binder"


def du(path: Path) -> int:
    """Bytes under ``path`` as ``du`` counts them: a hard-linked file once."""
    seen, total = set(), 0
    for p in path.rglob("*"):
        if p.is_file() or p.is_symlink():
            st = p.lstat()
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """``subprocess.run``, captured; AssertionError with the output tail if it fails."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, command))} failed ({result.returncode}):\n"
                             f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def run_env(env: Path, home: Path) -> dict[str, str]:
    """A process environment for ``env``: its bin/ first, ``home``, no outside Python or
    Jupyter settings."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("JUPYTER", "IPYTHON", "VIRTUAL_ENV", "PYTHON", "KERAS"))}
    return {**clean, "HOME": str(home), "PATH": f"{env / 'bin'}{os.pathsep}{clean['PATH']}",
            "VIRTUAL_ENV": str(env)}


def _copy_repository(target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT, target, ignore=_COPY_IGNORE)


def _build(entry: Path, python: str) -> dict:
    """venv + ``pip install -r binder/requirements.txt`` + postBuild, as repo2docker does."""
    repo, env, home = entry / "repo", entry / "env", entry / "home"
    _copy_repository(repo)
    home.mkdir()
    begin = time.perf_counter()
    run([python, "-m", "venv", str(env)])
    # pip as repo2docker runs it; the machine's pip config (caches, local indexes) applies
    run([str(env / "bin" / "python"), "-m", "pip", "install", "-q", "-r",
         "binder/requirements.txt"], cwd=repo, timeout=1800)
    pip_s = time.perf_counter() - begin
    size_after_pip = du(env)
    post_begin = time.perf_counter()
    slimmed = run(["bash", "binder/postBuild"], cwd=repo, env=run_env(env, home), timeout=900)
    total_s = pip_s + time.perf_counter() - post_begin
    return {"size_before_postBuild_gib": round(size_after_pip / 1024**3, 3),
            "size_after_build_bytes": du(env),
            "install_s": round(total_s, 1), "pip_install_s": round(pip_s, 1),
            "postBuild_s": round(total_s - pip_s, 1), "python": python,
            "slim": [line for line in slimmed.stdout.splitlines() if line.startswith("slim:")],
            "home_after_postBuild": sorted(p.name for p in home.iterdir()),
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def _prune(cache: Path, keep: str) -> None:
    """Delete environments built for other keys, unless a test session is using one."""
    for lock_path in cache.glob("*.lock"):
        if lock_path.stem == keep:
            continue
        with lock_path.open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            shutil.rmtree(cache / lock_path.stem, ignore_errors=True)
            lock_path.unlink()


def _session(entry: Path, run_id: str) -> dict | None:
    """The report of the test run ``run_id`` on ``entry``, if that run has refreshed it."""
    try:
        report = json.loads((entry / "session.json").read_text())
    except (OSError, ValueError):
        return None
    return report if report.get("run") == run_id and (entry / "built.json").exists() else None


def _refresh(entry: Path, key: str, python: str, run_id: str, cache: Path) -> None:
    """Build ``entry`` if it is not built, else copy the working tree into it again; then
    measure its size and write the run's report (entry/session.json, artifacts/)."""
    begin = time.perf_counter()
    record = entry / "built.json"
    reused = record.exists()
    if not reused:
        shutil.rmtree(entry, ignore_errors=True)
        entry.mkdir()
        record.write_text(json.dumps(_build(entry, python), indent=2) + "\n")
        _prune(cache, key)
    else:
        _copy_repository(entry / "repo")
    built = json.loads(record.read_text())
    size = du(entry / "env")
    report = {"size_bytes": size, "size_gib": round(size / 1024**3, 3), **built,
              "reused": reused, "key": key, "cache": str(entry),
              "fixture_s": round(time.perf_counter() - begin, 1),
              "note": "timed on a shared 2-core machine; pip may use local wheel caches"}
    artifacts = ROOT / "artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "binder_env.json").write_text(json.dumps(report, indent=2) + "\n")
    (entry / "session.json").write_text(json.dumps({**report, "run": run_id}) + "\n")
    print(f"\nbinder env: {report['size_gib']} GiB, "
          f"{'reused' if reused else 'built'} in {report['fixture_s']} s "
          f"(built {built['built']}: pip {built['pip_install_s']} s, "
          f"postBuild {built['postBuild_s']} s)")


@contextmanager
def shared(home: Path, python: str) -> Iterator[dict]:
    """The environment built by ``python`` (built or refreshed for this test run first), held
    under a shared lock while in use: the xdist workers of one run share it; building or
    refreshing takes the lock exclusively, so another run never rewrites it under a test.
    Yields ``repo``, ``env``, ``home``, ``run_env`` (a process environment for it), ``report``."""
    cache, key = binder_cache(), binder_key(python)
    cache.mkdir(parents=True, exist_ok=True)
    entry = cache / key
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex  # xdist: one a run
    with (cache / f"{key}.lock").open("w") as lock:
        while True:
            fcntl.flock(lock, fcntl.LOCK_SH)
            report = _session(entry, run_id)
            if report is not None:
                break  # held shared until the caller is done
            fcntl.flock(lock, fcntl.LOCK_UN)
            fcntl.flock(lock, fcntl.LOCK_EX)
            if _session(entry, run_id) is None:  # another worker of this run may have done it
                _refresh(entry, key, python, run_id, cache)
            fcntl.flock(lock, fcntl.LOCK_UN)
        env = entry / "env"
        yield {"repo": entry / "repo", "env": env, "home": home,
               "run_env": run_env(env, home), "report": report}
