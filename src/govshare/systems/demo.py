"""Demo data: about 2,400 systems across the demo departments (the scale of the 2017
national self-report), a year of daily metrics with planted zombies of every kind at known
rates (govshare.systems.synthetic), one audit run, cases at every stage, integration lists
and network migrations around their deadlines."""

from __future__ import annotations

import random
from datetime import timedelta

import polars as pl
from sqlalchemy.orm import Session

from govshare.catalog import resources
from govshare.cli_support import operator_principal
from govshare.core.audit import Actor
from govshare.core.clock import today
from govshare.orgs import departments
from govshare.systems import (
    assessment,
    cases,
    integration,
    inventory,
    metrics,
    migration,
    synthetic,
)
from govshare.systems.models import (
    CaseStatus,
    Frequency,
    IntegrationAction,
    Lifecycle,
    Network,
    PlanStatus,
)
from govshare.systems.schemas import (
    DecisionIn,
    DeferralIn,
    IntegrationIn,
    MigrationIn,
    MigrationStatusIn,
    ProgressIn,
    RetirementPlanIn,
    SystemIn,
)

SYSTEMS = 2_400
DAYS = 365
DEDICATED = ("公安信息网", "人社业务专网", "金税专网", "医保专网", "国土资源业务网", "交通运输专网")
NETWORKS = (
    (Network.EXTRANET, 0.68),
    (Network.INTRANET, 0.15),
    (Network.DEDICATED, 0.12),
    (Network.INTERNET, 0.05),
)
FUNDING = ("省级财政", "中央补助", "部门自有资金", "地方债")


def _choose(rng: random.Random, weighted: tuple[tuple[Network, float], ...]) -> Network:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def build(
    session: Session, actor: Actor, rng: random.Random, n: int = SYSTEMS, days: int = DAYS
) -> None:
    depts, _ = departments.list_departments(session, limit=100_000)
    if not depts:
        return
    as_of = today() - timedelta(days=1)
    data = synthetic.generate(n, days, as_of, seed=rng.randrange(10**6))
    rows = _systems(rng, data.systems, depts, as_of, _catalog_codes(session))
    ids = inventory.bulk_register(session, actor, rows, "demo")
    mapping = pl.DataFrame({"system_id": data.systems["system_id"], "db_id": ids})
    frame = (
        data.metrics.join(mapping, on="system_id").drop("system_id").rename({"db_id": "system_id"})
    )
    metrics.write(session, frame)
    assessment.run_audit(session, actor, as_of)
    _work_cases(session, actor, rng)
    _plans(session, actor, rng)


def _catalog_codes(session: Session) -> list[str]:
    """The demo catalog's published resources (the catalog demo runs first)."""
    entries, _ = resources.department_entries(session, operator_principal(), limit=1_000_000)
    return sorted(r.code for r in entries if r.published_version_id is not None)


def _held(synthetic_codes: list[str], catalog: list[str]) -> list[str]:
    """Synthetic resource codes (R000000–R999999) mapped onto real catalog codes, the same
    code always to the same resource, so systems planted as overlapping still share theirs.
    Without a catalog, systems hold nothing."""
    if not catalog:
        return []
    return list(dict.fromkeys(catalog[int(code[1:]) % len(catalog)] for code in synthetic_codes))


