"""Every capability's tables, imported in one place so Alembic and tests see the whole schema.

A new capability's models.py is found through govshare.capabilities; its migration goes
under govshare/migrations/versions as a branch from 0001 (see docs/architecture.md)."""

from govshare.capabilities import collect
from govshare.core import audit as _audit  # noqa: F401
from govshare.core.db import Base

collect("models", "__name__")  # imports every capability's models.py

metadata = Base.metadata
