"""共享校核: the cross-checks that keep the catalog authoritative.

Run on every save (shown, nothing refused) and on submit (errors refuse it; warnings do not).
Each finding names the field and says what is expected, in Chinese and English. Checks that
look at other providers' entries compare with what is published.

`CheckContext` loads what the cross-provider checks need once, so an import of thousands of
rows asks the database a few times, not a few times per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.catalog.elements import DataElement, find_element
from govshare.catalog.models import CatalogResource, ResourceItem, ResourceVersion
from govshare.catalog.vocab import CatalogKind, ShareType, VersionStatus, label
from govshare.orgs.models import Department

ERROR, WARNING = "error", "warning"
LIVE_STATUSES = (
    VersionStatus.DRAFT,
    VersionStatus.SUBMITTED,
    VersionStatus.RETURNED,
    VersionStatus.PUBLISHED,
)


@dataclass(frozen=True)
class Finding:
    level: str
    code: str
    field: str | None
    message: str
    message_zh: str

    def localized(self, language: str) -> str:
        return self.message_zh if language == "zh" else self.message

    def out(self, language: str = "en") -> dict[str, Any]:
        return {
            "level": self.level,
            "code": self.code,
            "field": self.field,
            "message": self.localized(language),
        }


@dataclass(frozen=True)
class PublishedItem:
    provider_id: int
    provider_name: str
    resource_code: str
    data_type: str
    length: int | None
    is_source: bool


@dataclass
class CheckContext:
    """Published items by name and live resource names by provider, loaded on demand."""

    session: Session
    items: dict[str, list[PublishedItem]] = field(default_factory=dict)
    names: dict[tuple[int, str], set[int]] = field(default_factory=dict)
    _loaded_providers: set[int] = field(default_factory=set)

    def prepare(self, item_names: Iterable[str], provider_ids: Iterable[int]) -> None:
        self._load_items({n for n in item_names if n not in self.items})
        self._load_names(set(provider_ids) - self._loaded_providers)

    def _load_items(self, wanted: set[str]) -> None:
        found: dict[str, list[PublishedItem]] = defaultdict(list)
        names = sorted(wanted)
        for start in range(0, len(names), 500):
            rows = self.session.execute(
                select(
                    ResourceItem.name,
                    ResourceItem.data_type,
                    ResourceItem.length,
                    ResourceItem.is_source,
                    CatalogResource.provider_id,
                    CatalogResource.code,
                    Department.name,
                )
                .join(ResourceVersion, ResourceVersion.id == ResourceItem.version_id)
                .join(CatalogResource, CatalogResource.published_version_id == ResourceVersion.id)
                .join(Department, Department.id == CatalogResource.provider_id)
                .where(ResourceItem.name.in_(names[start : start + 500]))
            ).all()
            for name, data_type, length, is_source, provider_id, code, provider_name in rows:
                found[name].append(
                    PublishedItem(
                        provider_id, provider_name, code, data_type.value, length, is_source
                    )
                )
        for name in wanted:
            self.items[name] = found.get(name, [])

    def _load_names(self, providers: set[int]) -> None:
        if not providers:
            return
        rows = self.session.execute(
            select(CatalogResource.provider_id, ResourceVersion.name, CatalogResource.id)
            .join(ResourceVersion, ResourceVersion.resource_id == CatalogResource.id)
            .where(
                CatalogResource.provider_id.in_(providers),
                ResourceVersion.status.in_(LIVE_STATUSES),
            )
        ).all()
        for provider_id, name, resource_id in rows:
            self.names.setdefault((provider_id, name), set()).add(resource_id)
        self._loaded_providers |= providers


def _f(level: str, code: str, field: str | None, en: str, zh: str) -> Finding:
    return Finding(level, code, field, en, zh)


MANDATORY = (
    ("name", "信息资源名称"),
    ("summary", "信息资源摘要"),
    ("class_code", "信息资源分类"),
    ("format", "信息资源格式"),
    ("share_type", "共享类型"),
    ("update_cycle", "更新周期"),
)


def _mandatory(v: ResourceVersion) -> list[Finding]:
    found = [
        _f(ERROR, "mandatory", name, f"{name} is mandatory", f"{zh}为必填项")
        for name, zh in MANDATORY
        if getattr(v, name) in (None, "")
    ]
    if not v.items:
        found.append(
            _f(
                ERROR,
                "mandatory",
                "items",
                "at least one information item is required",
                "至少需要填写一个信息项",
            )
        )
    return found


def _conditions(v: ResourceVersion) -> list[Finding]:
    found = []
    conditions, basis = (v.share_conditions or "").strip(), (v.share_basis or "").strip()
    if v.share_type == ShareType.CONDITIONAL and not conditions:
        found.append(
            _f(
                ERROR,
                "conditions_missing",
                "share_conditions",
                "a conditional resource must state its sharing conditions",
                "有条件共享的资源必须填写共享条件",
            )
        )
    if v.share_type == ShareType.UNCONDITIONAL and conditions:
        found.append(
            _f(
                ERROR,
                "conditions_unexpected",
                "share_conditions",
                "an unconditional resource must not carry sharing conditions; "
                "make it conditional or clear the conditions",
                "无条件共享的资源不得附加共享条件；请改为有条件共享或清空共享条件",
            )
        )
    if v.share_type == ShareType.NOT_SHARED and not basis:
        found.append(
            _f(
                ERROR,
                "basis_missing",
                "share_basis",
                "a not-shared resource must cite its basis in law, regulation or national policy",
                "不予共享的资源必须注明法律、行政法规或国家政策依据",
            )
        )
    if v.open and not (v.open_conditions or "").strip():
        found.append(
            _f(
                ERROR,
                "open_conditions_missing",
                "open_conditions",
                "a resource open to the public must state its open conditions",
                "向社会开放的资源必须填写开放条件",
            )
        )
    if not v.open and (v.open_conditions or "").strip():
        found.append(
            _f(
                WARNING,
                "open_conditions_unused",
                "open_conditions",
                "open conditions are given but the resource is not open to the public",
                "资源不向社会开放，但填写了开放条件",
            )
        )
    if v.catalog == CatalogKind.BASE and v.share_type not in (None, ShareType.UNCONDITIONAL):
        found.append(
            _f(
                ERROR,
                "base_unconditional",
                "share_type",
                "base resources share their base items unconditionally; set the sharing type "
                "to unconditional",
                f"基础信息资源的基础信息项应无条件共享，当前为{label(v.share_type)}",
            )
        )
    return found


def _element_use(item: ResourceItem, n: int, element: DataElement | None) -> list[Finding]:
    where = f"items[{n}]"
    if element is None:
        if item.element_code:
            return [
                _f(
                    WARNING,
                    "element_unknown",
                    f"{where}.element_code",
                    f"item {item.name}: data element {item.element_code} is not in the standard",
                    f"信息项“{item.name}”：数据元 {item.element_code} 不在标准中",
                )
            ]
        return []
    found = []
    if item.element_code != element.code:
        found.append(
            _f(
                WARNING,
                "element_unused",
                f"{where}.element_code",
                f"item {item.name} matches standard data element {element.code} {element.name}; use it",
                f"信息项“{item.name}”对应标准数据元 {element.code} {element.name}，请引用该数据元",
            )
        )
    if item.data_type != element.data_type or (element.length and item.length != element.length):
        found.append(
            _f(
                WARNING,
                "element_mismatch",
                f"{where}.data_type",
                f"item {item.name}: the standard says {element.data_type.value}({element.length}), "
                f"not {item.data_type.value}({item.length})",
                f"信息项“{item.name}”：标准为 {label(element.data_type)}({element.length})，"
                f"此处为 {label(item.data_type)}({item.length})",
            )
        )
    return found


def _across_providers(
    item: ResourceItem, n: int, provider_id: int, ctx: CheckContext, element: DataElement | None
) -> list[Finding]:
    found = []
    where = f"items[{n}]"
    others = [p for p in ctx.items.get(item.name, []) if p.provider_id != provider_id]
    differing = next(
        (p for p in others if (p.data_type, p.length) != (item.data_type.value, item.length)), None
    )
    if differing is not None:
        found.append(
            _f(
                WARNING,
                "item_inconsistent",
                where,
                f"item {item.name} is described as {differing.data_type}({differing.length}) by "
                f"{differing.provider_name} ({differing.resource_code}); describe the same data the same way",
                f"信息项“{item.name}”在{differing.provider_name}（{differing.resource_code}）中描述为 "
                f"{label_type(differing.data_type)}({differing.length})，同一数据应采用相同描述",
            )
        )
    if item.is_source and element is not None and element.base:
        rival = next((p for p in others if p.is_source), None)
        if rival is not None:
            found.append(
                _f(
                    ERROR,
                    "source_claimed_twice",
                    f"{where}.is_source",
                    f"{rival.provider_name} already claims to be the source of base item {item.name} "
                    f"({rival.resource_code}); one base item has one collecting department",
                    f"{rival.provider_name}已声明为基础信息项“{item.name}”的采集源头（{rival.resource_code}），"
                    "同一基础信息项只能有一个源头部门",
                )
            )
    return found


def label_type(value: str) -> str:
    from govshare.catalog.vocab import DataType

    return label(DataType(value))


def _items(v: ResourceVersion, provider_id: int, ctx: CheckContext) -> list[Finding]:
    found: list[Finding] = []
    seen: set[str] = set()
    for n, item in enumerate(v.items):
        if item.name in seen:
            found.append(
                _f(
                    ERROR,
                    "item_duplicate",
                    f"items[{n}].name",
                    f"item {item.name} is listed twice",
                    f"信息项“{item.name}”重复",
                )
            )
        seen.add(item.name)
        element = find_element(ctx.session, item.name) or (
            find_element(ctx.session, item.element_code) if item.element_code else None
        )
        found += _element_use(item, n, element)
        found += _across_providers(item, n, provider_id, ctx, element)
    return found


def _duplicate_name(
    v: ResourceVersion, provider_id: int, resource_id: int | None, ctx: CheckContext
) -> list[Finding]:
    clash = ctx.names.get((provider_id, v.name), set()) - {resource_id}
    if not v.name or not clash:
        return []
    return [
        _f(
            ERROR,
            "name_duplicate",
            "name",
            f"this provider already has a resource named {v.name}; names are unique within a provider",
            f"本提供方已有名为“{v.name}”的信息资源，同一提供方内名称不得重复",
        )
    ]


def check_version(
    v: ResourceVersion, provider_id: int, resource_id: int | None, ctx: CheckContext
) -> list[Finding]:
    """Every finding for one version of a resource, errors first."""
    ctx.prepare((i.name for i in v.items), (provider_id,))
    found = (
        _mandatory(v)
        + _conditions(v)
        + _items(v, provider_id, ctx)
        + _duplicate_name(v, provider_id, resource_id, ctx)
    )
    return sorted(found, key=lambda f: f.level != ERROR)


def errors(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == ERROR]
