"""Call statistics per day, resource, provider, consumer, client, operation and outcome.

One counter row per combination, incremented in the call's own transaction (an upsert), so the
figures are exactly the calls that committed, on every worker.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from govshare.core.auth import Principal
from govshare.core.clock import today
from govshare.exchange.models import AccessRequest, CallDay, RequestStatus
from govshare.orgs.models import Department

GROUPS = {"resource": CallDay.resource_id, "provider": CallDay.provider_id, "consumer": CallDay.consumer_id,
          "client": CallDay.client_id, "day": CallDay.day, "operation": CallDay.operation,
          "outcome": CallDay.outcome}


def count_call(session: Session, resource_id: int, provider_id: int, consumer_id: int, client_id: int | None,
               operation: str, outcome: str, rows: int) -> None:
    session.execute(*call_counter(session, resource_id, provider_id, consumer_id, client_id, operation, outcome, rows))


def call_counter(session: Session, resource_id: int, provider_id: int, consumer_id: int, client_id: int | None,
                 operation: str, outcome: str, rows: int) -> tuple[Any, dict[str, Any]]:
    """The upsert counting one call and its values (so a caller can send it with others)."""
    return _call_day_upsert(session.get_bind().dialect.name), {
        "call_day": today(), "call_resource": resource_id, "call_provider": provider_id,
        "call_consumer": consumer_id, "call_client": client_id or 0, "call_operation": operation,
        "call_outcome": outcome, "call_rows": rows}


@lru_cache(maxsize=4)
def _call_day_upsert(dialect: str):  # type: ignore[no-untyped-def]
    # Built once: with its values inline it was rebuilt, and its cache key recomputed, per call.
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = maker(CallDay).values(day=bindparam("call_day"), resource_id=bindparam("call_resource"),
                                 provider_id=bindparam("call_provider"), consumer_id=bindparam("call_consumer"),
                                 client_id=bindparam("call_client"), operation=bindparam("call_operation"),
                                 outcome=bindparam("call_outcome"), calls=1, rows=bindparam("call_rows"))
    return stmt.on_conflict_do_update(
        index_elements=["day", "resource_id", "consumer_id", "client_id", "operation", "outcome"],
        set_={"calls": CallDay.calls + 1, "rows": CallDay.rows + stmt.excluded.rows})


def summary(session: Session, principal: Principal, by: str = "day", days: int = 30,
            resource_id: int | None = None) -> list[dict]:
    """Calls and rows grouped by one dimension, over the last `days` days; a department sees the
    calls it made and the calls made on its resources, the authority sees all."""
    if by not in GROUPS:
        from govshare.core.errors import InvalidInput

        raise InvalidInput(f"by must be one of {', '.join(GROUPS)}", f"分组维度应为 {'、'.join(GROUPS)} 之一",
                           field="by")
    key = GROUPS[by]
    query = select(key, func.sum(CallDay.calls), func.sum(CallDay.rows)).where(
        CallDay.day >= today() - timedelta(days=max(1, min(days, 3660))))
    if not principal.is_platform_wide:
        query = query.where(or_(CallDay.consumer_id == principal.department_id,
                                CallDay.provider_id == principal.department_id))
    if resource_id is not None:
        query = query.where(CallDay.resource_id == resource_id)
    rows = session.execute(query.group_by(key).order_by(key)).all()
    return [{by: k.isoformat() if isinstance(k, date) else k, "calls": int(c or 0), "rows": int(r or 0)}
            for k, c, r in rows]


def overdue_by_provider(session: Session, principal: Principal) -> list[dict]:
    """Requests answered late or still open past the deadline, counted against each provider."""
    on = today()
    late = or_(AccessRequest.answered_late.is_(True),
               (AccessRequest.status == RequestStatus.PENDING) & (AccessRequest.due_on < on))
    query = select(AccessRequest.provider_id, Department.name, func.count()).join(
        Department, Department.id == AccessRequest.provider_id).where(late)
    if not principal.is_platform_wide:
        query = query.where(AccessRequest.provider_id == principal.department_id)
    rows = session.execute(query.group_by(AccessRequest.provider_id, Department.name)).all()
    return [{"provider_id": p, "provider": n, "overdue": int(c)} for p, n, c in rows]
