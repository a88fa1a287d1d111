"""Slim the Binder environment after ``pip install``: delete what the course never loads.

    python binder/slim.py      # this environment (sys.prefix), as postBuild runs it

Each step prints what it saved. What goes, and the evidence that nothing the course runs
needs it, is in docs/browser-and-binder.md ("Size"); the test suite's gate 1
(tests/test_grading_nbgrader.py) runs every lesson's kernel in the slimmed environment, and
tests/test_binder.py imports every stripped extension module and checks TensorFlow there.
Standard library only, plus binutils' ``strip`` and ``readelf`` when they are there.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
from collections import defaultdict
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

# test suites of installed packages; jupyterlab's stays (jupyterlab.browser_check imports it)
TEST_DIRS = ("tests",)
TEST_DIRS_KEPT = ("jupyterlab/tests",)
EXTRA_TEST_DIRS = ("tornado/test", "joblib/test")
# documentation and UI-test helpers shipped inside packages
UNUSED_PATHS = (
    "nbgrader/docs",  # nbgrader's user guide and its screenshots
    "jupyterlab/galata",  # JupyterLab's own UI-test extension, only for its test setups
    "tensorflow/include",  # C++ headers, only for compiling custom ops
    "clang/native/libclang.so",  # TensorFlow's code generators; nothing loads it at run time
    # XLA's op library and StableHLO bindings: no module of TensorFlow imports either; Keras 3
    # turns XLA off on CPU, and jit_compile=True still works without them (the test checks)
    "tensorflow/compiler/tf2xla/ops/_xla_ops.so",
    "tensorflow/compiler/mlir/stablehlo/stablehlo_extension.so",
)
# Cython's generated C next to the compiled module, and source maps for browser dev tools
SOURCE_SUFFIXES = (".c", ".map")
BABEL_LOCALES_KEPT = ("root.dat", "en.dat", "en_")  # JupyterLab has English only
ELF_MAGIC = b"\x7fELF"
# imported only when someone runs pip (setuptools is not: nbgrader.utils imports it)
PIP = "pip"


def site_packages(prefix: Path) -> Path:
    """The environment's purelib folder."""
    return Path(sysconfig.get_paths(vars={"base": str(prefix), "platbase": str(prefix)})[
        "purelib"])


def _size(path: Path) -> int:
    if path.is_symlink() or path.is_file():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink())


def _remove(paths: list[Path]) -> int:
    saved = 0
    for path in paths:
        if path.exists() or path.is_symlink():
            saved += _size(path)
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    return saved


def remove_test_suites(site: Path) -> int:
    """Every package's ``tests`` folder (and tornado's and joblib's ``test``)."""
    kept = {site / k for k in TEST_DIRS_KEPT}
    found = [d for name in TEST_DIRS for d in site.rglob(name) if d.is_dir() and d not in kept]
    outer = [d for d in found if not any(p in found for p in d.parents)]
    return _remove(outer + [site / d for d in EXTRA_TEST_DIRS])


def remove_unused_paths(site: Path) -> int:
    """The fixed list in ``UNUSED_PATHS``."""
    return _remove([site / p for p in UNUSED_PATHS])


def remove_sources(prefix: Path) -> int:
    """Generated C sources whose compiled module is there, and source maps."""
    found = []
    for path in prefix.rglob("*"):
        if path.suffix in SOURCE_SUFFIXES and path.is_file():
            if path.suffix == ".map" or any(path.parent.glob(f"{path.stem}.*.so")):
                found.append(path)
    return _remove(found)


def remove_babel_locales(site: Path) -> int:
    """Babel's locale data but English: jupyterlab_server only names installed language
    packs, and an unknown locale falls back to English."""
    folder = site / "babel" / "locale-data"
    if not folder.is_dir():
        return 0
    return _remove([p for p in folder.iterdir() if not p.name.startswith(BABEL_LOCALES_KEPT)])


