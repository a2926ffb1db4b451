"""Demo base libraries: the province's population, legal persons, divisions and credit records
generated at the demo's scale (`govshare demo --scale small|medium|large`, small by default),
loaded through the exchange; certificates issued to people and enterprises of the same data;
and 浙江省人力资源和社会保障厅 granted the person library, the enterprise library and the ID-card
and marriage certificates, so its officer can try the 'done when' at once."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.base.build import build_province
from govshare.base.generator import Scale
from govshare.core.audit import Actor
from govshare.core.auth import Principal, Role
from govshare.core.db import get_database
from govshare.demo.generator import SCALE_KEY  # set by `govshare demo --scale`
from govshare.orgs.models import Department

CONSUMER = "浙江省人力资源和社会保障厅"
GRANTED = ("自然人基础信息库", "企业法人基础信息库", "居民身份证电子证照", "结婚证电子证照")


def build(session: Session, actor: Actor, rng: random.Random) -> None:
    from govshare.base.cli import progress_bar, stepper

    scale = Scale.of(session.info.get(SCALE_KEY, "small"))
    session.commit()  # the loads run their own transactions; SQLite allows one writer at a time
    with progress_bar() as bar:  # on stderr via Rich; transient, so --format json output stays clean
        build_province(get_database(), actor, scale, seed=rng.randrange(2**32), step=stepper(bar))
    _grant_demo_consumer(session, actor)


def _grant_demo_consumer(session: Session, actor: Actor) -> None:
    from govshare.catalog.models import CatalogResource
    from govshare.exchange import access_requests
    from govshare.exchange.schemas import RequestIn

    consumer = session.scalar(select(Department).where(Department.name == CONSUMER))
    if consumer is None:
        return
    officer = Principal(kind="user", name=actor.name, department_id=consumer.id, roles=frozenset({Role.DATA_OFFICER}))
    for name in GRANTED:
        resource = session.scalar(select(CatalogResource).where(CatalogResource.name == name))
        if resource is not None:
            access_requests.submit(
                session,
                officer,
                actor,
                RequestIn(
                    resource_id=resource.id,
                    purpose="社会保险参保登记中核验参保人身份、婚姻和用人单位信息",
                    scenario="社保经办窗口和网上办事大厅",
                ),
            )
