"""The system inventory (信息系统台账): register, edit, list, with every change kept.

Row-level rule: the data authority's administrators see every department's systems; anyone
else sees and edits only their own department's, and another department's system answers 404
so that its existence does not leak."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, insert, or_, select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.auth import Principal
from govshare.core.clock import today
from govshare.core.errors import Conflict, InvalidInput, NotFound
from govshare.orgs import departments
from govshare.systems import holdings
from govshare.systems.models import (
    HeldResource,
    InformationSystem,
    InformationSystemChange,
    Lifecycle,
    Network,
)
from govshare.systems.schemas import SystemIn


def visible(query: Select[Any], principal: Principal) -> Select[Any]:
    if principal.is_platform_wide:
        return query
    return query.where(InformationSystem.department_id == (principal.department_id or -1))


def require_department(principal: Principal, department_id: int) -> None:
    if not principal.is_platform_wide and principal.department_id != department_id:
        raise NotFound(
            f"department {department_id} is not yours", f"部门 {department_id} 不存在或不属于您"
        )


def get_system(session: Session, principal: Principal, system_id: int) -> InformationSystem:
    system = session.get(InformationSystem, system_id)
    if system is None or not (
        principal.is_platform_wide or system.department_id == principal.department_id
    ):
        raise NotFound(f"system {system_id} does not exist", f"信息系统 {system_id} 不存在")
    return system


def by_codes(session: Session, codes: list[str]) -> dict[str, InformationSystem]:
    found: dict[str, InformationSystem] = {}
    for start in range(0, len(codes), 500):  # keep IN lists short on both backends
        chunk = codes[start : start + 500]
        found.update(
            {
                s.code: s
                for s in session.scalars(
                    select(InformationSystem).where(InformationSystem.code.in_(chunk))
                )
            }
        )
    return found


REQUIRED = ("name", "function", "users", "frequency", "network", "state")  # never cleared


def _check(values: dict[str, Any]) -> None:
    """The rules a system's fields keep together, on create and on every edit."""
    for key in REQUIRED:
        if key in values and values[key] in (None, ""):
            raise InvalidInput(f"{key} is required", f"{key} 为必填项", field=key)
    if values.get("approval_date") and values["approval_date"] > today():
        raise InvalidInput(
            f"approval_date {values['approval_date']} is in the future",
            "审批时间不能晚于今天",
            field="approval_date",
        )
    if values.get("network") == Network.DEDICATED and not (values.get("dedicated_network") or "").strip():
        raise InvalidInput(
            "a dedicated network needs its name",
            "部署在业务专网的系统须填写专网名称",
            field="dedicated_network",
        )


def next_code(session: Session, department_id: int) -> str:
    """<division>-<department>-<n>, n one past the department's count, skipping codes taken
    (bulk loads and census returns may have used any code)."""
    dept = departments.get_department(session, department_id)
    n = (
        session.scalar(select(func.count()).where(InformationSystem.department_id == department_id))
        or 0
    )
    while True:
        n += 1
        code = f"{dept.division_code}-{department_id:04d}-{n:04d}"
        if (
            session.scalar(select(InformationSystem.id).where(InformationSystem.code == code))
            is None
        ):
            return code


def _values(data: SystemIn) -> dict[str, Any]:
    values = data.model_dump(exclude={"code", "resource_codes"})
    values["name"] = values["name"].strip()
    return values


def create_system(
    session: Session, actor: Actor, principal: Principal, data: SystemIn
) -> InformationSystem:
    require_department(principal, data.department_id)
    departments.get_department(session, data.department_id)
    _check(data.model_dump())
    held = holdings.require_known(session, principal, data.resource_codes)
    clash = session.scalar(
        select(InformationSystem).where(
            or_(
                InformationSystem.code == (data.code or ""),
                (InformationSystem.department_id == data.department_id)
                & (InformationSystem.name == data.name.strip()),
            )
        )
    )
    if clash is not None:
        raise Conflict(
            f"system {clash.code} {clash.name} is already registered",
            f"信息系统 {clash.code} {clash.name} 已登记",
            field="name",
        )
    system = InformationSystem(
        code=data.code or next_code(session, data.department_id), **_values(data)
    )
    session.add(system)
    holdings.replace(session, system, held, actor.name)
    session.flush()
    audit.record(
        session,
        actor,
        "system.create",
        object_type="info_system",
        object_id=system.id,
        details={
            "code": system.code,
            "name": system.name,
            "department_id": system.department_id,
            "resource_codes": held,
        },
    )
    return system


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return getattr(value, "value", value)