def remove_foreign_stubs(site: Path) -> int:
    """Jedi's typeshed stubs for distributions that are not installed (nothing to complete)."""
    folder = site / "jedi" / "third_party" / "typeshed" / "stubs"
    if not folder.is_dir():
        return 0
    installed = {_canonical(d.metadata["Name"]) for d in metadata.distributions(
        path=[str(site)]) if d.metadata["Name"]}
    return _remove([p for p in folder.iterdir() if _canonical(p.name) not in installed])


def remove_pip_bytecode(site: Path) -> int:
    """pip's bytecode: no lesson, kernel or server imports pip; ``pip install`` compiles what
    it uses on its first run (about a second)."""
    return _remove(list((site / PIP).rglob("__pycache__")))


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _shared_libraries(site: Path) -> Iterator[Path]:
    for path in site.rglob("*.so*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as f:
                if f.read(4) == ELF_MAGIC:
                    yield path


def has_rpath(path: Path) -> bool:
    """Whether the library has an RPATH or RUNPATH (auditwheel sets one on each it patches)."""
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    return "(RPATH)" in out or "(RUNPATH)" in out


def strippable(site: Path) -> list[Path]:
    """TensorFlow's shared libraries, and every other one that auditwheel did not patch.

    Stripping a library that auditwheel patched (``numpy.libs/``, or an RPATH into one)
    breaks it: "ELF load command address/offset not page-aligned".
    """
    tensorflow = site / "tensorflow"
    return [p for p in _shared_libraries(site)
            if tensorflow in p.parents or (not p.parent.name.endswith(".libs")
                                           and not has_rpath(p))]


def strip_libraries(site: Path) -> int:
    """``strip --strip-unneeded``: symbol tables go, what the dynamic linker uses stays."""
    if not (shutil.which("strip") and shutil.which("readelf")):
        print("slim: no strip/readelf here (binutils); libraries keep their symbol tables",
              file=sys.stderr)
        return 0
    files = strippable(site)
    before = sum(p.stat().st_size for p in files)
    for start in range(0, len(files), 200):
        subprocess.run(["strip", "--strip-unneeded", *map(str, files[start:start + 200])],
                       check=True)
    return before - sum(p.stat().st_size for p in files)


def link_duplicates(prefix: Path, min_size: int = 4096) -> int:
    """Hard-link files with identical bytes (JupyterLab's static files sit in its package and
    in share/jupyter/lab, the widgets' in two places): one copy on disk, every path kept."""
    by_size: dict[int, list[Path]] = defaultdict(list)
    for path in prefix.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.stat().st_size >= min_size:
            by_size[path.stat().st_size].append(path)
    saved = 0
    for size, paths in by_size.items():
        if len(paths) < 2:
            continue
        first: dict[str, Path] = {}
        for path in paths:
            digest = hashlib.blake2b(path.read_bytes()).hexdigest()
            original = first.setdefault(digest, path)
            if original != path and not path.samefile(original):
                temporary = path.with_name(path.name + ".slim-link")
                os.link(original, temporary)
                os.replace(temporary, path)
                saved += size
    return saved


def slim(prefix: Path) -> dict[str, int]:
    """Run every step on the environment at ``prefix``; bytes saved by each step."""
    site = site_packages(prefix)
    steps = {
        "test suites": lambda: remove_test_suites(site),
        "unused files (docs, UI tests, headers, XLA ops)": lambda: remove_unused_paths(site),
        "C sources and source maps": lambda: remove_sources(prefix),
        "babel locales but English": lambda: remove_babel_locales(site),
        "jedi stubs of absent packages": lambda: remove_foreign_stubs(site),
        "bytecode of pip": lambda: remove_pip_bytecode(site),
        "symbol tables": lambda: strip_libraries(site),
        "identical files hard-linked": lambda: link_duplicates(prefix),
    }
    return {name: step() for name, step in steps.items()}


def main() -> int:
    saved = slim(Path(sys.prefix))
    for name, size in saved.items():
        print(f"slim: {name}: {size / 2**20:.1f} MiB")
    print(f"slim: total {sum(saved.values()) / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
