"""Per-submission limits: one frozen value, defined once here with its defaults.

Set in ``nbgrader_config.py`` as ``c.Limits.NAME = value`` (the names below, with
``cell_timeout`` and ``notebook_timeout`` for the two ``*_s`` fields) or through
``nngrade autograde`` options. Without ``c.Limits.cell_timeout``, nbgrader's
``c.Execute.timeout`` is the cell time-out; set to ``None``, ``0`` or ``-1`` (nbclient's "no
limit") it means no per-cell limit beyond the notebook's deadline (``cell_timeout_s`` =
``notebook_timeout_s``). A :class:`Limits` travels inside each job; where it crosses
into JSON (the journal) it is written with :meth:`Limits.as_dict` and read back with
:meth:`Limits.from_dict`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

ISOLATIONS = ("bwrap", "none")
# nbgrader_config.py names that differ from the field names
CONFIG_NAMES = {"cell_timeout": "cell_timeout_s", "notebook_timeout": "notebook_timeout_s"}


@dataclass(frozen=True)
class Limits:
    """What one submission's kernel may use.

    cell_timeout_s: seconds one cell may run before it is interrupted and scores 0
    notebook_timeout_s: seconds the whole notebook may run ("notebook time-out" past that)
    memory_mb: address-space limit of the kernel (MiB)
    max_processes: processes and threads the kernel's uid may have at once
    max_output_kb: output one cell may produce (KiB); past that it is stopped and scores 0
    max_file_mb: largest file the kernel may write (MiB)
    scratch_mb: size of the kernel's private /tmp (MiB)
    max_restarts: kernel deaths survived per submission; one more and it fails
    isolation: "bwrap" (bubblewrap + own uid + rlimits) or "none" (own uid + rlimits only)
    uid_base: kernels of worker slot k run as uid/gid uid_base + k
    hide_paths: more host paths the kernel must not see
    expose_paths: more host paths bound read-only into the sandbox
    preload: modules the zygote imports once (None: the setup cells' imports)
    """

    cell_timeout_s: int = 30
    notebook_timeout_s: int = 600
    memory_mb: int = 4096
    max_processes: int = 96
    max_output_kb: int = 1024
    max_file_mb: int = 64
    scratch_mb: int = 512
    max_restarts: int = 3
    isolation: str = "bwrap"
    uid_base: int = 61000
    hide_paths: tuple[str, ...] = ()
    expose_paths: tuple[str, ...] = ()
    preload: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "int":
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(f"Limits.{f.name} must be an integer, not {value!r}")
                if value < (0 if f.name == "max_restarts" else 1):
                    raise ValueError(f"Limits.{f.name} must be positive, not {value}")
            elif f.name in ("hide_paths", "expose_paths", "preload") and value is not None:
                if isinstance(value, str):
                    raise ValueError(f"Limits.{f.name} must be a list of strings, not {value!r}")
                object.__setattr__(self, f.name, tuple(str(v) for v in value))
        if self.isolation not in ISOLATIONS:
            raise ValueError(f"Limits.isolation must be one of {ISOLATIONS}, "
                             f"not {self.isolation!r}")

    @classmethod
    def from_config(cls, config: Mapping | None, **overrides: Any) -> Limits:
        """The limits of an nbgrader configuration (``c.Limits.*``, ``c.Execute.timeout``),
        then ``overrides`` (field names; ``None`` means "not given")."""
        config = config or {}
        section = dict(config.get("Limits", None) or {})
        values: dict[str, Any] = {}
        for name, value in section.items():
            field_name = CONFIG_NAMES.get(name, name)
            if field_name not in _FIELDS:
                known = ", ".join(sorted({*_FIELDS, *CONFIG_NAMES} - set(CONFIG_NAMES.values())))
                raise ValueError(f"unknown setting c.Limits.{name} (known: {known})")
            if value is not None:
                values[field_name] = value
        unknown = set(overrides) - set(_FIELDS)
        if unknown:
            raise TypeError(f"unknown limits: {', '.join(sorted(unknown))}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        execute = dict(config.get("Execute", None) or {})
        if "cell_timeout_s" not in values and "timeout" in execute:
            timeout = execute["timeout"]  # nbgrader's own cell time limit
            if timeout is None or (not isinstance(timeout, bool)
                                   and isinstance(timeout, int | float) and timeout <= 0):
                # nbclient's "no limit": the notebook's deadline is the only one
                values["cell_timeout_s"] = values.get("notebook_timeout_s",
                                                      cls.notebook_timeout_s)
            else:
                values["cell_timeout_s"] = _whole_seconds(timeout, "c.Execute.timeout")
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (tuples become lists)."""
        out = asdict(self)
        for name in ("hide_paths", "expose_paths", "preload"):
            if out[name] is not None:
                out[name] = list(out[name])
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Limits:
        """Read :meth:`as_dict`'s output; unknown keys (an older journal's) are ignored and
        missing ones take today's defaults."""
        return cls(**{k: v for k, v in data.items() if k in _FIELDS})

    def replace(self, **changes: Any) -> Limits:
        """A copy with ``changes``."""
        return replace(self, **changes)

    @property
    def network(self) -> str:
        return "none" if self.isolation == "bwrap" else "host (isolation=none)"

    @property
    def per_cell_limit(self) -> bool:
        """Whether cells have a time limit of their own (shorter than the notebook's)."""
        return self.cell_timeout_s < self.notebook_timeout_s

    def describe(self) -> list[str]:
        """Human-readable lines for ``nngrade status``."""
        cell = (f"{self.cell_timeout_s} s per cell" if self.per_cell_limit
                else "no per-cell limit beyond the notebook's")
        return [
            f"time: {cell}, {self.notebook_timeout_s} s per "
            f"notebook; memory: {self.memory_mb} MiB; processes+threads: {self.max_processes}",
            f"output: {self.max_output_kb} KiB per cell; files: {self.max_file_mb} MiB "
            f"each, {self.scratch_mb} MiB scratch; network: {self.network}; "
            f"isolation: {self.isolation}; kernel restarts: {self.max_restarts}",
        ]


_FIELDS = {f.name for f in fields(Limits)}


def _whole_seconds(value: Any, name: str) -> int:
    """A time-out in whole seconds (a fraction rounds up); ValueError names the setting."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number of seconds, not {value!r}")
    return max(1, int(-(-value // 1)))


def describe(limits: Limits | Mapping[str, Any]) -> list[str]:
    """``Limits.describe`` for a Limits or its journal form (``as_dict``)."""
    if not isinstance(limits, Limits):
        limits = Limits.from_dict(limits)
    return limits.describe()
