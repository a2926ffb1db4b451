"""Fixed tables of the sharing exchange.

The rows themselves live in typed tables created at run time, one per dataset version
(`govshare.exchange.tables`); everything here is the bookkeeping around them: which version is
live, who asked for what, what was granted, every call, webhook deliveries and objections.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
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
from sqlalchemy.orm import Mapped, mapped_column

from govshare.core.db import Base, UTCDateTime, utcnow

BIG_ID = BigInteger().with_variant(Integer, "sqlite")


def _enum(kind: type[StrEnum], name: str) -> Enum:
    return Enum(kind, name=name, native_enum=False, values_callable=lambda e: [m.value for m in e], length=30)


class LoadStatus(StrEnum):
    LOADING = "loading"  # 装载中
    LIVE = "live"  # 在用
    SUPERSEDED = "superseded"  # 已被替代
    REJECTED = "rejected"  # 质量门未通过
    FAILED = "failed"  # 失败（可重试）


class LoadMode(StrEnum):
    REPLACE = "replace"  # 全量替换
    UPSERT = "upsert"  # 按主键增量更新


class GatePolicy(StrEnum):
    KEY_ERRORS = "key_errors"  # 主键信息项有错误即拒绝
    SCORE = "score"  # 质量得分低于阈值即拒绝
    BOTH = "both"


class RequestKind(StrEnum):
    ACCESS = "access"  # 共享申请
    COORDINATION = "coordination"  # 提请协调（不予共享或被拒后）


class RequestStatus(StrEnum):
    COMPLIANCE = "compliance"  # 无条件共享待合规审查
    PENDING = "pending"  # 待提供方答复
    APPROVED = "approved"  # 同意
    NARROWED = "narrowed"  # 部分同意
    REFUSED = "refused"  # 拒绝
    ESCALATED = "escalated"  # 提请协调
    WITHDRAWN = "withdrawn"  # 已撤回


class GrantStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    GAVE_UP = "gave_up"


class ObjectionStatus(StrEnum):
    OPEN = "open"  # 待处理
    CORRECTED = "corrected"  # 已更正
    EXPLAINED = "explained"  # 已说明


OPERATIONS = ("query", "verify", "download", "feed", "subscribe", "call")


class Dataset(Base):
    """The data behind one catalog resource: its live version and load policy."""

    __tablename__ = "exchange_dataset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resource.id"), nullable=False, unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False)
    key_items: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    gate: Mapped[GatePolicy] = mapped_column(_enum(GatePolicy, "gate_policy"), nullable=False,
                                             default=GatePolicy.KEY_ERRORS)
    min_score: Mapped[float] = mapped_column(Float, nullable=False, default=0)
    live_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("exchange_dataset_version.id", use_alter=True, name="fk_exchange_dataset_live_version"))
    endpoint_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")  # 接口资源
    change_seq: Mapped[int] = mapped_column(BIG_ID, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class DatasetVersion(Base):
    """One load: its typed table, quality report and counts."""

    __tablename__ = "exchange_dataset_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("exchange_dataset.id"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[LoadStatus] = mapped_column(_enum(LoadStatus, "load_status"), nullable=False)
    mode: Mapped[LoadMode] = mapped_column(_enum(LoadMode, "load_mode"), nullable=False)
    table_name: Mapped[str] = mapped_column(String(63), nullable=False)
    columns: Mapped[list[dict]] = mapped_column(JSON, nullable=False, default=list)
    key_items: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    source_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    source_path: Mapped[str] = mapped_column(String(1000), nullable=False, default="")  # kept for retry
    source_format: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    rows_read: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # committed to staging
    rows_live: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # rows of the version
    changes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    quality_score: Mapped[float | None] = mapped_column(Float)
    quality_errors: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    quality_report: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    loaded_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("dataset_id", "number", name="uq_exchange_dataset_version_number"),)


class Change(Base):
    """One changed key in a new version, for the change feed (增量同步)."""

    __tablename__ = "exchange_change"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("exchange_dataset.id"), nullable=False)
    seq: Mapped[int] = mapped_column(BIG_ID, nullable=False)
    version_number: Mapped[int] = mapped_column(Integer, nullable=False)
    op: Mapped[str] = mapped_column(String(10), nullable=False)  # upsert | delete
    key: Mapped[list] = mapped_column(JSON, nullable=False)

    __table_args__ = (UniqueConstraint("dataset_id", "seq", name="uq_exchange_change_seq"),)


class AccessRequest(Base):
    """A department's request for a resource (共享申请), or a case raised for coordination."""

    __tablename__ = "exchange_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[RequestKind] = mapped_column(_enum(RequestKind, "request_kind"), nullable=False)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resource.id"), nullable=False)
    provider_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("api_client.id"))
    purpose: Mapped[str] = mapped_column(String(500), nullable=False)  # 用途
    scenario: Mapped[str] = mapped_column(String(500), nullable=False)  # 应用场景
    legal_basis: Mapped[str] = mapped_column(Text, nullable=False, default="")
    items: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    operations: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    row_filter: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus, "request_status"), nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    due_on: Mapped[date | None] = mapped_column(Date)
    due_provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # overdue or raised for 协调
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    answer: Mapped[str] = mapped_column(Text, nullable=False, default="")  # reasons of a refusal
    answered_late: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    requested_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    grant_id: Mapped[int | None] = mapped_column(
        ForeignKey("exchange_grant.id", use_alter=True, name="fk_exchange_request_grant"))

    __table_args__ = (
        Index("ix_exchange_request_provider", "provider_id", "status"),
        Index("ix_exchange_request_consumer", "consumer_id", "status"),
    )


