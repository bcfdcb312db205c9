"""Where nbgrader's gradebook is, and what the pipeline does differently on PostgreSQL.

The gradebook is a database URL, nbgrader's own ``CourseDirectory.db_url``. The course's
``nbgrader_config.py`` takes it from ``RNNCOURSE_DB_URL`` when that is set, else the
embedded default, the SQLite file ``autograder/gradebook.db``; ``--db-url`` of
``autograder.grade`` and ``autograder.export`` overrides both for one command
(:func:`using`). ``scripts/postgres.sh`` runs a PostgreSQL server for it; its URLs
name a libpq passfile rather than carrying a password, and :func:`shown` hides a
password wherever a URL is printed.

On PostgreSQL several grading runs can share one gradebook at once (one chapter each).
What would race between them, and what is done about it:

- **creating the schema** (nbgrader creates its tables, its ``alembic_version`` row and
  the course row the first time a ``Gradebook`` is opened): :func:`prepare` does that
  first open under a PostgreSQL advisory lock, so only one process creates them; the
  lock is held for that open only, never for a grading run.
- **adding the same learner** (nbgrader's autograde looks a student up and inserts it
  when missing: two runs grading alice in two chapters both insert, and one fails on
  the unique key): :func:`ensure_students` adds every learner of the round first with
  ``INSERT ... ON CONFLICT DO NOTHING``, so nbgrader always finds them.
- everything else a round writes (its assignment, submissions, grades) belongs to its
  own chapter, in short transactions (one ``Gradebook`` per step), under PostgreSQL's
  default READ COMMITTED isolation.

Workers (``worker.py``) never write. On SQLite they read a copy of the file, so that
the main process's writes never lock them out; on PostgreSQL they connect with
``default_transaction_read_only`` on (:func:`read_only_url`): the server refuses any
write, and its snapshots (MVCC) mean readers and the writer never wait for each other,
so no copy is needed, and feedback, rendered after the round's writes, reads them.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from urllib.parse import quote

import sqlalchemy
from sqlalchemy.engine import make_url

ENV = "RNNCOURSE_DB_URL"
# pg_advisory_lock key for creating nbgrader's schema (any constant the course owns)
SCHEMA_LOCK = 0x524E4E47
READ_ONLY_OPTION = "-c default_transaction_read_only=on"

_OVERRIDES: dict[Path, str] = {}
_CONFIGURED: dict[tuple, str] = {}


def default_url(root: Path) -> str:
    """The embedded default: the SQLite file ``autograder/gradebook.db``."""
    return "sqlite:///" + str(Path(root) / "autograder" / "gradebook.db")


def sqlite_path(url: str) -> Path | None:
    """The file of a plain SQLite URL (None for other databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def shown(url: str) -> str:
    """The URL as it may be printed: a password in it is replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 -- not even a URL: print nothing of it
        return "<the gradebook URL cannot be parsed>"


@contextlib.contextmanager
def using(root: Path, url: str | None):
    """Grade the course at ``root`` against ``url`` (``--db-url``) for the duration; no
    environment variable or file is changed. ``None`` leaves the configured URL."""
    root = Path(root).resolve()
    if url is None:
        yield
        return
    before = _OVERRIDES.get(root)
    _OVERRIDES[root] = url
    try:
        yield
    finally:
        if before is None:
            _OVERRIDES.pop(root, None)
        else:
            _OVERRIDES[root] = before


class GradebookUnreachable(RuntimeError):
    """The gradebook's database server cannot be reached (the message says what to do)."""


def course_url(root: Path) -> str:
    """The gradebook of the course at ``root``: ``--db-url`` (:func:`using`), else
    ``RNNCOURSE_DB_URL``, else ``CourseDirectory.db_url`` of its nbgrader_config.py
    (the course's own honours ``RNNCOURSE_DB_URL`` too, for nbgrader's commands), else
    the SQLite default."""
    root = Path(root).resolve()
    if root in _OVERRIDES:
        return _OVERRIDES[root]
    if os.environ.get(ENV):
        return os.environ[ENV]
    config = root / "nbgrader_config.py"
    try:
        stamp = config.stat().st_mtime_ns
    except OSError:
        return default_url(root)
    key = (root, stamp)
    if key not in _CONFIGURED:
        from traitlets.config.loader import PyFileConfigLoader
        cfg = PyFileConfigLoader("nbgrader_config.py", str(root)).load_config()
        _CONFIGURED[key] = cfg.CourseDirectory.get("db_url") or default_url(root)
    return _CONFIGURED[key]


def read_only_url(url: str) -> str:
    """The same database opened so that no write can happen: SQLite read-only (no
    journal either), PostgreSQL with every transaction read-only."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(url)
        if path is None or parsed.query:
            return url
        if not path.is_file():
            raise FileNotFoundError(f"no gradebook at {path}: grade the assignment first")
        return f"sqlite:///file:{quote(str(path.resolve()))}?mode=ro&uri=true"
    if backend == "postgresql":
        options = parsed.query.get("options", "")
        if isinstance(options, tuple):
            options = " ".join(options)
        if READ_ONLY_OPTION not in options:
            options = f"{options} {READ_ONLY_OPTION}".strip()
        return parsed.update_query_dict({"options": options}).render_as_string(
            hide_password=False)
    return url


def unreachable(url: str, exc: BaseException) -> str:
    """What to tell the instructor when the gradebook's server does not answer."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return (f"cannot open the gradebook {shown(url)}: {reason}. Start the server "
            "(bash scripts/postgres.sh start) or correct --db-url / " + ENV + ".")


