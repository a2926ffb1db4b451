"""Search of the open datasets: the catalog's Chinese full text (jieba tokens, synonyms, the
backend's FTS index — govshare.catalog.search/fulltext) restricted by visibility.open_clause,
with the portal's own facets (department, domain, catalog, format, update cycle, region,
quality band) and sorts. Pages, the REST API and CKAN's package_search all call `search`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, String, case, cast, column, func, literal, select, text, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from govshare.catalog import fulltext, segment
from govshare.catalog.models import CatalogClass, CatalogResource
from govshare.catalog.search import parse_query
from govshare.catalog.vocab import CatalogKind, ResourceFormat, UpdateCycle, label
from govshare.core.errors import InvalidInput
from govshare.exchange.models import Dataset, DatasetVersion
from govshare.opendata.models import Release, UsageDay
from govshare.opendata.visibility import open_clause
from govshare.orgs.models import Department

FACETS = ("department", "domain", "catalog", "format", "update_cycle", "region", "quality")
SORTS = ("relevance", "newest", "name", "popular")
MAX_ROWS = 1000
MAX_START = 100_000
MAX_VALUES = 20
BANDS = (("A", 90), ("B", 75), ("C", 60), ("D", 0))
BAND_LABELS = {
    "A": ("优（≥90）", "excellent (≥90)"),
    "B": ("良（75–90）", "good (75–90)"),
    "C": ("中（60–75）", "fair (60–75)"),
    "D": ("差（<60）", "poor (<60)"),
    "none": ("暂无数据", "no data yet"),
}


@dataclass
class Hit:
    resource: CatalogResource
    score: float | None
    quality: str


@dataclass
class Result:
    total: int
    hits: list[Hit]
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    terms: list[list[str]] = field(default_factory=list)


def quality_band(score: float | None) -> str:
    if score is None:
        return "none"
    return next(band for band, floor in BANDS if score >= floor)


def _base(session: Session, terms: list[list[str]]):  # type: ignore[no-untyped-def]
    r = CatalogResource
    score = DatasetVersion.quality_score
    band = case(*[(score >= floor, band) for band, floor in BANDS], else_="none")
    cols = [
        r.id,
        r.code,
        r.name,
        r.provider_id,
        r.region_code,
        r.catalog,
        r.class_code,
        r.format,
        r.update_cycle,
        r.published_at,
        score.label("quality_score"),
        band.label("quality"),
        func.substr(r.class_code, 1, 3).label("domain"),
    ]
    query = (
        select(*cols)
        .outerjoin(Dataset, Dataset.resource_id == r.id)
        .outerjoin(DatasetVersion, DatasetVersion.id == Dataset.live_version_id)
        .where(open_clause())
    )
    if not terms:
        return query.add_columns(literal(0.0).label("rank"))
    matched, in_name = _match(session, terms), _match(session, terms, in_name=True)
    # Relevance as the catalog ranks it: the name has the words first, then the rest.
    rank = case((r.id.in_(_id_set(session, in_name)), 1.0), else_=0.0)
    return query.where(r.id.in_(_id_set(session, matched))).add_columns(rank.label("rank"))


def _match(session: Session, terms: list[list[str]], in_name: bool = False) -> list[int]:
    """Ids matching every word, through the catalog's full-text index (fulltext.match_sql
    answers one comma-separated text)."""
    dialect = session.get_bind().dialect.name
    tokens = [[segment.word_tokens(alt) for alt in group] for group in terms]
    found = session.execute(
        text(fulltext.match_sql(dialect, in_name)), {"q": fulltext.query_text(dialect, tokens)}
    ).scalar()
    return [int(i) for i in found.split(",")] if found else []


def _id_set(session: Session, ids: list[int]):  # type: ignore[no-untyped-def]
    """A subquery of ids, one bound parameter whatever their number (no limit on variables)."""
    if session.get_bind().dialect.name == "postgresql":
        return select(func.unnest(cast(literal(ids, ARRAY(Integer)), ARRAY(Integer)))).scalar_subquery()
    return select(column("value", Integer)).select_from(func.json_each(literal(json.dumps(ids)))).scalar_subquery()


_FACET_COLUMN = {
    "department": "provider_id",
    "domain": "domain",
    "catalog": "catalog",
    "format": "format",
    "update_cycle": "update_cycle",
    "region": "region_code",
    "quality": "quality",
}


def _check_filters(chosen: dict[str, list[str]]) -> None:
    for name, values in chosen.items():
        if name not in FACETS:
            raise InvalidInput(
                f"unknown facet {name[:40]!r}; expected one of {', '.join(FACETS)}",
                f"未知的分面“{name[:40]}”",
                field="facet",
            )
        if len(values) > MAX_VALUES or any(len(v) > 100 for v in values):
            raise InvalidInput(
                f"facet {name}: too many or too long values", f"分面 {name} 的取值过多或过长", field=name
            )


def search(
    session: Session,
    q: str = "",
    chosen: dict[str, list[str]] | None = None,
    sort: str | None = None,
    rows: int = 20,
    start: int = 0,
    lang: str = "zh",
    facets: bool = True,
) -> Result:
    chosen = {k: v for k, v in (chosen or {}).items() if v}
    _check_filters(chosen)
    if not 0 <= rows <= MAX_ROWS:
        raise InvalidInput(f"rows must be between 0 and {MAX_ROWS}", f"rows 应在 0 至 {MAX_ROWS} 之间", field="rows")
    if not 0 <= start <= MAX_START:
        raise InvalidInput(
            f"start must be between 0 and {MAX_START}", f"start 应在 0 至 {MAX_START} 之间", field="start"
        )
    terms = parse_query(session, q)
    sort = sort or ("relevance" if terms else "newest")
    if sort not in SORTS:
        raise InvalidInput(
            f"sort must be one of {', '.join(SORTS)}", f"排序方式应为 {'、'.join(SORTS)} 之一", field="sort"
        )
    if (q or "").strip() and not terms:  # only punctuation or operators: nothing to find
        return Result(0, [], {name: [] for name in FACETS} if facets else {})
    base = _base(session, terms).cte("f")
    filtered = select(base).where(*[cast(base.c[_FACET_COLUMN[k]], String).in_(v) for k, v in chosen.items()]).cte("g")
    total, counts = _facet_counts(session, filtered, facets)
    order = {
        "relevance": [filtered.c.rank.desc(), filtered.c.code],
        "newest": [filtered.c.published_at.desc(), filtered.c.code],
        "name": [filtered.c.name, filtered.c.code],
        "popular": [_popularity(filtered).desc(), filtered.c.code],
    }[sort]
    found = session.execute(
        select(filtered.c.id, filtered.c.rank, filtered.c.quality).order_by(*order).limit(rows).offset(start)
    ).all()
    resources = (
        {r.id: r for r in session.scalars(select(CatalogResource).where(CatalogResource.id.in_([f.id for f in found])))}
        if found
        else {}
    )
    hits = [Hit(resources[f.id], f.rank, f.quality) for f in found]
    return Result(total, hits, _labels(session, counts, lang) if facets else {}, terms)


def _popularity(filtered):  # type: ignore[no-untyped-def]
    return (
        select(func.coalesce(func.sum(UsageDay.views + UsageDay.downloads), 0))
        .where(UsageDay.resource_id == filtered.c.id)
        .scalar_subquery()
    )


def _facet_counts(session: Session, filtered, facets: bool) -> tuple[int, dict[str, dict[str, int]]]:  # type: ignore[no-untyped-def]
    parts = [
        select(literal("total").label("facet"), literal("").label("value"), func.count().label("n")).select_from(
            filtered
        )
    ]
    if facets:
        for name, col in _FACET_COLUMN.items():
            expr = cast(filtered.c[col], String)
            parts.append(select(literal(name), expr, func.count()).group_by(expr))
    total, counts = 0, {name: {} for name in FACETS}
    for facet, value, n in session.execute(union_all(*parts)).all():
        if facet == "total":
            total = n
        elif value not in (None, ""):
            counts[facet][str(value)] = n
    return total, counts


def _labels(session: Session, counts: dict[str, dict[str, int]], lang: str) -> dict[str, list[dict[str, Any]]]:
    departments = dict(session.execute(select(Department.id, Department.name)).all()) if counts["department"] else {}
    classes = dict(session.execute(select(CatalogClass.code, CatalogClass.name)).all())
    from govshare.orgs.models import Division

    regions = (
        dict(
            session.execute(select(Division.code, Division.name).where(Division.code.in_(list(counts["region"])))).all()
        )
        if counts["region"]
        else {}
    )
    enums = {"catalog": CatalogKind, "format": ResourceFormat, "update_cycle": UpdateCycle}

    def name(facet: str, value: str) -> str:
        if facet in enums:
            return label(enums[facet](value), lang)
        if facet == "quality":
            return BAND_LABELS[value][0 if lang == "zh" else 1]
        if facet == "department":
            return departments.get(int(value), value)
        return {"domain": classes, "region": regions}[facet].get(value, value)

    return {
        facet: sorted(
            ({"value": v, "label": name(facet, v), "count": n} for v, n in values.items()),
            key=lambda x: (-x["count"], x["value"]),
        )
        for facet, values in counts.items()
    }


def featured(session: Session, limit: int = 6) -> list[CatalogResource]:
    return list(
        session.scalars(
            select(CatalogResource)
            .join(Release, Release.resource_id == CatalogResource.id)
            .where(Release.featured.is_(True), open_clause())
            .order_by(Release.featured_at.desc())
            .limit(limit)
        )
    )


def newest(session: Session, limit: int = 6) -> list[CatalogResource]:
    return list(
        session.scalars(
            select(CatalogResource)
            .where(open_clause())
            .order_by(CatalogResource.published_at.desc(), CatalogResource.code)
            .limit(limit)
        )
    )