class Grant(Base):
    """What a consumer may take: items, rows, operations, purpose and period (授权)."""

    __tablename__ = "exchange_grant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_request.id"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resource.id"), nullable=False)
    provider_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("api_client.id"))  # None: any of its systems
    items: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    masked_items: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    operations: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    row_filter: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    purpose: Mapped[str] = mapped_column(String(500), nullable=False)
    scenario: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    narrowed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[GrantStatus] = mapped_column(_enum(GrantStatus, "grant_status"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    revoke_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")

    __table_args__ = (Index("ix_exchange_grant_lookup", "resource_id", "consumer_id", "status"),)


class CallDay(Base):
    """Call statistics: calls and rows per day, resource, consumer, client, operation, outcome."""

    __tablename__ = "exchange_call_day"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    resource_id: Mapped[int] = mapped_column(Integer, nullable=False)
    provider_id: Mapped[int] = mapped_column(Integer, nullable=False)
    consumer_id: Mapped[int] = mapped_column(Integer, nullable=False)
    client_id: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # 0: a person, not a system
    operation: Mapped[str] = mapped_column(String(20), nullable=False)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    calls: Mapped[int] = mapped_column(BIG_ID, nullable=False, default=0)
    rows: Mapped[int] = mapped_column(BIG_ID, nullable=False, default=0)

    __table_args__ = (
        UniqueConstraint("day", "resource_id", "consumer_id", "client_id", "operation", "outcome",
                         name="uq_exchange_call_day_key"),
    )


class RateCounter(Base):
    """Fixed-window counters shared by every app worker (rate and row limits)."""

    __tablename__ = "exchange_rate_counter"

    subject: Mapped[str] = mapped_column(String(40), primary_key=True)  # c<client id> | u<user id>
    window: Mapped[str] = mapped_column(String(20), primary_key=True)  # m<epoch minute> | d<YYYYMMDD>
    count: Mapped[int] = mapped_column(BIG_ID, nullable=False, default=0)


class ClientLimit(Base):
    """Per-client limits set by the authority; node defaults apply when there is no row."""

    __tablename__ = "exchange_client_limit"

    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"), primary_key=True)
    calls_per_minute: Mapped[int] = mapped_column(Integer, nullable=False)
    rows_per_day: Mapped[int] = mapped_column(Integer, nullable=False)
    rows_per_call: Mapped[int] = mapped_column(Integer, nullable=False)


class Subscription(Base):
    """A consumer system's webhook for a resource's changes (订阅)."""

    __tablename__ = "exchange_subscription"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("exchange_grant.id"), nullable=False)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resource.id"), nullable=False)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("api_client.id"))
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    # HMAC key, shown once; stored encrypted under the node secret (core.secretbox), never plain
    secret: Mapped[str] = mapped_column(String(400), nullable=False)
    purpose: Mapped[str] = mapped_column(String(500), nullable=False)
    cursor: Mapped[int] = mapped_column(BIG_ID, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class Delivery(Base):
    """One webhook push of changes, retried with back-off (投递记录)."""

    __tablename__ = "exchange_delivery"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("exchange_subscription.id"), nullable=False)
    from_seq: Mapped[int] = mapped_column(BIG_ID, nullable=False)
    to_seq: Mapped[int] = mapped_column(BIG_ID, nullable=False)
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus, "delivery_status"), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Claimed by one sender until then, so two workers (or a worker and cron) never push it twice.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str] = mapped_column(String(100), nullable=False, default="")

    __table_args__ = (Index("ix_exchange_delivery_due", "status", "next_attempt_at"),)


class JobLease(Base):
    """One periodic background job (推送投递, 逾期督办): who runs it now and how its last run went.
    Holding the lease is a conditional UPDATE, so one worker among many runs a job at a time."""

    __tablename__ = "exchange_job"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_result: Mapped[dict | None] = mapped_column(JSON)
    last_error: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Objection(Base):
    """A consumer's objection to a record (疑义): the provider corrects or explains."""

    __tablename__ = "exchange_objection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resource.id"), nullable=False)
    provider_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False)
    record_key: Mapped[dict] = mapped_column(JSON, nullable=False)  # stored masked
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    item: Mapped[str] = mapped_column(String(100), nullable=False)
    claim: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[ObjectionStatus] = mapped_column(_enum(ObjectionStatus, "objection_status"), nullable=False)
    raised_by: Mapped[str] = mapped_column(String(200), nullable=False)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    answer: Mapped[str] = mapped_column(Text, nullable=False, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")

    __table_args__ = (Index("ix_exchange_objection_resource", "resource_id", "status"),)
