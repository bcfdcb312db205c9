"""Two speed-ups of nbgrader's internals for the grading pipeline, and one dependency on
``PATH`` removed; nothing else changed.

Measured on chapter 1 (40 submissions, 2 workers; ``benchmarks/grading.py``), nbgrader's
bookkeeping spent most of its time in two places that do the same work again and again:

1. **A new database engine for every step.** nbgrader opens a fresh ``Gradebook`` for
   each step of each learner (about eight per learner in ``autograde``), and each one
   calls SQLAlchemy's ``create_engine``. An engine holds SQLAlchemy's cache of compiled
   SQL, so every step compiled its queries anew (a third of the main process's time).
   :func:`install` makes ``nbgrader.api`` reuse one engine per database URL and per
   process. nbgrader still opens and closes its sessions as before, and ``close()``
   still disposes the engine's pool, so no connection outlives a ``Gradebook``; what
   survives is the compiled-SQL cache. A forked worker starts with no engines.
2. **The metadata schema checked for every cell.** nbgrader's ``CheckCellMetadata``
   validates each cell's nbgrader metadata with ``jsonschema.validate``, which first
   checks the schema itself, on every call (0.2 s per notebook). :func:`install` gives
   nbgrader's metadata validator a stand-in for the ``jsonschema`` module whose
   ``validate`` builds each schema's validator once. A cell that fails is validated
   again by ``jsonschema.validate`` itself, so nbgrader raises exactly the error it
   raised before.

3. **The database revision read by a subprocess.** A new gradebook records alembic's head
   revision, which ``nbgrader.api.get_alembic_version`` gets by running the ``alembic``
   command: it fails unless the venv's ``bin`` is on ``PATH``, and costs a process.
   :func:`alembic_head` reads the same revision from nbgrader's own migration scripts,
   in-process, so the pipeline never has to change ``PATH``.

All three are installed by :func:`install`, which the pipeline calls before it starts its
workers; tests/test_nbgrader_fast.py holds them to nbgrader's own behaviour.
"""
from __future__ import annotations

import json
import os

import jsonschema
import sqlalchemy

_ENGINES: dict[tuple, sqlalchemy.engine.Engine] = {}


def shared_engine(url, **kwargs) -> sqlalchemy.engine.Engine:
    """``create_engine`` for nbgrader.api: one engine per URL and options, per process."""
    key = (str(url), tuple(sorted(kwargs.items())))
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = sqlalchemy.create_engine(url, **kwargs)
    return engine


def _forget_engines() -> None:
    # A forked child must not use the parent's engines (nor their pools): it makes its
    # own. The parent's pools are empty whenever no Gradebook is open, as at a fork.
    _ENGINES.clear()


class CompiledSchemas:
    """Stands in for the ``jsonschema`` module inside nbgrader's metadata validator."""

    ValidationError = jsonschema.ValidationError
    _validators: dict[str, object] = {}

    @classmethod
    def validate(cls, instance, schema) -> None:
        key = json.dumps(schema, sort_keys=True)
        validator = cls._validators.get(key)
        if validator is None:
            kind = jsonschema.validators.validator_for(schema)
            kind.check_schema(schema)
            validator = cls._validators[key] = kind(schema)
        if not validator.is_valid(instance):
            jsonschema.validate(instance, schema)  # raises nbgrader's usual error


def alembic_head() -> str:
    """The head revision of nbgrader's migrations, as ``alembic heads`` prints it."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR
    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    return ScriptDirectory.from_config(config).get_current_head()


_INSTALLED = False


def install() -> None:
    """Install both speed-ups (idempotent)."""
    global _INSTALLED
    if _INSTALLED:
        return
    import nbgrader.api
    import nbgrader.nbgraderformat.common as common
    nbgrader.api.create_engine = shared_engine
    nbgrader.api.get_alembic_version = alembic_head
    common.jsonschema = CompiledSchemas
    os.register_at_fork(after_in_child=_forget_engines)
    _INSTALLED = True
