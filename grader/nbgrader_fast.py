"""Three of nbgrader's internals, made cheap in nngrade's process (:func:`install`, called
wherever nngrade opens a gradebook: :meth:`grader.course.Course.gradebook`).

- **A new gradebook's stamp.** nbgrader stamps a new gradebook with the head revision of its
  schema, read by running the ``alembic heads`` program: a new Python process that imports
  nbgrader again, 2-2.5 s of CPU. Here :func:`alembic_head` reads it in-process from
  nbgrader's own migration scripts; where it cannot (a changed nbgrader), nbgrader's own
  :func:`nbgraders_alembic_version` runs.

- **Cell metadata validation.** nbgrader checks each cell's ``nbgrader`` metadata with
  ``jsonschema.validate(metadata, schema)``, which first checks the schema itself against its
  meta-schema, on every call (about 1.2 ms a cell, twice per notebook). Here each schema is
  checked once and its validator reused; the instance is judged exactly as
  ``jsonschema.validate`` judges it (the same validator class, the same best-match error).
- **Gradebook engines.** Every ``nbgrader.api.Gradebook`` makes a new SQLAlchemy engine,
  six times per notebook, so no SQL statement's compiled form is ever reused (about 80 ms
  of compiling per notebook). Here one engine per database URL is kept for the process;
  ``Gradebook.close()`` still disposes its connections.

The last two run for every notebook graded. The grading process records notebooks one after
another while the workers run kernels, so its time per notebook bounds how fast a large
class grades with many workers.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_INSTALLED = False
_LOCK = threading.Lock()
_VALIDATORS: dict[int, tuple[dict, Any]] = {}
_ENGINES: dict[tuple, Any] = {}
_NBGRADERS: dict[str, Any] = {}  # what install() replaced


@functools.cache
def alembic_head() -> str:
    """The newest revision of nbgrader's gradebook schema: what ``alembic heads`` prints for
    nbgrader's migration scripts, read in this process."""
    import nbgrader.dbutil
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", nbgrader.dbutil.ALEMBIC_DIR)
    head = ScriptDirectory.from_config(config).get_current_head()  # error if several
    if not head:
        raise RuntimeError("nbgrader's migration scripts have no head revision")
    return head


def nbgraders_alembic_version() -> str:
    """nbgrader's own ``get_alembic_version()`` (it runs the ``alembic`` program)."""
    import nbgrader.api

    return _NBGRADERS.get("get_alembic_version", nbgrader.api.get_alembic_version)()


def _stamp() -> str:
    try:
        return alembic_head()
    except Exception:  # noqa: BLE001 - nbgrader's own subprocess then decides
        return nbgraders_alembic_version()


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
    """Put all three into nbgrader, in this process (idempotent)."""
    global _INSTALLED
    if _INSTALLED:
        return
    import nbgrader.api
    import nbgrader.nbgraderformat.common

    _NBGRADERS["get_alembic_version"] = nbgrader.api.get_alembic_version
    nbgrader.api.get_alembic_version = _stamp
    nbgrader.nbgraderformat.common.jsonschema = _JsonschemaForNbgrader()
    nbgrader.api.create_engine = engine
    _INSTALLED = True
