"""One open dataset's public metadata, built once and rendered by the pages, the REST API,
CKAN, DCAT and the Data Package. Only open things appear: related resources are filtered
through visibility, de-identified items say how they were treated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogClass, CatalogResource, ResourceVersion
from govshare.catalog.vocab import VersionStatus, label
from govshare.exchange import datasets
from govshare.opendata import deidentify
from govshare.opendata.models import Access, Release
from govshare.opendata.portal_search import quality_band
from govshare.opendata.rows import OpenData, open_data
from govshare.opendata.visibility import open_clause, slug
from govshare.orgs.models import Department

LICENCES = {
    "CC-BY-4.0": (
        "知识共享署名 4.0 国际",
        "Creative Commons Attribution 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    )
}
DOWNLOAD_FORMATS = ("csv", "xlsx", "json", "parquet")


@dataclass
class Meta:
    resource: CatalogResource
    version: ResourceVersion
    provider: Department
    release: Release
    class_name: str
    data: OpenData | None
    rules: dict[str, deidentify.ItemRule] = field(default_factory=dict)
    related: list[CatalogResource] = field(default_factory=list)

    @property
    def name(self) -> str:
        return slug(self.resource.code)

    @property
    def licence(self) -> tuple[str, str, str, str]:
        key = self.release.licence
        zh, en, url = LICENCES.get(key, (key, key, ""))
        return key, zh, en, url

    @property
    def modified(self) -> datetime | None:
        loaded = self.data.live.version.finished_at if self.data else None
        published = self.resource.published_at
        return max((d for d in (loaded, published) if d is not None), default=None)

    @property
    def issued(self) -> date | None:
        return self.version.published_on or (
            self.resource.first_published_at.date() if self.resource.first_published_at else None
        )

    @property
    def quality_score(self) -> float | None:
        return self.data.live.version.quality_score if self.data else None

    @property
    def rows(self) -> int:
        return self.data.live.version.rows_live if self.data else 0

    def items(self) -> list[dict[str, Any]]:
        rules = self.data.plan.rules if self.data else self.rules
        return [
            {
                "name": i.name,
                "data_type": i.data_type.value,
                "length": i.length,
                "element_code": i.element_code,
                "deidentified": rules[i.name].method.value if i.name in rules else None,
            }
            for i in self.version.items
        ]

    def as_dict(self, base_url: str) -> dict[str, Any]:
        v, r = self.version, self.resource
        key, zh, en, url = self.licence
        return {
            "name": self.name,
            "code": r.code,
            "title": v.name,
            "summary": v.summary,
            "provider": {"id": self.provider.id, "name": self.provider.name, "uscc": self.provider.uscc},
            "region": r.region_code,
            "catalog": v.catalog.value,
            "class_code": v.class_code,
            "class_name": self.class_name,
            "format": v.format.value if v.format else None,
            "update_cycle": v.update_cycle.value if v.update_cycle else None,
            "open_conditions": v.open_conditions,
            "access": self.release.access.value,
            "licence": {"id": key, "title_zh": zh, "title_en": en, "url": url},
            "issued": self.issued.isoformat() if self.issued else None,
            "modified": self.modified.isoformat() if self.modified else None,
            "version": v.number,
            "items": self.items(),
            "quality": {"score": self.quality_score, "band": quality_band(self.quality_score)},
            "rows": self.rows,
            "related": [slug(x.code) for x in self.related],
            "links": {fmt: f"{base_url}/open/datasets/{self.name}/download.{fmt}" for fmt in DOWNLOAD_FORMATS}
            if self.data
            else {},
            "page": f"{base_url}/open/datasets/{self.name}",
        }


def release_of(session: Session, resource: CatalogResource) -> Release:
    """The resource's release settings; defaults (open access, not featured) when none are stored."""
    return session.get(Release, resource.id) or default_release(resource)


def default_release(resource: CatalogResource) -> Release:
    return Release(resource_id=resource.id, access=Access.OPEN, featured=False, licence="CC-BY-4.0")


def related(session: Session, version: ResourceVersion) -> list[CatalogResource]:
    codes = [c for c in (version.related_codes or []) if isinstance(c, str)][:50]
    if not codes:
        return []
    return list(session.scalars(select(CatalogResource).where(CatalogResource.code.in_(codes), open_clause())))


def build(session: Session, resource: CatalogResource, with_data: bool = True) -> Meta:
    return build_many(session, [resource], with_data)[0]


def build_many(session: Session, resources: list[CatalogResource], with_data: bool = True) -> list[Meta]:
    """Metas of several resources with their providers, class names and rules read once."""
    if not resources:
        return []
    versions = [r.published_version for r in resources]
    assert all(v is not None for v in versions)
    providers = {
        d.id: d
        for d in session.scalars(select(Department).where(Department.id.in_({r.provider_id for r in resources})))
    }
    classes = dict(
        session.execute(
            select(CatalogClass.code, CatalogClass.name).where(CatalogClass.code.in_({v.class_code for v in versions}))
        ).all()
    )
    ids = [r.id for r in resources]
    rules = deidentify.rules_for_many(session, ids)
    lives = datasets.live_many(session, ids) if with_data else {}
    stored = {x.resource_id: x for x in session.scalars(select(Release).where(Release.resource_id.in_(ids)))}
    return [
        Meta(
            r,
            v,
            providers[r.provider_id],
            stored.get(r.id) or default_release(r),
            classes.get(v.class_code, ""),
            open_data(session, r, rules[r.id], lives.get(r.id)) if with_data else None,
            rules[r.id],
            related(session, v),
        )
        for r, v in zip(resources, versions, strict=True)
    ]


def history(session: Session, resource: CatalogResource) -> list[dict[str, Any]]:
    """Published metadata versions, newest first (drafts never show)."""
    versions = session.scalars(
        select(ResourceVersion)
        .where(
            ResourceVersion.resource_id == resource.id,
            ResourceVersion.status.in_((VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)),
        )
        .order_by(ResourceVersion.number.desc())
    )
    return [
        {"number": v.number, "reviewed_at": v.reviewed_at, "published_on": v.published_on, "status": v.status.value}
        for v in versions
    ]


def cycle_label(resource: CatalogResource, lang: str) -> str:
    return label(resource.update_cycle, lang) if resource.update_cycle else ""
