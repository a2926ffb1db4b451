"""Shared by the base benchmarks: a scratch node with the base libraries cataloged."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from govshare.core.audit import Actor  # noqa: E402
from govshare.core.db import Database  # noqa: E402

ACTOR = Actor.system("bench")


def use_scratch_settings() -> None:
    """Keys and kept load files under a temporary data directory; audit sealed inline."""
    os.environ.setdefault("GOVSHARE_DATA_DIR", tempfile.mkdtemp(prefix="govshare-bench-"))
    os.environ.setdefault("GOVSHARE_AUDIT_SEALING", "inline")
    from govshare.core.config import reset_settings_cache

    reset_settings_cache()


def prepared(db: Database) -> None:
    from govshare.base.build import prepare
    from govshare.core.db import set_database
    from govshare.orgs import divisions

    set_database(db)
    with db.session() as session:
        divisions.ensure_loaded(session, ACTOR)
    prepare(db, ACTOR)