def apply_changes(
    session: Session,
    actor: Actor,
    system: InformationSystem,
    changes: dict[str, Any],
    reason: str = "",
) -> dict[str, Any]:
    """Set fields and keep what they were: the system's history and the audit chain. Held
    resource codes (already checked by the caller) become links (holdings.replace)."""
    if "resource_codes" in changes:
        changes = {**changes, "resource_codes": holdings.normalise(changes["resource_codes"] or [])}
    diff = {
        k: {"from": _plain(getattr(system, k)), "to": _plain(v)}
        for k, v in changes.items()
        if _plain(getattr(system, k)) != _plain(v)
    }
    if not diff:
        return diff
    for key, value in changes.items():
        if key == "resource_codes":
            holdings.replace(session, system, value, actor.name)
        else:
            setattr(system, key, value)
    session.add(
        InformationSystemChange(system_id=system.id, actor=actor.name, reason=reason, changes=diff)
    )
    session.flush()
    audit.record(
        session,
        actor,
        "system.update",
        object_type="info_system",
        object_id=system.id,
        details={"changes": diff, "reason": reason},
    )
    return diff


def update_system(
    session: Session,
    actor: Actor,
    principal: Principal,
    system_id: int,
    changes: dict[str, Any],
    reason: str = "",
) -> InformationSystem:
    system = get_system(session, principal, system_id)
    merged = {
        "network": system.network,
        "dedicated_network": system.dedicated_network,
        **changes,
    }
    _check(merged)
    if "resource_codes" in changes:
        changes = {
            **changes,
            "resource_codes": holdings.require_known(
                session, principal, changes["resource_codes"] or [], held=system.resource_codes
            ),
        }
    apply_changes(session, actor, system, changes, reason)
    return system


def set_state(
    session: Session, actor: Actor, system: InformationSystem, state: Lifecycle, reason: str
) -> None:
    apply_changes(session, actor, system, {"state": state}, reason)


def history(session: Session, system_id: int) -> list[InformationSystemChange]:
    return list(
        session.scalars(
            select(InformationSystemChange)
            .where(InformationSystemChange.system_id == system_id)
            .order_by(InformationSystemChange.id.desc())
        )
    )


def list_systems(
    session: Session,
    principal: Principal,
    department_id: int | None = None,
    state: Lifecycle | None = None,
    network: Network | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[InformationSystem], int]:
    query = visible(select(InformationSystem), principal)
    if department_id:
        query = query.where(InformationSystem.department_id == department_id)
    if state:
        query = query.where(InformationSystem.state == state)
    if network:
        query = query.where(InformationSystem.network == network)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(
            or_(
                InformationSystem.name.like(like),
                InformationSystem.code.like(like),
                InformationSystem.function.like(like),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(InformationSystem.department_id, InformationSystem.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


def counts_by(session: Session, principal: Principal, column: Any) -> list[tuple[Any, int]]:
    query = visible(select(column, func.count(InformationSystem.id)), principal).group_by(column)
    return [(k, n) for k, n in session.execute(query).all()]


def bulk_register(session: Session, actor: Actor, rows: list[SystemIn], source: str) -> list[int]:
    """Register many systems in one statement (demo loads, large census migrations): the
    same checks as create_system, one audit record for the batch. Returns the new ids in order."""
    for data in rows:
        _check(data.model_dump())
    resolve = holdings.Resolver(session, holdings.READER)  # one catalog look-up per code
    held = []
    for data in rows:
        unknown = resolve.unknown(data.resource_codes)
        if unknown:
            raise holdings.refused(unknown)
        held.append(holdings.normalise(data.resource_codes))
    values = [{"code": data.code, **_values(data)} for data in rows]
    if any(not v["code"] for v in values):
        raise InvalidInput(
            "bulk registration needs every system's code", "批量登记须提供系统编号", field="code"
        )
    session.execute(insert(InformationSystem), values)
    codes = [v["code"] for v in values]
    ids = {s.code: s.id for s in by_codes(session, codes).values()}
    links = [
        {"system_id": ids[code], "resource_code": c, "linked_by": actor.name}
        for code, held_codes in zip(codes, held, strict=True)
        for c in held_codes
    ]
    if links:
        session.execute(insert(HeldResource), links)
    audit.record(
        session,
        actor,
        "system.bulk_register",
        object_type="info_system",
        object_id=source[:200],
        details={"systems": len(values)},
    )
    return [ids[c] for c in codes]
