"""Tables of the information-system audit: the inventory and its history, daily usage metrics,
census returns, audit runs with their findings, zombie cases, integration lists and network
migrations."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

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
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govshare.core.db import Base, UTCDateTime, utcnow


def _enum(kind: type[StrEnum], name: str) -> Enum:
    # Plain strings with a CHECK, as in orgs: both backends and batch migrations stay simple.
    return Enum(
        kind,
        name=name,
        native_enum=False,
        values_callable=lambda e: [m.value for m in e],
        length=40,
    )


class Lifecycle(StrEnum):
    PLANNED = "planned"  # 规划中
    IN_USE = "in_use"  # 在用
    INTEGRATING = "integrating"  # 整合中
    RETIRING = "retiring"  # 下线中
    RETIRED = "retired"  # 已下线


class Network(StrEnum):
    INTRANET = "intranet"  # 电子政务内网
    EXTRANET = "extranet"  # 电子政务外网
    DEDICATED = "dedicated"  # 业务专网 (named in dedicated_network)
    INTERNET = "internet"  # 互联网


class Frequency(StrEnum):
    DAILY = "daily"  # 每日
    WEEKLY = "weekly"  # 每周
    MONTHLY = "monthly"  # 每月
    RARELY = "rarely"  # 偶尔


class CaseStatus(StrEnum):
    PROPOSED = "proposed"  # 待审核 (a flag is only a proposal)
    CONFIRMED = "confirmed"  # 已认定为僵尸系统
    DISMISSED = "dismissed"  # 已排除
    DEFERRAL_REQUESTED = "deferral_requested"  # 部门申请延期
    RETIRING = "retiring"  # 下线计划执行中
    RETIRED = "retired"  # 已下线


class ReturnStatus(StrEnum):
    SUBMITTED = "submitted"  # 已报送
    ACCEPTED = "accepted"  # 已通过
    RETURNED = "returned"  # 已退回


class IntegrationAction(StrEnum):
    MERGE = "merge"  # 整合并入目标"大系统"
    CONNECT = "connect"  # 接入共享交换平台


class PlanStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    EXEMPTED = "exempted"  # 确需保留的专网 (rare exceptions the plan allows)


class InformationSystem(Base):
    """An information system (政务信息系统) with the plan's audit fields. Never deleted: a
    retired or reclassified system stays, its past in InformationSystemChange."""

    __tablename__ = "info_system"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    function: Mapped[str] = mapped_column(Text, nullable=False)
    users: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    scope_departments: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    scope_regions: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    frequency: Mapped[Frequency] = mapped_column(
        _enum(Frequency, "system_frequency"), nullable=False
    )
    approving_department: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    approval_date: Mapped[date | None] = mapped_column(Date)
    funding_source: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    builder: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    contractor: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    om_unit: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    om_contract_expiry: Mapped[date | None] = mapped_column(Date)
    build_cost: Mapped[float | None] = mapped_column(Numeric(14, 2))
    om_cost_yearly: Mapped[float | None] = mapped_column(Numeric(14, 2))
    network: Mapped[Network] = mapped_column(_enum(Network, "system_network"), nullable=False)
    dedicated_network: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    mlps_level: Mapped[int | None] = mapped_column(Integer)  # 等保级别 1-5
    hosting: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    state: Mapped[Lifecycle] = mapped_column(_enum(Lifecycle, "system_lifecycle"), nullable=False)
    business_retired: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    linked_codes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # The catalog resources it holds are links (HeldResource); whether it is connected to the
    # exchange is derived from them (systems.exchange_link), never typed in.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )

    held: Mapped[list[HeldResource]] = relationship(
        order_by="HeldResource.id", lazy="selectin", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("department_id", "name", name="uq_info_system_department_name"),
        Index("ix_info_system_state", "state"),
    )

    @property
    def resource_codes(self) -> list[str]:
        """The codes of the catalog resources it holds, in the order they were linked."""
        return [h.resource_code for h in self.held]


class HeldResource(Base):
    """A catalog resource a system holds, linked by its catalog code (codes are unique and
    frozen once published). Checked against the catalog when linked; a code carried over from
    the free-text list of 0400 that the catalog never knew stays, shown as unresolved."""

    __tablename__ = "info_system_resource"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("info_system.id"), nullable=False)
    resource_code: Mapped[str] = mapped_column(String(40), nullable=False)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    linked_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")

    __table_args__ = (
        UniqueConstraint("system_id", "resource_code", name="uq_info_system_resource"),
        Index("ix_info_system_resource_code", "resource_code"),
    )


class InformationSystemChange(Base):
    """One change to a system's record: who, when, which fields from what to what."""

    __tablename__ = "info_system_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("info_system.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    reason: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)

    __table_args__ = (Index("ix_info_system_change_system_id", "system_id"),)


