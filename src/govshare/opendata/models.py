"""Tables of the open-data portal.

The portal owns no copy of the catalog or of the data: what it shows is read live from the
published catalog and the exchange's live dataset versions (see visibility.py). Its own tables
hold what only the portal knows: how a resource is released to the public (access level,
featured, de-identification of its items), the public's accounts, API keys, agreements, data
requests and error reports, and counters of views, downloads and calls.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from govshare.core.db import Base, UTCDateTime, utcnow

COUNT = BigInteger().with_variant(Integer, "sqlite")


def _enum(kind: type[StrEnum], name: str) -> Enum:
    return Enum(kind, name=name, native_enum=False, values_callable=lambda e: [m.value for m in e], length=30)


class Access(StrEnum):
    OPEN = "open"  # 无条件开放：anyone, no log-in
    REGISTERED = "registered"  # 有条件开放：registered public account that accepted the agreement


class Method(StrEnum):
    """De-identification techniques of GB/T 37964-2019 applied per item."""

    SUPPRESS = "suppress"  # 抑制：the value never leaves
    GENERALISE = "generalise"  # 泛化：year of a date, prefix of a code, band of a number
    PSEUDONYMISE = "pseudonymise"  # 假名化：keyed hash, stable within the node


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"  # 已提交
    ACCEPTED = "accepted"  # 已受理
    FULFILLED = "fulfilled"  # 已开放
    DECLINED = "declined"  # 不予开放（附理由）


class ReportStatus(StrEnum):
    OPEN = "open"  # 待处理
    CORRECTED = "corrected"  # 已更正
    EXPLAINED = "explained"  # 已说明


class Release(Base):
    """How one catalog resource is released on the portal. No row: open access, not featured,
    no de-identification (which keeps a resource with direct identifiers off the portal)."""

    __tablename__ = "opendata_release"

    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resource.id"), primary_key=True)
    access: Mapped[Access] = mapped_column(_enum(Access, "opendata_access"), nullable=False, default=Access.OPEN)
    featured: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    featured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    licence: Mapped[str] = mapped_column(String(40), nullable=False, default="CC-BY-4.0")
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class DeidRule(Base):
    """The de-identification of one item of a released resource."""

    __tablename__ = "opendata_deid_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resource.id"), nullable=False)
    item: Mapped[str] = mapped_column(String(100), nullable=False)
    method: Mapped[Method] = mapped_column(_enum(Method, "opendata_deid_method"), nullable=False)
    keep: Mapped[int | None] = mapped_column(Integer)  # generalise: characters kept / number band width

    __table_args__ = (UniqueConstraint("resource_id", "item", name="uq_opendata_deid_rule_item"),)


class PublicAccount(Base):
    """A member of the public or a developer; separate from government staff accounts."""

    __tablename__ = "opendata_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    agreement_version: Mapped[str] = mapped_column(String(20), nullable=False, default="")  # accepted version
    agreement_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ApiKey(Base):
    """A developer's API key; only its SHA-256 is stored."""

    __tablename__ = "opendata_api_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("opendata_account.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    calls_per_minute: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DataRequest(Base):
    """The public asks for data that is not open yet (数据开放需求)."""

    __tablename__ = "opendata_data_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    contact: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # never shown publicly
    status: Mapped[RequestStatus] = mapped_column(
        _enum(RequestStatus, "opendata_request_status"), nullable=False, default=RequestStatus.SUBMITTED
    )
    answer: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class ErrorReport(Base):
    """Someone reports an error in an open dataset (纠错)."""

    __tablename__ = "opendata_error_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resource.id"), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    contact: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    status: Mapped[ReportStatus] = mapped_column(
        _enum(ReportStatus, "opendata_report_status"), nullable=False, default=ReportStatus.OPEN
    )
    answer: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")

    __table_args__ = (Index("ix_opendata_error_report_resource_id", "resource_id"),)


class UsageDay(Base):
    """Views, downloads and API calls of one resource on one (UTC) day."""

    __tablename__ = "opendata_usage_day"

    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resource.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(COUNT, nullable=False, default=0)
    downloads: Mapped[int] = mapped_column(COUNT, nullable=False, default=0)
    api_calls: Mapped[int] = mapped_column(COUNT, nullable=False, default=0)


class RateCounter(Base):
    """Calls per subject (an address or an API key) in one fixed minute window, shared by all
    workers because it lives in the database."""

    __tablename__ = "opendata_rate_counter"

    subject: Mapped[str] = mapped_column(String(80), primary_key=True)
    window: Mapped[int] = mapped_column(COUNT, primary_key=True)  # epoch minute
    count: Mapped[int] = mapped_column(COUNT, nullable=False, default=0)