def _systems(  # type: ignore[no-untyped-def]
    rng: random.Random, frame: pl.DataFrame, depts: list, as_of, catalog: list[str]
) -> list[SystemIn]:
    out: list[SystemIn] = []
    seen: set[tuple[int, str]] = set()
    for i, row in enumerate(frame.iter_rows(named=True)):
        dept = depts[i % len(depts)]
        base = row["function"].split("，")[0]
        name = f"{base}系统"
        while (dept.id, name) in seen:
            name = f"{base}系统（{rng.randrange(2, 99)}期）"
        seen.add((dept.id, name))
        network = _choose(rng, NETWORKS)
        out.append(
            SystemIn(
                department_id=dept.id,
                code=f"{dept.division_code}-{dept.id:04d}-{i + 1:05d}",
                name=name,
                function=row["function"],
                users=row["users"],
                scope_departments=rng.randint(1, 20),
                scope_regions=dept.division.name,
                frequency=rng.choice(list(Frequency)),
                approving_department="浙江省发展和改革委员会",
                approval_date=as_of - timedelta(days=rng.randint(400, 4000)),
                funding_source=rng.choice(FUNDING),
                builder=dept.name,
                contractor=f"承建商{rng.randint(1, 80):02d}",
                om_unit=f"运维单位{rng.randint(1, 60):02d}",
                om_contract_expiry=row["om_contract_expiry"],
                build_cost=round(rng.uniform(20, 3000), 2),
                om_cost_yearly=round(rng.uniform(5, 300), 2),
                network=network,
                dedicated_network=rng.choice(DEDICATED) if network == Network.DEDICATED else "",
                mlps_level=rng.choice((2, 2, 3, 3, 3, 4)),
                hosting=rng.choice(("政务云", "自建机房", "托管")),
                state=Lifecycle.IN_USE,
                business_retired=row["business_retired"],
                resource_codes=_held(row["resource_codes"], catalog),
            )
        )
    return out


def _work_cases(session: Session, actor: Actor, rng: random.Random) -> None:
    """Some proposals decided, deferred, in retirement and retired, so every page has content."""
    principal = operator_principal()
    proposed = [c for c, _s in cases.list_cases(session, principal, CaseStatus.PROPOSED, limit=60)]
    later = today() + timedelta(days=90)
    for k, case in enumerate(proposed[:40]):
        if k % 5 == 4:
            cases.decide(
                session,
                actor,
                principal,
                case.id,
                DecisionIn(decision="dismiss", reason="季节性业务，年度集中使用"),
            )
            continue
        cases.decide(
            session,
            actor,
            principal,
            case.id,
            DecisionIn(decision="confirm", reason="核查证据充分", deadline=later),
        )
        if k % 5 == 1:
            cases.request_deferral(
                session,
                actor,
                principal,
                case.id,
                DeferralIn(reason="数据迁移尚未完成", until=later + timedelta(days=60)),
            )
        elif k % 5 in (2, 3):
            cases.plan_retirement(
                session,
                actor,
                principal,
                case.id,
                RetirementPlanIn(
                    switch_off_date=later,
                    data_destination="迁入部门一体化平台",
                    archive="省电子档案中心",
                ),
            )
            if k % 5 == 3:
                cases.mark_retired(session, actor, principal, case.id, "已关停")


def _plans(session: Session, actor: Actor, rng: random.Random) -> None:
    principal = operator_principal()
    by_dept: dict[int, list] = {}
    for system in inventory.list_systems(
        session, principal, state=Lifecycle.IN_USE, limit=1_000_000
    )[0]:
        by_dept.setdefault(system.department_id, []).append(system)
    base = today()
    for systems in by_dept.values():
        big = max(systems, key=lambda s: s.users)
        for system in [s for s in systems if s.id != big.id][:3]:
            item = integration.add_item(
                session,
                actor,
                principal,
                IntegrationIn(
                    system_id=system.id,
                    action=IntegrationAction.MERGE,
                    target_system_id=big.id,
                    deadline=base + timedelta(days=rng.randint(-60, 240)),
                ),
            )
            integration.update_progress(
                session,
                actor,
                principal,
                item.id,
                ProgressIn(progress=rng.choice((0, 20, 50, 80, 100))),
            )
        if big.resource_codes:  # connected or not is the exchange's answer (exchange_link)
            integration.add_item(
                session,
                actor,
                principal,
                IntegrationIn(
                    system_id=big.id,
                    action=IntegrationAction.CONNECT,
                    deadline=base + timedelta(days=rng.randint(-30, 180)),
                ),
            )
    for system in migration.unplanned(session, principal)[:150]:
        row = migration.plan(
            session,
            actor,
            principal,
            MigrationIn(
                system_id=system.id,
                target=rng.choice((Network.INTRANET, Network.EXTRANET)),
                target_date=base + timedelta(days=rng.randint(-90, 365)),
            ),
        )
        if rng.random() < 0.3:
            migration.set_status(
                session, actor, principal, row.id, MigrationStatusIn(status=PlanStatus.DONE)
            )
