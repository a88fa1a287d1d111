"""One build step beyond pyproject.toml: the wheel carries the course's datasets.

The data stays in ``datasets/`` at the repository root, where the lessons, the docs and an
editable install read it. A non-editable build (``pip install .``, ``python -m build``)
copies the CSV files that ``nncourse.data`` loads, and their README (sources, licences),
into the package as ``nncourse/datasets/``; ``MANIFEST.in`` puts them in the sdist.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATASETS = Path("datasets")
SHIPPED = sorted(p.name for p in DATASETS.glob("*.csv")) + ["README.md"]


class BuildPyWithDatasets(build_py):
    """``build_py`` that also copies ``datasets/`` into ``nncourse/datasets/`` of the build."""

    def _targets(self) -> list[Path]:
        return [Path(self.build_lib, "nncourse", "datasets", name) for name in SHIPPED]

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's datasets/
            return
        if not (DATASETS / "README.md").is_file():
            raise FileNotFoundError(f"no {DATASETS}/ next to setup.py: build from the course's "
                                    "source tree or its sdist")
        for target in self._targets():
            self.mkpath(str(target.parent))
            self.copy_file(str(DATASETS / target.name), str(target))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        return [*outputs, *(str(p) for p in self._targets())]


setup(cmdclass={"build_py": BuildPyWithDatasets})