def exists(url: str) -> bool:
    """Whether opening a Gradebook on ``url`` finds one (a SQLite file is made by the
    first open; a server's database is there already, its tables made by :func:`prepare`)."""
    path = sqlite_path(url)
    return path.exists() if path is not None else True


def prepare(url: str, course_id: str = "") -> None:
    """Make sure nbgrader's schema and course rows exist, creating them in one process
    at a time on PostgreSQL (a session advisory lock, released at once).

    ``course_id`` is ``CourseDirectory.course_id`` (nbgrader's commands default to "").
    nbgrader records it on every assignment but never adds a course row for "": SQLite
    does not enforce that foreign key, PostgreSQL does, so the row is added here."""
    from nbgrader.api import Course, Gradebook
    from sqlalchemy.dialects.postgresql import insert
    if make_url(url).get_backend_name() != "postgresql":
        return
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        conn = engine.connect()
    except sqlalchemy.exc.OperationalError as exc:
        engine.dispose()
        raise GradebookUnreachable(unreachable(url, exc)) from None
    try:
        with conn:
            conn.execute(sqlalchemy.text("SELECT pg_advisory_lock(:k)"), {"k": SCHEMA_LOCK})
            conn.commit()
            try:
                with Gradebook(url):
                    pass
                conn.execute(insert(Course.__table__).values(id=course_id)
                             .on_conflict_do_nothing(index_elements=["id"]))
            finally:
                conn.execute(sqlalchemy.text("SELECT pg_advisory_unlock(:k)"),
                             {"k": SCHEMA_LOCK})
                conn.commit()
    finally:
        engine.dispose()


def ensure_students(url: str, students: list[str]) -> None:
    """Add the learners that are not in the gradebook yet, racing with nobody: on
    PostgreSQL ``INSERT ... ON CONFLICT DO NOTHING``, one statement. (On SQLite one
    process writes at a time; nbgrader adds them itself.)"""
    if not students or make_url(url).get_backend_name() != "postgresql":
        return
    from nbgrader.api import Student
    from sqlalchemy.dialects.postgresql import insert
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(insert(Student.__table__)
                         .values([{"id": s} for s in sorted(set(students))])
                         .on_conflict_do_nothing(index_elements=["id"]))
    finally:
        engine.dispose()


def for_workers(url: str, scratch: Path) -> str:
    """The URL worker processes read the gradebook from (they never write): a copy of a
    SQLite file in ``scratch``, or the same PostgreSQL database read-only."""
    path = sqlite_path(url)
    if path is not None:
        copy = Path(scratch) / "gradebook-read-copy.db"
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
        return "sqlite:///" + str(copy)
    return read_only_url(url)


def worker_config(cfg, url: str):
    """nbgrader's config for the workers: on a server, its gradebook read-only (feedback
    reads grades there after the round's writes). A SQLite gradebook is left as it is:
    feedback is rendered after the last write, when nothing locks the file."""
    if sqlite_path(url) is not None:
        return cfg
    import copy
    cfg = copy.deepcopy(cfg)
    cfg.CourseDirectory.db_url = read_only_url(url)
    return cfg
