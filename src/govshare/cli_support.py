"""What every CLI group needs: the database, a unit of work, the operator as an audit actor,
and AppErrors turned into a one-line reason with a non-zero exit."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from govshare.core.audit import Actor
from govshare.core.auth import ADMIN_TRIAD, Principal
from govshare.core.db import Database, get_database
from govshare.core.errors import AppError
from govshare.core.output import fail


def operator() -> Actor:
    """The person at the console. CLI commands need shell access to the node, which is
    itself an administrative position, and every one of them is audited under this name."""
    try:
        name = getpass.getuser()
    except Exception:  # no user database in some containers
        name = "unknown"
    return Actor(name=f"cli:{name}", source_ip="local")


def operator_principal() -> Principal:
    actor = operator()
    return Principal(kind="user", name=actor.name, department_id=None, roles=ADMIN_TRIAD)


def database() -> Database:
    from govshare.core import migrate

    db = get_database()
    migrate.upgrade(db.engine)
    return db


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A committed transaction, with user-facing errors reported as one line."""
    try:
        with database().session() as session:
            yield session
    except AppError as exc:
        field = f" [{exc.field}]" if exc.field else ""
        fail(f"{exc.message}{field}")
