"""Request and answer shapes of the systems API. Field descriptions carry the Chinese names
used on the census form."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from govshare.systems.models import (
    CaseStatus,
    Frequency,
    IntegrationAction,
    Lifecycle,
    Network,
    PlanStatus,
)


class SystemIn(BaseModel):
    department_id: int = Field(description="所属部门")
    code: str | None = Field(None, max_length=40, description="系统编号（空则自动生成）")
    name: str = Field(min_length=1, max_length=200, description="系统名称")
    function: str = Field(min_length=1, max_length=4000, description="主要功能")
    users: int = Field(0, ge=0, description="使用范围：用户数")
    scope_departments: int = Field(1, ge=0, description="使用范围：部门数")
    scope_regions: str = Field("", max_length=200, description="使用范围：地区")
    frequency: Frequency = Field(Frequency.DAILY, description="使用频度")
    approving_department: str = Field("", max_length=200, description="审批部门")
    approval_date: date | None = Field(None, description="审批时间")
    funding_source: str = Field("", max_length=100, description="资金来源")
    builder: str = Field("", max_length=200, description="建设单位")
    contractor: str = Field("", max_length=200, description="承建单位")
    om_unit: str = Field("", max_length=200, description="运维单位")
    om_contract_expiry: date | None = Field(None, description="运维合同到期日")
    build_cost: float | None = Field(None, ge=0, description="建设投资（万元）")
    om_cost_yearly: float | None = Field(None, ge=0, description="年运维费用（万元）")
    network: Network = Field(description="部署网络")
    dedicated_network: str = Field("", max_length=100, description="业务专网名称")
    mlps_level: int | None = Field(None, ge=1, le=5, description="等保级别")
    hosting: str = Field("", max_length=100, description="部署方式")
    state: Lifecycle = Field(Lifecycle.IN_USE, description="生命周期状态")
    business_retired: bool = Field(False, description="所服务业务已撤销")
    linked_codes: list[str] = Field(default_factory=list, description="关联系统编号")
    resource_codes: list[str] = Field(
        default_factory=list, description="持有的目录信息资源代码（须为目录中的资源）"
    )


class SystemUpdate(BaseModel):
    """Any subset of the audit fields, with the reason for the change (kept in the history).
    Whether the system is connected to the exchange is derived, not set (exchange_link)."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field("", max_length=200, description="变更原因")
    name: str | None = Field(None, min_length=1, max_length=200)
    function: str | None = Field(None, min_length=1, max_length=4000)
    users: int | None = Field(None, ge=0)
    scope_departments: int | None = Field(None, ge=0)
    scope_regions: str | None = Field(None, max_length=200)
    frequency: Frequency | None = None
    approving_department: str | None = Field(None, max_length=200)
    approval_date: date | None = None
    funding_source: str | None = Field(None, max_length=100)
    builder: str | None = Field(None, max_length=200)
    contractor: str | None = Field(None, max_length=200)
    om_unit: str | None = Field(None, max_length=200)
    om_contract_expiry: date | None = None
    build_cost: float | None = Field(None, ge=0)
    om_cost_yearly: float | None = Field(None, ge=0)
    network: Network | None = None
    dedicated_network: str | None = Field(None, max_length=100)
    mlps_level: int | None = Field(None, ge=1, le=5)
    hosting: str | None = Field(None, max_length=100)
    state: Lifecycle | None = None
    business_retired: bool | None = None
    resource_codes: list[str] | None = None
    linked_codes: list[str] | None = None


class SystemOut(SystemIn):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str  # type: ignore[assignment]
    exchange_connected: bool = Field(
        False, description="已接入共享交换平台（由持有资源在交换平台上的数据集或接口推导）"
    )


class IntegrationEdit(BaseModel):
    """Change a row of the integration list: target, deadline, progress, status, note."""

    model_config = ConfigDict(extra="forbid")
    target_system_id: int | None = None
    deadline: date | None = None
    progress: int | None = Field(None, ge=0, le=100)
    status: PlanStatus | None = None
    note: str | None = Field(None, max_length=2000)


class MigrationEdit(BaseModel):
    """Change a network migration: target network, date, status, note."""

    model_config = ConfigDict(extra="forbid")
    target: Network | None = None
    target_date: date | None = None
    status: PlanStatus | None = None
    note: str | None = Field(None, max_length=2000)


class MetricIn(BaseModel):
    system_code: str = Field(description="系统编号")
    day: date
    active_users: int = 0
    logins: int = 0
    transactions: int = Field(0, description="业务量或接口调用次数")
    data_changes: int = 0
    cpu_pct: float = 0
    memory_pct: float = 0
    storage_gb: float = 0
    network_bytes: int = 0
    deployments: int = 0
    incidents: int = 0


class MetricsPush(BaseModel):
    metrics: list[MetricIn] = Field(max_length=100_000)


class DecisionIn(BaseModel):
    decision: str = Field(pattern="^(confirm|dismiss)$")
    reason: str = Field(min_length=2, max_length=2000)
    deadline: date | None = None


class DeferralIn(BaseModel):
    reason: str = Field(min_length=2, max_length=2000)
    until: date


class DeferralDecisionIn(BaseModel):
    grant: bool
    reason: str = Field(min_length=2, max_length=2000)


class RetirementPlanIn(BaseModel):
    switch_off_date: date
    data_destination: str = Field(min_length=2, max_length=300, description="数据去向")
    archive: str = Field(min_length=2, max_length=300, description="归档位置")


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    system_id: int
    status: CaseStatus
    rules: list[str]
    reason: str
    deadline: date | None
    deferral_reason: str
    deferral_until: date | None
    switch_off_date: date | None
    data_destination: str
    archive: str
    history: list[dict[str, Any]]


class IntegrationIn(BaseModel):
    system_id: int
    action: IntegrationAction
    target_system_id: int | None = None
    deadline: date
    note: str = Field("", max_length=2000)


class ProgressIn(BaseModel):
    progress: int = Field(ge=0, le=100)
    status: PlanStatus | None = None
    note: str | None = Field(None, max_length=2000)


class MigrationIn(BaseModel):
    system_id: int
    target: Network
    target_date: date
    note: str = Field("", max_length=2000)


class MigrationStatusIn(BaseModel):
    status: PlanStatus
    note: str | None = Field(None, max_length=2000)
