"""Per-client rate and row limits, counted in the database so every app worker shares them.

Fixed windows: calls per minute (`m<epoch minute>`) and rows per day (`d<YYYYMMDD>`, Beijing
day). A data call reads both counts with its terms and stops at once when it would be over; at
its end one upsert increments the minute and returns the count, which decides: going over answers
429 with Retry-After (seconds to the next window) and rolls the call back, count included.
Persons signed in to pages count as `u<user id>`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.auth import Principal
from govshare.core.clock import today_and_left
from govshare.core.config import get_settings
from govshare.core.errors import NotFound, RateLimited
from govshare.exchange.models import ClientLimit, RateCounter
from govshare.orgs.models import ApiClient


class TooMany(RateLimited):
    """429 with the seconds after which a new window opens (sent as Retry-After)."""

    def __init__(self, message: str, message_zh: str, retry_after: int, details: dict) -> None:
        super().__init__(message, message_zh, details={**details, "retry_after": retry_after})
        self.headers = {"Retry-After": str(retry_after)}


@dataclass(frozen=True)
class Limits:
    calls_per_minute: int
    rows_per_day: int
    rows_per_call: int


def subject(principal: Principal) -> str:
    return f"c{principal.client_id}" if principal.client_id else f"u{principal.user_id or 0}"


def limits_for(session: Session, principal: Principal) -> Limits:
    row = session.get(ClientLimit, principal.client_id) if principal.client_id else None
    return resolved(None if row is None else (row.calls_per_minute, row.rows_per_day, row.rows_per_call))


def resolved(row: tuple[int, int, int] | None) -> Limits:
    """The client's own limits (calls a minute, rows a day, rows a call), or the node's policy."""
    if row is None or row[0] is None:
        policy = get_settings().policy
        return Limits(policy.client_calls_per_minute, policy.client_rows_per_day, policy.client_rows_per_call)
    return Limits(*row)


# A statement built once (its cache key too) and the values of its binds: a data call runs a few
# of these per call, and building them anew cost more CPU than the rest of the call's Python.
Bound = tuple[Any, dict[str, Any]]


@lru_cache(maxsize=8)
def _counter_upsert(dialect: str, name: str, returning: bool):  # type: ignore[no-untyped-def]
    """Adds :{name}_by to the counter (:{name}_subject, :{name}_window); the bind names keep two
    of these apart in one statement."""
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = maker(RateCounter).values(subject=bindparam(f"{name}_subject"), window=bindparam(f"{name}_window"),
                                     count=bindparam(f"{name}_by"))
    stmt = stmt.on_conflict_do_update(index_elements=["subject", "window"],
                                      set_={"count": RateCounter.count + stmt.excluded.count})
    return stmt.returning(RateCounter.count.label("calls")) if returning else stmt


def _upsert(session: Session, name: str, who: str, window: str, by: int, returning: bool = False) -> Bound:
    stmt = _counter_upsert(session.get_bind().dialect.name, name, returning)
    return stmt, {f"{name}_subject": who, f"{name}_window": window, f"{name}_by": by}


def _day_window() -> tuple[str, int]:
    """Today's row window (`d<YYYYMMDD>`, Beijing day) and the seconds until the next opens."""
    day, left = today_and_left()
    return _day_name(day), left


@lru_cache(maxsize=4)
def _day_name(day: date) -> str:
    return f"d{day:%Y%m%d}"


@lru_cache(maxsize=1)
def usage():  # type: ignore[no-untyped-def]
    """(calls counted this minute, rows taken today) as two scalar subqueries on the binds of
    `usage_params`, read without a lock: a data call reads them with its terms and refuses
    before any work when it would be over (`judge`). The authoritative minute count is the one
    `minute_charge` returns."""
    def count(window: str):  # type: ignore[no-untyped-def]
        return select(RateCounter.count).where(RateCounter.subject == bindparam("usage_subject"),
                                               RateCounter.window == bindparam(window)).scalar_subquery()

    return count("usage_minute").label("calls"), count("usage_day").label("rows_today")


def usage_params(principal: Principal) -> dict[str, Any]:
    return {"usage_subject": subject(principal), "usage_minute": _minute_window(),
            "usage_day": _day_window()[0]}


def minute_charge(session: Session, principal: Principal) -> Bound:
    """The upsert counting this call in the minute's window, returning the count with it. It
    locks the client's counter row until the commit, so a data call sends it last (with its
    statistics, see `calls.finish`): every concurrent call of the client waits for that lock."""
    return _upsert(session, "minute", subject(principal), _minute_window(), 1, returning=True)


def _minute_window() -> str:
    return f"m{int(time.time() // 60)}"


def judge(count: int, used: int | None, limits: Limits) -> None:
    """429 when the call is over the minute's allowance or the day's rows are spent."""
    judge_minute(count, limits)
    if (used or 0) >= limits.rows_per_day:
        _, retry = _day_window()
        raise TooMany(f"row limit: {limits.rows_per_day} rows a day already taken by this client",
                      f"数据量超限：每日最多 {limits.rows_per_day} 行", retry,
                      {"limit": limits.rows_per_day, "window": "day"})


def judge_minute(count: int, limits: Limits) -> None:
    """429 when `count` (this call included) is over the minute's allowance."""
    if count > limits.calls_per_minute:
        raise TooMany(f"rate limit: at most {limits.calls_per_minute} calls a minute for this client",
                      f"调用频率超限：每分钟最多 {limits.calls_per_minute} 次", 60 - int(time.time() % 60) or 1,
                      {"limit": limits.calls_per_minute, "window": "minute"})


def charge_rows(session: Session, principal: Principal, rows: int) -> None:
    if rows:
        session.execute(*rows_charge(session, principal, rows))


def rows_charge(session: Session, principal: Principal, rows: int) -> Bound:
    """The statement adding `rows` to the client's day (a data call sends it in one round trip
    with its statistics, see `calls.finish`)."""
    window, _ = _day_window()
    return _upsert(session, "rows", subject(principal), window, rows)


def rows_left(session: Session, principal: Principal, limits: Limits) -> int:
    window, _ = _day_window()
    used = session.scalar(select(RateCounter.count).where(RateCounter.subject == subject(principal),
                                                          RateCounter.window == window)) or 0
    return max(0, limits.rows_per_day - used)


def set_limits(session: Session, actor: Actor, client_id: int, limits: Limits) -> ClientLimit:
    if session.get(ApiClient, client_id) is None:
        raise NotFound(f"client {client_id} does not exist", f"接入应用 {client_id} 不存在")
    row = session.get(ClientLimit, client_id) or ClientLimit(client_id=client_id)
    row.calls_per_minute, row.rows_per_day, row.rows_per_call = (limits.calls_per_minute, limits.rows_per_day,
                                                                 limits.rows_per_call)
    session.add(row)
    audit.record(session, actor, "exchange.limits.set", object_type="api_client", object_id=client_id,
                 details={"calls_per_minute": limits.calls_per_minute, "rows_per_day": limits.rows_per_day,
                          "rows_per_call": limits.rows_per_call})
    return row


def prune(session: Session) -> int:
    """Drops counters of windows that are over (kept: this minute, the last and today)."""
    now = time.time()
    keep = {f"m{int(now // 60)}", f"m{int(now // 60) - 1}", _day_window()[0]}
    return session.execute(delete(RateCounter).where(RateCounter.window.not_in(keep))).rowcount or 0
