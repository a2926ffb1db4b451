"""Pydantic shapes of the exchange API. Descriptions carry the rules' Chinese names."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from govshare.exchange.models import GatePolicy, ObjectionStatus, RequestKind

Purpose = Field(min_length=2, max_length=500, description="用途：本次调用服务的履职事项")


class RequestIn(BaseModel):
    resource_id: int
    kind: RequestKind = Field(RequestKind.ACCESS, description="access 共享申请 / coordination 提请协调")
    purpose: str = Field(min_length=2, max_length=500, description="用途")
    scenario: str = Field(min_length=2, max_length=500, description="应用场景")
    legal_basis: str = Field("", max_length=2000, description="依据（法律、法规、政策或职责）")
    items: list[str] = Field(default_factory=list, max_length=500, description="所需信息项；空表示全部")
    operations: list[str] = Field(default_factory=list, max_length=10,
                                  description="query/verify/download/feed/subscribe/call；空表示全部")
    row_filter: dict[str, Any] = Field(default_factory=dict, description="数据范围（行筛选条件）")
    starts_on: date | None = Field(None, description="使用期限起")
    ends_on: date | None = Field(None, description="使用期限止")
    client_id: int | None = Field(None, description="调用数据的接入应用；空表示本部门任一接入应用")


class ApproveIn(BaseModel):
    items: list[str] | None = Field(None, max_length=500, description="同意的信息项（可少于申请）")
    masked_items: list[str] = Field(default_factory=list, max_length=500, description="脱敏后提供的信息项")
    operations: list[str] | None = Field(None, max_length=10)
    row_filter: dict[str, Any] | None = Field(None, description="附加的数据范围限制")
    ends_on: date | None = None
    note: str = Field("", max_length=2000, description="答复说明；部分同意时必填")


class RefuseIn(BaseModel):
    reasons: str = Field(min_length=1, max_length=2000, description="拒绝理由（必填）")


class EscalateIn(BaseModel):
    reason: str = Field(min_length=2, max_length=2000, description="提请协调的理由及依据")


class RevokeIn(BaseModel):
    reason: str = Field(min_length=2, max_length=2000, description="撤销理由")


class DatasetIn(BaseModel):
    key_items: list[str] | None = Field(None, max_length=10, description="主键信息项")
    gate: GatePolicy | None = Field(None, description="质量门：key_errors / score / both")
    min_score: float | None = Field(None, ge=0, le=100, description="质量得分阈值")
    endpoint_url: str | None = Field(None, max_length=500, description="接口资源的服务地址")


class QueryIn(BaseModel):
    purpose: str = Purpose
    filter: dict[str, Any] = Field(default_factory=dict, description="按信息项筛选：值、{in:[…]}、{gte:…, lte:…}")
    items: list[str] = Field(default_factory=list, max_length=500, description="返回的信息项；空表示授权的全部")
    limit: int = Field(50, ge=1, le=10_000)
    offset: int = Field(0, ge=0, le=10_000_000)


class VerifyIn(BaseModel):
    purpose: str = Purpose
    values: dict[str, Any] = Field(min_length=1, max_length=50, description="待核验的值：信息项 → 值，须含主键信息项")


class CallIn(BaseModel):
    purpose: str = Purpose
    body: dict[str, Any] = Field(default_factory=dict, description="转发给接口资源的请求体")


class SubscriptionIn(BaseModel):
    resource_id: int
    url: str = Field(min_length=8, max_length=500, description="接收推送的 https 地址")
    purpose: str = Purpose


class ObjectionIn(BaseModel):
    resource_id: int
    key: dict[str, Any] = Field(min_length=1, max_length=10, description="有疑义的记录的主键值")
    item: str = Field(min_length=1, max_length=100, description="有疑义的信息项")
    claim: str = Field(min_length=2, max_length=2000, description="疑义说明")


class ObjectionAnswerIn(BaseModel):
    status: Literal[ObjectionStatus.CORRECTED, ObjectionStatus.EXPLAINED]
    answer: str = Field(min_length=2, max_length=2000)


class LimitIn(BaseModel):
    calls_per_minute: int = Field(ge=1, le=1_000_000)
    rows_per_day: int = Field(ge=1, le=1_000_000_000)
    rows_per_call: int = Field(ge=1, le=100_000)
