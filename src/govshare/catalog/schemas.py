"""Pydantic shapes of the catalog API. Field descriptions carry the guide's Chinese names."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

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


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="信息项名称")
    data_type: DataType = Field(DataType.STRING, description="数据类型")
    length: int | None = Field(None, ge=1, le=1_000_000, description="数据长度")
    element_code: str = Field("", max_length=40, description="标准数据元标识符")
    is_source: bool = Field(False, description="本部门为该信息项的采集源头")


class ItemOut(ItemIn):
    model_config = ConfigDict(from_attributes=True)


class ResourceIn(BaseModel):
    """What a data officer fills in: the core metadata of the guide plus census figures."""

    catalog: CatalogKind = Field(CatalogKind.DEPARTMENT, description="所属目录：基础/主题/部门")
    class_code: str | None = Field(
        None,
        max_length=20,
        pattern=r"^[0-9]+$",
        description="信息资源分类（类/项/目/细目代码）；部门目录可省略",
    )
    name: str = Field("", max_length=200, description="信息资源名称")
    provider_id: int | None = Field(None, description="信息资源提供方（部门 id）；默认为本部门")
    provider_code: str = Field("", max_length=40, description="提供方代码；默认为统一社会信用代码")
    summary: str = Field("", max_length=4000, description="信息资源摘要")
    format: ResourceFormat | None = Field(None, description="信息资源格式")
    format_detail: str = Field("", max_length=100, description="格式细分，如 电子表格、XLSX")
    share_type: ShareType | None = Field(None, description="共享类型")
    share_conditions: str = Field("", max_length=2000, description="共享条件")
    share_basis: str = Field("", max_length=2000, description="不予共享的法律、行政法规或政策依据")
    share_mode: ShareMode | None = Field(None, description="共享方式分类")
    share_method: ResourceFormat | None = Field(None, description="共享方式类型：数据库/文件/接口")
    open: bool = Field(False, description="是否向社会开放")
    open_conditions: str = Field("", max_length=2000, description="开放条件")
    update_cycle: UpdateCycle | None = Field(None, description="更新周期")
    published_on: date | None = Field(None, description="发布日期；默认为审核发布当日")
    related_codes: list[str] = Field(
        default_factory=list, max_length=50, description="关联资源代码"
    )
    system_name: str = Field("", max_length=200, description="来源信息系统名称")
    network: Network | None = Field(None, description="部署网络")
    vertical: bool = Field(False, description="是否垂直管理")
    stored_gb: float = Field(0, ge=0, description="存储总量（GB）")
    stored_records: int = Field(0, ge=0, description="结构化记录总数")
    shared_gb: float = Field(0, ge=0, description="共享数据量（GB）")
    shared_records: int = Field(0, ge=0, description="共享记录数")
    opened_gb: float = Field(0, ge=0, description="开放数据量（GB）")
    opened_records: int = Field(0, ge=0, description="开放记录数")
    items: list[ItemIn] = Field(default_factory=list, max_length=2000, description="信息项")


VERSION_FIELDS = tuple(
    name for name in ResourceIn.model_fields if name not in ("provider_id", "items")
)


class FindingOut(BaseModel):
    level: str = Field(description="error blocks submission; warning does not")
    code: str
    field: str | None
    message: str


class VersionOut(ResourceIn):
    model_config = ConfigDict(from_attributes=True)
    id: int
    number: int
    status: VersionStatus
    review_note: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    reviewed_at: datetime | None
    reviewed_by: str
    items: list[ItemOut]  # type: ignore[assignment]


class ResourceOut(BaseModel):
    id: int
    code: str = Field(description="信息资源代码 前段码/后段码")
    provider_id: int
    provider_name: str
    region_code: str
    stale: bool = Field(description="来源变更后超过更新时限未更新")
    published: VersionOut | None
    working: VersionOut | None
    findings: list[FindingOut] = Field(default_factory=list)


class ReviewIn(BaseModel):
    note: str = Field("", max_length=2000, description="审核意见；退回时必填")


class SearchHit(BaseModel):
    id: int
    code: str
    name: str
    name_html: str = Field(description="name with matches wrapped in <mark>")
    summary_html: str
    provider_id: int
    provider_name: str
    catalog: CatalogKind
    class_code: str
    share_type: ShareType
    open: bool
    format: ResourceFormat | None
    update_cycle: UpdateCycle | None
    item_count: int
    published_at: datetime | None
    stale: bool


class FacetValue(BaseModel):
    value: str
    label: str
    count: int


class SearchOut(BaseModel):
    query: str
    terms: list[list[str]] = Field(description="each word of the query with its synonyms")
    total: int
    limit: int
    offset: int
    items: list[SearchHit]
    facets: dict[str, list[FacetValue]]


class SearchTermIn(BaseModel):
    expansions: list[str] = Field(min_length=1, max_length=20, description="同义词、全称")
    active: bool = True


class SearchTermOut(SearchTermIn):
    term: str
    origin: str = Field(description="seed (shipped) or edited")
