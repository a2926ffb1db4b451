"""Tables of the catalog.

A `CatalogResource` is the lasting identity of one information resource: its code, provider and
the live (published) version. Its metadata lives in `ResourceVersion` rows: every edit of a
published resource is a new version under review while the published one stays live, and
every version is kept so any two can be compared. The published version's facet fields are
copied onto the resource so search and census filter and count one table.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govshare.catalog.vocab import (
    CatalogKind,
    DataType,
    Network,
    ResourceFormat,
    ShareMode,
    ShareType,
    UpdateCycle,
    VersionStatus,
)
from govshare.core.db import Base, UTCDateTime, utcnow


def _enum(kind: type[StrEnum], name: str) -> Enum:
    # Plain strings with a CHECK, as in orgs: both backends and migrations stay simple.
    return Enum(
        kind,
        name=name,
        native_enum=False,
        values_callable=lambda e: [m.value for m in e],
        length=40,
    )


class CatalogClass(Base):
    """One node of the classification tree (类/项/目/细目); its code is the resource code's 前段码."""

    __tablename__ = "catalog_class"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    catalog: Mapped[CatalogKind] = mapped_column(_enum(CatalogKind, "catalog_kind"), nullable=False)
    parent_code: Mapped[str | None] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))  # 部门目录的“项”


class CatalogResource(Base):
    __tablename__ = "catalog_resource"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)  # 前段码/后段码
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    provider_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False)
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey(
            "catalog_version.id", use_alter=True, name="fk_catalog_resource_published_version"
        )
    )
    working_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_version.id", use_alter=True, name="fk_catalog_resource_working_version")
    )
    # Facets of the published version, copied for search and census (NULL until published).
    name: Mapped[str | None] = mapped_column(String(200))
    catalog: Mapped[CatalogKind | None] = mapped_column(_enum(CatalogKind, "catalog_kind"))
    class_code: Mapped[str | None] = mapped_column(String(20))
    share_type: Mapped[ShareType | None] = mapped_column(_enum(ShareType, "share_type"))
    open: Mapped[bool | None] = mapped_column(Boolean)
    format: Mapped[ResourceFormat | None] = mapped_column(_enum(ResourceFormat, "resource_format"))
    update_cycle: Mapped[UpdateCycle | None] = mapped_column(_enum(UpdateCycle, "update_cycle"))
    item_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    published_version: Mapped[ResourceVersion | None] = relationship(
        foreign_keys=[published_version_id], post_update=True, lazy="joined"
    )
    working_version: Mapped[ResourceVersion | None] = relationship(
        foreign_keys=[working_version_id], post_update=True, lazy="joined"
    )

    __table_args__ = (
        UniqueConstraint("class_code", "sequence", name="uq_catalog_resource_class_sequence"),
        Index("ix_catalog_resource_provider_id", "provider_id"),
        Index("ix_catalog_resource_published", "published_at"),
    )


class ResourceVersion(Base):
    """One version of a resource's metadata (the guide's core metadata plus census figures)."""

    __tablename__ = "catalog_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resource.id"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[VersionStatus] = mapped_column(
        _enum(VersionStatus, "version_status"), nullable=False
    )
    catalog: Mapped[CatalogKind] = mapped_column(_enum(CatalogKind, "catalog_kind"), nullable=False)
    class_code: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    provider_code: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    format: Mapped[ResourceFormat | None] = mapped_column(_enum(ResourceFormat, "resource_format"))
    format_detail: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    share_type: Mapped[ShareType | None] = mapped_column(_enum(ShareType, "share_type"))
    share_conditions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    share_basis: Mapped[str] = mapped_column(Text, nullable=False, default="")  # 不予共享依据
    share_mode: Mapped[ShareMode | None] = mapped_column(_enum(ShareMode, "share_mode"))
    share_method: Mapped[ResourceFormat | None] = mapped_column(
        _enum(ResourceFormat, "resource_format")
    )
    open: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    open_conditions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    update_cycle: Mapped[UpdateCycle | None] = mapped_column(_enum(UpdateCycle, "update_cycle"))
    published_on: Mapped[date | None] = mapped_column(Date)
    related_codes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    system_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    network: Mapped[Network | None] = mapped_column(_enum(Network, "network"))
    vertical: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    stored_gb: Mapped[float] = mapped_column(Float, nullable=False, default=0)
    stored_records: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    shared_gb: Mapped[float] = mapped_column(Float, nullable=False, default=0)
    shared_records: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    opened_gb: Mapped[float] = mapped_column(Float, nullable=False, default=0)
    opened_records: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    review_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")

    items: Mapped[list[ResourceItem]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ResourceItem.position"
    )

    __table_args__ = (
        UniqueConstraint("resource_id", "number", name="uq_catalog_version_resource_number"),
        Index("ix_catalog_version_status", "status"),
    )


class ResourceItem(Base):
    """An information item (信息项) of one version."""

    __tablename__ = "catalog_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_version.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    data_type: Mapped[DataType] = mapped_column(_enum(DataType, "data_type"), nullable=False)
    length: Mapped[int | None] = mapped_column(Integer)
    element_code: Mapped[str] = mapped_column(String(40), nullable=False, default="")  # 标准数据元
    is_source: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False
    )  # 本部门为采集源头

    __table_args__ = (
        Index("ix_catalog_item_version_id", "version_id"),
        Index("ix_catalog_item_name", "name"),
    )


class SearchTerm(Base):
    """An edit of the synonym and abbreviation dictionary; the shipped seed is in synonyms.py."""

    __tablename__ = "catalog_search_term"

    term: Mapped[str] = mapped_column(String(50), primary_key=True)
    expansions: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class SearchDocument(Base):
    """The search tokens of a published resource (single characters, character pairs, latin
    words): of all its text, and of its name alone (a match in the name ranks first). The
    backend's full-text index (FTS5 table or tsvector columns) is built from them."""

    __tablename__ = "catalog_search_doc"

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_resource.id", ondelete="CASCADE"), primary_key=True
    )
    tokens: Mapped[str] = mapped_column(Text, nullable=False)
    name_tokens: Mapped[str] = mapped_column(Text, nullable=False, default="")


class CensusSnapshot(Base):
    """The census as it stood when taken: its totals and per-department rows. The census page's
    change over time reads these (the latest of each month), taken by `govshare catalog census
    --snapshot`, by the authority from the page, or automatically when a month has none."""

    __tablename__ = "catalog_census_snapshot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), nullable=False)  # YYYY-MM, Beijing time
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    taken_by: Mapped[str] = mapped_column(String(200), nullable=False)
    trigger: Mapped[str] = mapped_column(String(20), nullable=False)  # manual | cli | auto
    totals: Mapped[dict] = mapped_column(JSON, nullable=False)
    by_department: Mapped[list] = mapped_column(JSON, nullable=False)

    __table_args__ = (Index("ix_catalog_census_snapshot_period", "period"),)
