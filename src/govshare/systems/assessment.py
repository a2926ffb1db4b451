"""Running the zombie audit over the stored inventory and metrics, and keeping its results.

One run reads the systems in use and a year of metrics into polars, applies the rules
(zombie.assess), stores one Assessment per system with its scores, evidence and explanation,
and opens a case (a proposal) for every flagged system that has no open case yet. The run,
its thresholds and its counts go into the audit chain in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.clock import today
from govshare.core.config import ZombiePolicy, get_settings
from govshare.systems import holdings, metrics, zombie
from govshare.systems.models import (
    Assessment,
    AuditRun,
    CaseStatus,
    InformationSystem,
    Lifecycle,
    ZombieCase,
)

AUDITED_STATES = (Lifecycle.IN_USE, Lifecycle.INTEGRATING)
LOOKBACK_DAYS = 400  # the longest rule window (detached, 12 months stale) plus margin
OPEN_CASE = (
    CaseStatus.PROPOSED,
    CaseStatus.CONFIRMED,
    CaseStatus.DEFERRAL_REQUESTED,
    CaseStatus.RETIRING,
)

Progress = Callable[[str], None]


def _systems_frame(session: Session) -> tuple[pl.DataFrame, dict[int, str]]:
    rows = session.execute(
        select(
            InformationSystem.id,
            InformationSystem.name,
            InformationSystem.function,
            InformationSystem.users,
            InformationSystem.om_contract_expiry,
            InformationSystem.business_retired,
        ).where(InformationSystem.state.in_(AUDITED_STATES))
    ).all()
    held = holdings.codes_by_system(session)  # the overlap rule compares held resources too
    frame = pl.DataFrame(
        [
            (
                r.id,
                r.function,
                r.users,
                r.om_contract_expiry,
                r.business_retired,
                held.get(r.id, []),
            )
            for r in rows
        ],
        schema={
            "system_id": pl.Int64,
            "function": pl.String,
            "users": pl.Int64,
            "om_contract_expiry": pl.Date,
            "business_retired": pl.Boolean,
            "resource_codes": pl.List(pl.String),
        },
        orient="row",
    )
    return frame, {r.id: r.name for r in rows}


def run_audit(
    session: Session,
    actor: Actor,
    as_of: date | None = None,
    policy: ZombiePolicy | None = None,
    progress: Progress | None = None,
) -> AuditRun:
    step = progress or (lambda _label: None)
    as_of = as_of or today()
    policy = policy or get_settings().policy.zombie
    systems, names = _systems_frame(session)
    step("systems")
    usage = metrics.frame_since(session, as_of - timedelta(days=LOOKBACK_DAYS))
    step("metrics")
    result = zombie.assess(systems, usage, policy, as_of)
    step("rules")
    run = AuditRun(
        as_of=as_of,
        actor=actor.name,
        thresholds=policy.model_dump(),
        systems=result.height,
        flagged=int(result.filter(pl.col("rules").list.len() > 0).height),
    )
    session.add(run)
    session.flush()
    _store(session, run, result, policy, as_of, names)
    step("stored")
    opened = _open_cases(session, actor, run)
    step("cases")
    audit.record(
        session,
        actor,
        "systems.audit.run",
        object_type="zombie_audit_run",
        object_id=run.id,
        details={
            "as_of": as_of.isoformat(),
            "systems": run.systems,
            "flagged": run.flagged,
            "cases_opened": opened,
            "thresholds": run.thresholds,
        },
    )
    return run


def _store(
    session: Session,
    run: AuditRun,
    result: pl.DataFrame,
    policy: ZombiePolicy,
    as_of: date,
    names: dict[int, str],
) -> None:
    records: list[dict[str, Any]] = []
    for row in result.iter_rows(named=True):
        ev = zombie.evidence(row, policy, as_of)
        zh, en = zombie.explain(row, ev, names.get(row.get("partner_id") or 0, ""))
        records.append(
            {
                "run_id": run.id,
                "system_id": row["system_id"],
                "scores": {r: round(float(row[f"score_{r}"]), 3) for r in zombie.RULES},
                "overall": round(float(row["overall"]), 3),
                "flagged_rules": list(row["rules"]),
                "time_class": row["time_class"],
                "evidence": ev,
                "explanation_zh": zh,
                "explanation_en": en,
            }
        )
    for start in range(0, len(records), 2_000):
        session.execute(insert(Assessment), records[start : start + 2_000])


def _open_cases(session: Session, actor: Actor, run: AuditRun) -> int:
    flagged = session.execute(
        select(Assessment.id, Assessment.system_id, Assessment.flagged_rules).where(
            Assessment.run_id == run.id, Assessment.overall >= 1.0
        )
    ).all()
    already = set(
        session.scalars(select(ZombieCase.system_id).where(ZombieCase.status.in_(OPEN_CASE)))
    )
    # A dismissal stands until the system is flagged for a rule the authority has not yet weighed.
    dismissed: dict[int, set[str]] = {}
    for system_id, rules in session.execute(
        select(ZombieCase.system_id, ZombieCase.rules).where(
            ZombieCase.status == CaseStatus.DISMISSED
        )
    ):
        dismissed.setdefault(system_id, set()).update(rules)
    new = [
        {
            "system_id": s,
            "assessment_id": a,
            "status": CaseStatus.PROPOSED,
            "rules": list(rules),
            "history": [
                {
                    "at": run.at.isoformat(),
                    "by": actor.name,
                    "status": "proposed",
                    "note": f"audit run {run.id}",
                }
            ],
        }
        for a, s, rules in flagged
        if s not in already and rules and not set(rules) <= dismissed.get(s, set())
    ]
    if new:
        session.execute(insert(ZombieCase), new)
    return len(new)


def latest_run(session: Session) -> AuditRun | None:
    return session.scalar(select(AuditRun).order_by(AuditRun.id.desc()).limit(1))


def latest_assessment(session: Session, system_id: int) -> Assessment | None:
    return session.scalar(
        select(Assessment)
        .where(Assessment.system_id == system_id)
        .order_by(Assessment.id.desc())
        .limit(1)
    )


def flagged(
    session: Session, run_id: int, department_id: int | None = None
) -> list[tuple[Assessment, InformationSystem]]:
    query = (
        select(Assessment, InformationSystem)
        .join(InformationSystem, InformationSystem.id == Assessment.system_id)
        .where(Assessment.run_id == run_id, Assessment.overall >= 1.0)
        .order_by(InformationSystem.department_id, Assessment.system_id)
    )
    if department_id:
        query = query.where(InformationSystem.department_id == department_id)
    return [(a, s) for a, s in session.execute(query).all()]


def _of_department(query: Any, department_id: int | None) -> Any:
    """Department users see the figures of their own systems only."""
    if department_id is None:
        return query
    return query.join(InformationSystem, InformationSystem.id == Assessment.system_id).where(
        InformationSystem.department_id == department_id
    )


def counts_by_rule(
    session: Session, run_id: int, department_id: int | None = None
) -> list[tuple[str, int]]:
    query = select(Assessment.flagged_rules).where(
        Assessment.run_id == run_id, Assessment.overall >= 1.0
    )
    rows = session.scalars(_of_department(query, department_id))
    counts = dict.fromkeys(zombie.RULES, 0)
    for rules in rows:
        for rule in rules:
            counts[rule] += 1
    return list(counts.items())


def counts_by_time_class(
    session: Session, run_id: int, department_id: int | None = None
) -> list[tuple[str, int]]:
    query = select(Assessment.time_class, func.count()).where(Assessment.run_id == run_id)
    rows = session.execute(
        _of_department(query, department_id).group_by(Assessment.time_class)
    ).all()
    return sorted((k, n) for k, n in rows)


def flagged_by_department(session: Session, run_id: int) -> list[tuple[int, int]]:
    rows = session.execute(
        select(InformationSystem.department_id, func.count())
        .join(Assessment, Assessment.system_id == InformationSystem.id)
        .where(Assessment.run_id == run_id, Assessment.overall >= 1.0)
        .group_by(InformationSystem.department_id)
    ).all()
    return [(d, n) for d, n in rows]
