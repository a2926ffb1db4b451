"""Datasets behind catalog resources: the provider's load policy and the live version.

Only the provider's data officers (and platform administrators) configure and load a
resource's dataset; for anyone else another department's dataset settings do not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session, defer

from govshare.catalog.models import CatalogResource
from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.auth import Principal, Role
from govshare.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govshare.exchange import tables
from govshare.exchange.items import Column, check_items, columns_for, requestable
from govshare.exchange.models import Dataset, DatasetVersion, GatePolicy, LoadStatus

if TYPE_CHECKING:
    from govshare.exchange.terms import LiveDataset, LiveVersion


def is_provider(principal: Principal, resource: CatalogResource) -> bool:
    return principal.department_id == resource.provider_id


def require_provider_officer(principal: Principal, resource: CatalogResource) -> None:
    if principal.has_role(Role.PLATFORM_ADMIN):
        return
    if not is_provider(principal, resource):
        raise NotFound(f"no dataset for resource {resource.id}", f"信息资源 {resource.id} 没有数据集")
    if principal.kind == "user" and not principal.has_role(Role.DATA_OFFICER):
        raise PermissionDenied("only the provider's data officer loads and configures its datasets",
                               "只有提供方的数据专员可以装载和配置数据集")


def find(session: Session, resource_id: int) -> Dataset | None:
    return session.scalar(select(Dataset).where(Dataset.resource_id == resource_id))


def find_many(session: Session, resource_ids: list[int]) -> dict[int, Dataset]:
    """The datasets behind several resources in one query, by resource id."""
    if not resource_ids:
        return {}
    found = session.scalars(select(Dataset).where(Dataset.resource_id.in_(set(resource_ids))))
    return {dataset.resource_id: dataset for dataset in found}


def ensure(session: Session, resource: CatalogResource) -> Dataset:
    dataset = find(session, resource.id)
    if dataset is None:
        dataset = Dataset(resource_id=resource.id, provider_id=resource.provider_id, key_items=[],
                          gate=GatePolicy.KEY_ERRORS, min_score=0, endpoint_url="", change_seq=0)
        session.add(dataset)
        session.flush()
    return dataset


@dataclass
class DatasetSettings:
    key_items: list[str] | None = None
    gate: GatePolicy | None = None
    min_score: float | None = None
    endpoint_url: str | None = None


def configure(session: Session, principal: Principal, actor: Actor, resource_id: int,
              settings: DatasetSettings) -> Dataset:
    resource = requestable(session, principal, resource_id)
    require_provider_officer(principal, resource)
    dataset = ensure(session, resource)
    if settings.key_items is not None:
        dataset.key_items = check_items(resource, settings.key_items, "key_items") if settings.key_items else []
    if settings.gate is not None:
        dataset.gate = settings.gate
    if settings.min_score is not None:
        if not 0 <= settings.min_score <= 100:
            raise InvalidInput("min_score is a quality score from 0 to 100", "质量得分阈值应在 0 至 100 之间",
                               field="min_score")
        dataset.min_score = settings.min_score
    if settings.endpoint_url is not None:
        dataset.endpoint_url = _endpoint(settings.endpoint_url)
    audit.record(session, actor, "exchange.dataset.configure", object_type="catalog_resource",
                 object_id=resource.id, details={"key_items": dataset.key_items, "gate": dataset.gate.value,
                                                 "min_score": dataset.min_score,
                                                 "endpoint": bool(dataset.endpoint_url)})
    return dataset


def _endpoint(url: str) -> str:
    from govshare.exchange.outbound import check_url

    url = url.strip()
    if len(url) > 500:
        raise InvalidInput("the endpoint URL is too long (at most 500 characters)", "接口地址过长",
                           field="endpoint_url")
    return check_url(url, "endpoint_url") if url else url  # the node's outbound policy (SSRF)


@dataclass(frozen=True)
class Live:
    """The live version of a dataset, ready to query: its rows as loaded by the ORM, or as the
    plain columns a data call reads with its terms (`terms.LiveDataset`, `terms.LiveVersion`)."""

    dataset: Dataset | LiveDataset
    version: DatasetVersion | LiveVersion
    columns: list[Column]
    table: Table

    def column(self, item: str) -> Column:
        return next(c for c in self.columns if c.item == item)


def live(session: Session, resource: CatalogResource | Any) -> Live:
    """The live version, read in one query (the dataset joined to its live version)."""
    found = session.execute(select(Dataset, DatasetVersion).join(
        DatasetVersion, DatasetVersion.id == Dataset.live_version_id).where(Dataset.resource_id == resource.id)
        .options(defer(DatasetVersion.quality_report))).first()
    return live_from(resource, *(found or (None, None)))


def live_from(resource: CatalogResource | Any, dataset: Dataset | LiveDataset | None,
              version: DatasetVersion | LiveVersion | None) -> Live:
    """The Live of a dataset row and its live version row read by the caller (a data call reads
    them in the same query as its grant), or the "no data yet" answer."""
    if dataset is None or version is None:
        raise Conflict(f"resource {resource.code} has no data loaded yet", f"信息资源 {resource.code} 尚未装载数据",
                       code="no_data")
    return _live(dataset, version)


def live_many(session: Session, resource_ids: list[int]) -> dict[int, Live]:
    """The live versions of several resources in one query, by resource id (those without data
    are absent), for pages that list many datasets."""
    if not resource_ids:
        return {}
    found = session.execute(select(Dataset, DatasetVersion).join(
        DatasetVersion, DatasetVersion.id == Dataset.live_version_id).where(Dataset.resource_id.in_(resource_ids))
        .options(defer(DatasetVersion.quality_report)))
    return {dataset.resource_id: _live(dataset, version) for dataset, version in found}


def _live(dataset: Dataset | LiveDataset, version: DatasetVersion | LiveVersion) -> Live:
    assert version.status == LoadStatus.LIVE
    columns = [Column.from_dict(c) for c in version.columns]
    keys = [c.column for c in columns if c.item in version.key_items]
    return Live(dataset, version, columns, tables.table_for(version.table_name, columns, keys))


def versions(session: Session, principal: Principal, resource_id: int) -> list[DatasetVersion]:
    resource = requestable(session, principal, resource_id)
    require_provider_officer(principal, resource)
    dataset = find(session, resource.id)
    if dataset is None:
        return []
    return list(session.scalars(select(DatasetVersion).where(DatasetVersion.dataset_id == dataset.id)
                                .order_by(DatasetVersion.number.desc())))


def version_out(version: DatasetVersion) -> dict:
    report = version.quality_report or {}
    return {"id": version.id, "number": version.number, "status": version.status.value, "mode": version.mode.value,
            "source": version.source_name, "format": version.source_format, "rows_read": version.rows_read,
            "rows_loaded": version.rows_loaded, "rows": version.rows_live, "changes": version.changes,
            "quality_score": version.quality_score, "quality_errors": version.quality_errors,
            "error": version.error, "started_at": version.started_at, "finished_at": version.finished_at,
            "loaded_by": version.loaded_by, "quality_rules": [r for r in report.get("rules", [])
                                                              if r.get("failures")][:50]}


def new_columns(resource: CatalogResource) -> list[Column]:
    return columns_for(resource)
