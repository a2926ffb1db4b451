"""Zombie cases worked to their end (僵尸系统清理).

    proposed ──confirm──▶ confirmed ──plan──▶ retiring ──retire──▶ retired
        │                   │   ▲
        └──dismiss──▶ dismissed   │   deferral_requested ──grant/refuse──┘
                            └──request deferral──▶

The authority confirms or dismisses a proposal with a reason (and a deadline when
confirming); the department may ask for a deferral with a reason; a confirmed zombie gets a
retirement plan (switch-off date, where its data goes, archive) and is tracked to retired,
when the system itself is marked retired. Every step is kept in the case's history and in
the audit chain.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.auth import Principal
from govshare.core.clock import today
from govshare.core.db import utcnow
from govshare.core.errors import Conflict, InvalidInput, NotFound
from govshare.systems import inventory
from govshare.systems.models import CaseStatus, InformationSystem, Lifecycle, ZombieCase
from govshare.systems.schemas import DecisionIn, DeferralDecisionIn, DeferralIn, RetirementPlanIn

S = CaseStatus


def get_case(session: Session, principal: Principal, case_id: int) -> ZombieCase:
    case = session.get(ZombieCase, case_id)
    if case is None:
        raise NotFound(f"case {case_id} does not exist", f"案件 {case_id} 不存在")
    inventory.get_system(session, principal, case.system_id)  # other departments' cases are 404
    return case


def _require(case: ZombieCase, *allowed: CaseStatus) -> None:
    if case.status not in allowed:
        wanted = ", ".join(a.value for a in allowed)
        raise Conflict(
            f"case {case.id} is {case.status.value}; this step needs {wanted}",
            f"案件 {case.id} 当前状态为 {case.status.value}，此操作需要状态：{wanted}",
            field="status",
        )


def _future(value: date | None, field: str) -> None:
    if value is not None and value < today():
        raise InvalidInput(f"{field} {value} is in the past", f"{field} 不能早于今天", field=field)


def _step(
    session: Session, actor: Actor, case: ZombieCase, status: CaseStatus, note: str, **extra: Any
) -> ZombieCase:
    case.status = status
    entry = {
        "at": utcnow().isoformat(),
        "by": actor.name,
        "status": status.value,
        "note": note,
        **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in extra.items()},
    }
    case.history = [*case.history, entry]  # reassign: JSON columns track assignment, not mutation
    session.flush()
    audit.record(
        session,
        actor,
        f"zombie_case.{status.value}",
        object_type="zombie_case",
        object_id=case.id,
        details={"system_id": case.system_id, "note": note, **entry},
    )
    return case


def decide(
    session: Session, actor: Actor, principal: Principal, case_id: int, data: DecisionIn
) -> ZombieCase:
    case = get_case(session, principal, case_id)
    _require(case, S.PROPOSED)
    if data.decision == "dismiss":
        case.reason = data.reason
        return _step(session, actor, case, S.DISMISSED, data.reason)
    if data.deadline is None:
        raise InvalidInput(
            "confirming needs a deadline", "认定僵尸系统须设定清理期限", field="deadline"
        )
    _future(data.deadline, "deadline")
    case.reason, case.deadline = data.reason, data.deadline
    return _step(session, actor, case, S.CONFIRMED, data.reason, deadline=data.deadline)


def request_deferral(
    session: Session, actor: Actor, principal: Principal, case_id: int, data: DeferralIn
) -> ZombieCase:
    case = get_case(session, principal, case_id)
    _require(case, S.CONFIRMED)
    _future(data.until, "until")
    case.deferral_reason, case.deferral_until = data.reason, data.until
    return _step(session, actor, case, S.DEFERRAL_REQUESTED, data.reason, until=data.until)


def decide_deferral(
    session: Session, actor: Actor, principal: Principal, case_id: int, data: DeferralDecisionIn
) -> ZombieCase:
    case = get_case(session, principal, case_id)
    _require(case, S.DEFERRAL_REQUESTED)
    if data.grant:
        case.deadline = case.deferral_until
    return _step(
        session, actor, case, S.CONFIRMED, data.reason, granted=data.grant, deadline=case.deadline
    )


def plan_retirement(
    session: Session, actor: Actor, principal: Principal, case_id: int, data: RetirementPlanIn
) -> ZombieCase:
    case = get_case(session, principal, case_id)
    _require(case, S.CONFIRMED)
    case.switch_off_date, case.data_destination, case.archive = (
        data.switch_off_date,
        data.data_destination,
        data.archive,
    )
    system = session.get(InformationSystem, case.system_id)
    assert system is not None
    inventory.set_state(session, actor, system, Lifecycle.RETIRING, f"zombie case {case.id}")
    return _step(
        session,
        actor,
        case,
        S.RETIRING,
        data.data_destination,
        switch_off_date=data.switch_off_date,
        archive=data.archive,
    )


def mark_retired(
    session: Session, actor: Actor, principal: Principal, case_id: int, note: str = ""
) -> ZombieCase:
    case = get_case(session, principal, case_id)
    _require(case, S.RETIRING)
    system = session.get(InformationSystem, case.system_id)
    assert system is not None
    inventory.set_state(session, actor, system, Lifecycle.RETIRED, f"zombie case {case.id}")
    return _step(session, actor, case, S.RETIRED, note or "switched off")


def list_cases(
    session: Session,
    principal: Principal,
    status: CaseStatus | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[tuple[ZombieCase, InformationSystem]]:
    query = inventory.visible(
        select(ZombieCase, InformationSystem).join(
            InformationSystem, InformationSystem.id == ZombieCase.system_id
        ),
        principal,
    )
    if status:
        query = query.where(ZombieCase.status == status)
    query = query.order_by(ZombieCase.id).limit(limit).offset(offset)
    return [(c, s) for c, s in session.execute(query).all()]


def cases_of(session: Session, system_id: int) -> list[ZombieCase]:
    return list(
        session.scalars(
            select(ZombieCase).where(ZombieCase.system_id == system_id).order_by(ZombieCase.id)
        )
    )


def counts_by_status(session: Session, principal: Principal) -> list[tuple[CaseStatus, int]]:
    query = inventory.visible(
        select(ZombieCase.status, func.count()).join(
            InformationSystem, InformationSystem.id == ZombieCase.system_id
        ),
        principal,
    )
    return [(status, n) for status, n in session.execute(query.group_by(ZombieCase.status))]
