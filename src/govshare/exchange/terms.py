"""The terms of one data call, read in one round trip: the published resource, its dataset's
live version, the caller's grants in force on it and the client's limits.

A data call used to read these one query at a time (resource, grant, limits, live version):
four round trips before any data was touched. They are all small indexed rows, so one outer
join brings them together. No answer here is cached, only the statement's shape: a revoked or
expired grant, a new live version or changed limits are seen by the very next call, on every
worker.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, false, or_, select
from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogResource
from govshare.core.auth import Principal
from govshare.core.clock import today
from govshare.exchange import limits
from govshare.exchange.items import ResourceRef
from govshare.exchange.models import ClientLimit, Dataset, DatasetVersion, Grant, GrantStatus, LoadStatus


@dataclass(frozen=True)
class GrantTerms:
    """What a call uses of its grant (read as plain columns, not as a tracked ORM object)."""

    id: int
    items: list[str]
    masked_items: list[str]
    row_filter: dict[str, Any]
    operations: list[str]


@dataclass(frozen=True)
class LiveDataset:
    """What a data call uses of its dataset row."""

    id: int
    resource_id: int
    live_version_id: int | None
    change_seq: int


@dataclass(frozen=True)
class LiveVersion:
    """What a data call uses of the dataset's live version row."""

    id: int
    dataset_id: int
    number: int
    status: LoadStatus
    table_name: str
    columns: list[dict[str, Any]]
    key_items: list[str]
    rows_live: int
    finished_at: datetime | None


@dataclass
class Terms:
    resource: ResourceRef
    grant: GrantTerms | None  # the newest grant in force allowing the operation, if any
    limits: limits.Limits
    dataset: LiveDataset | None
    version: LiveVersion | None  # the dataset's live version
    calls: int  # calls the client made this minute before this one
    rows_today: int  # rows charged to the client today


def read(session: Session, principal: Principal, resource_id: int, operation: str) -> Terms | None:
    """The call's terms; None when the resource does not exist or is not published.

    The same statement reads the client's counts (this minute's calls, today's rows) without
    locking them: the call is counted at its end (`calls.finish`), so concurrent calls of one
    client do not queue behind each other's counter row for their whole length. Everything is
    read as plain columns on the session's connection: loading the dataset and its version as
    ORM objects was half of this function's cost, and a data call only reads them."""
    kind = "none" if principal.department_id is None else principal.kind
    params = {"resource_id": resource_id, "department_id": principal.department_id, "on": today(),
              "client_id": principal.client_id if principal.client_id else -1,  # persons have no client limits
              **limits.usage_params(principal)}
    rows = session.connection().execute(_statement(kind), params).all()
    if not rows or rows[0].published_version_id is None:
        return None
    first = rows[0]
    grant = next((GrantTerms(r.grant_id, list(r.grant_items), list(r.masked_items or []), dict(r.row_filter or {}),
                             list(r.operations))
                  for r in rows if r.grant_id is not None and operation in r.operations), None)
    limit_row = None if first.calls_per_minute is None else (first.calls_per_minute, first.rows_per_day,
                                                              first.rows_per_call)
    dataset = None if first.dataset_id is None else LiveDataset(*first[_DATASET])
    version = None if first.version_id is None else LiveVersion(*first[_VERSION])
    return Terms(ResourceRef(*first[:5]), grant, limits.resolved(limit_row), dataset, version, first.calls or 0,
                 first.rows_today or 0)


def _read_columns(model: Any, record: type, prefix: str) -> tuple[Any, ...]:
    """`model`'s columns named by `record`'s fields, in their order, labelled `<prefix>_<field>`
    (the dataset, its version and the resource share names such as `id` in one row)."""
    return tuple(getattr(model, f.name).label(f"{prefix}_{f.name}") for f in fields(record))


# What a data call reads of the dataset and its live version: a fraction of their columns, each of
# which costs the driver work on every call. Taken from the records' fields, so the two agree.
LIVE_DATASET = _read_columns(Dataset, LiveDataset, "dataset")
LIVE_VERSION = _read_columns(DatasetVersion, LiveVersion, "version")
_DATASET = slice(5, 5 + len(LIVE_DATASET))
_VERSION = slice(_DATASET.stop, _DATASET.stop + len(LIVE_VERSION))


@lru_cache(maxsize=4)
def _statement(kind: str):  # type: ignore[no-untyped-def]
    """The terms query for a caller without a department ("none"), a person ("user") or a
    business system ("client"), on binds: built once, since building it (and its cache key) on
    every call cost more CPU than the rest of the call's own Python."""
    if kind == "none":
        grant_on: Any = false()
    else:
        grant_on = and_(Grant.resource_id == CatalogResource.id, Grant.consumer_id == bindparam("department_id"),
                        Grant.status == GrantStatus.ACTIVE, Grant.starts_on <= bindparam("on"),
                        Grant.ends_on >= bindparam("on"))
        if kind == "client":
            grant_on = and_(grant_on, or_(Grant.client_id.is_(None), Grant.client_id == bindparam("client_id")))
    return (select(CatalogResource.id, CatalogResource.code, CatalogResource.provider_id,
                   CatalogResource.published_version_id, CatalogResource.published_at, *LIVE_DATASET, *LIVE_VERSION,
                   Grant.id.label("grant_id"), Grant.items.label("grant_items"), Grant.masked_items,
                   Grant.row_filter, Grant.operations,
                   ClientLimit.calls_per_minute, ClientLimit.rows_per_day, ClientLimit.rows_per_call,
                   *limits.usage())
            .select_from(CatalogResource)
            .outerjoin(Dataset, Dataset.resource_id == CatalogResource.id)
            .outerjoin(DatasetVersion, DatasetVersion.id == Dataset.live_version_id)
            .outerjoin(Grant, grant_on)
            .outerjoin(ClientLimit, ClientLimit.client_id == bindparam("client_id"))
            .where(CatalogResource.id == bindparam("resource_id"))
            .order_by(Grant.id.desc()))
