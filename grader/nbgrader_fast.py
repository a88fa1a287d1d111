"""Two of nbgrader's internals, made cheap for the grading process, which runs them for every
notebook it records (:func:`install`, called by :func:`grader.autograde.autograde`).

- **Cell metadata validation.** nbgrader checks each cell's ``nbgrader`` metadata with
  ``jsonschema.validate(metadata, schema)``, which first checks the schema itself against its
  meta-schema, on every call (about 1.2 ms a cell, twice per notebook). Here each schema is
  checked once and its validator reused; the instance is judged exactly as
  ``jsonschema.validate`` judges it (the same validator class, the same best-match error).
- **Gradebook engines.** Every ``nbgrader.api.Gradebook`` makes a new SQLAlchemy engine,
  six times per notebook, so no SQL statement's compiled form is ever reused (about 80 ms
  of compiling per notebook). Here one engine per database URL is kept for the process;
  ``Gradebook.close()`` still disposes its connections.

The grading process records notebooks one after another while the workers run kernels, so
its time per notebook bounds how fast a large class grades with many workers.
"""

from __future__ import annotations

import threading
from typing import Any

_INSTALLED = False
_LOCK = threading.Lock()
_VALIDATORS: dict[int, tuple[dict, Any]] = {}
_ENGINES: dict[tuple, Any] = {}


def validate(instance: Any, schema: dict, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    """``jsonschema.validate``, with each schema object checked and compiled once."""
    import jsonschema

    if cls is not None or args or kwargs:
        jsonschema.validate(instance, schema, cls, *args, **kwargs)
        return
    entry = _VALIDATORS.get(id(schema))
    if entry is None or entry[0] is not schema:
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
        entry = (schema, validator_class(schema))
        if len(_VALIDATORS) >= 16:
            _VALIDATORS.clear()
        _VALIDATORS[id(schema)] = entry
    error = jsonschema.exceptions.best_match(entry[1].iter_errors(instance))
    if error is not None:
        raise error


def engine(url: Any, **kwargs: Any) -> Any:
    """``sqlalchemy.create_engine(url, **kwargs)``, one engine per URL and options."""
    import sqlalchemy

    key = (str(url), tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
    with _LOCK:
        if key not in _ENGINES:
            _ENGINES[key] = sqlalchemy.create_engine(url, **kwargs)
        return _ENGINES[key]


class _JsonschemaForNbgrader:
    """What ``nbgrader.nbgraderformat.common`` uses of the ``jsonschema`` module."""

    validate = staticmethod(validate)

    def __getattr__(self, name: str) -> Any:
        import jsonschema

        return getattr(jsonschema, name)


def install() -> None:
    """Put both into nbgrader, in this process (idempotent)."""
    global _INSTALLED
    if _INSTALLED:
        return
    import nbgrader.api
    import nbgrader.nbgraderformat.common

    nbgrader.nbgraderformat.common.jsonschema = _JsonschemaForNbgrader()
    nbgrader.api.create_engine = engine
    _INSTALLED = True
