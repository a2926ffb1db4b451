"""The demo generator's systems part, at a small size: planted zombies of every kind are
found by the audit it runs (over a year of metrics: "no deployment for 12 months" needs
one), and cases, integration lists and migrations exist."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from govshare.core.audit import Actor
from govshare.core.db import Database
from govshare.systems import demo
from govshare.systems.models import Assessment, IntegrationItem, ZombieCase
from govshare.systems.zombie import RULES


def test_demo_build_plants_every_kind(db: Database, world) -> None:
    with db.session() as session:
        demo.build(session, Actor.system("demo"), random.Random(7), n=250, days=380)
    with db.session() as session:
        flagged = session.scalars(
            select(Assessment.flagged_rules).where(Assessment.overall >= 1.0)
        ).all()
        kinds = {rule for rules in flagged for rule in rules}
        assert kinds == set(RULES)
        assert session.scalar(select(func.count()).select_from(ZombieCase)) >= 40
        assert session.scalar(select(func.count()).select_from(IntegrationItem)) > 0