class SystemMetric(Base):
    """One day of one system's usage and resources, as monitoring reports it."""

    __tablename__ = "system_metric"

    system_id: Mapped[int] = mapped_column(ForeignKey("info_system.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    active_users: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    transactions: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # or API calls
    data_changes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    cpu_pct: Mapped[float] = mapped_column(Float, nullable=False, default=0)
    memory_pct: Mapped[float] = mapped_column(Float, nullable=False, default=0)
    storage_gb: Mapped[float] = mapped_column(Float, nullable=False, default=0)
    network_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    deployments: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    incidents: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class CensusReturn(Base):
    """A department's census return (普查填报): the uploaded file and the authority's review."""

    __tablename__ = "census_return"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    systems: Mapped[int] = mapped_column(Integer, nullable=False)
    created: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[ReturnStatus] = mapped_column(
        _enum(ReturnStatus, "census_return_status"), nullable=False
    )
    submitted_by: Mapped[str] = mapped_column(String(200), nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    review_note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class AuditRun(Base):
    """One run of the zombie audit, with the thresholds it used."""

    __tablename__ = "zombie_audit_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    as_of: Mapped[date] = mapped_column(Date, nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    systems: Mapped[int] = mapped_column(Integer, nullable=False)
    flagged: Mapped[int] = mapped_column(Integer, nullable=False)


class Assessment(Base):
    """A system's result in one run: a score per rule, the overall score, the TIME class,
    the evidence each rule used, and a plain-language explanation."""

    __tablename__ = "zombie_assessment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("zombie_audit_run.id"), nullable=False)
    system_id: Mapped[int] = mapped_column(ForeignKey("info_system.id"), nullable=False)
    scores: Mapped[dict[str, float]] = mapped_column(JSON, nullable=False)
    overall: Mapped[float] = mapped_column(Float, nullable=False)
    flagged_rules: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    time_class: Mapped[str] = mapped_column(String(1), nullable=False)  # T I M E
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    explanation_zh: Mapped[str] = mapped_column(Text, nullable=False, default="")
    explanation_en: Mapped[str] = mapped_column(Text, nullable=False, default="")

    __table_args__ = (
        Index("ix_zombie_assessment_run_id", "run_id"),
        Index("ix_zombie_assessment_system_id", "system_id"),
    )


class ZombieCase(Base):
    """A flagged system worked to its end: confirmed or dismissed by the authority, perhaps
    deferred at the department's request, then retired along a retirement plan."""

    __tablename__ = "zombie_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("info_system.id"), nullable=False)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("zombie_assessment.id"), nullable=False)
    status: Mapped[CaseStatus] = mapped_column(
        _enum(CaseStatus, "zombie_case_status"), nullable=False
    )
    rules: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    deadline: Mapped[date | None] = mapped_column(Date)
    deferral_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    deferral_until: Mapped[date | None] = mapped_column(Date)
    switch_off_date: Mapped[date | None] = mapped_column(Date)
    data_destination: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    archive: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )

    __table_args__ = (
        Index("ix_zombie_case_system_id", "system_id"),
        Index("ix_zombie_case_status", "status"),
    )


class IntegrationItem(Base):
    """A row of a department's integration & sharing list (整合共享清单)."""

    __tablename__ = "integration_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False)
    system_id: Mapped[int] = mapped_column(ForeignKey("info_system.id"), nullable=False)
    action: Mapped[IntegrationAction] = mapped_column(
        _enum(IntegrationAction, "integration_action"), nullable=False
    )
    target_system_id: Mapped[int | None] = mapped_column(ForeignKey("info_system.id"))
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[PlanStatus] = mapped_column(
        _enum(PlanStatus, "integration_status"), nullable=False
    )
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    __table_args__ = (
        UniqueConstraint("system_id", "action", name="uq_integration_item_system_action"),
        Index("ix_integration_item_department_id", "department_id"),
    )


class NetworkMigration(Base):
    """Moving a system off a dedicated business network onto the intranet or extranet."""

    __tablename__ = "network_migration"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system_id: Mapped[int] = mapped_column(
        ForeignKey("info_system.id"), nullable=False, unique=True
    )
    from_network: Mapped[str] = mapped_column(String(100), nullable=False)
    target: Mapped[Network] = mapped_column(_enum(Network, "migration_target"), nullable=False)
    target_date: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[PlanStatus] = mapped_column(
        _enum(PlanStatus, "migration_status"), nullable=False
    )
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
