"""Search of the open datasets: the catalog's Chinese full text (jieba tokens, synonyms, the
backend's FTS index — govshare.catalog.search/fulltext) restricted by visibility.open_clause,
with the portal's own facets (department, domain, catalog, format, update cycle, region,
quality band) and sorts. Pages, the REST API and CKAN's package_search all call `search`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from govshare.catalog import fulltext, segment
from govshare.catalog.models import CatalogResource
from govshare.catalog.search import parse_query
from govshare.catalog.vocab import CatalogKind, ResourceFormat, UpdateCycle, label
from govshare.core.errors import InvalidInput
from govshare.opendata import portal_index
from govshare.opendata.models import Release, UsageDay
from govshare.opendata.visibility import open_clause

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
    loaded: int = 0  # of the total, datasets with data (each offers every download format)


def quality_band(score: float | None) -> str:
    if score is None:
        return "none"
    return next(band for band, floor in BANDS if score >= floor)


def _match(session: Session, terms: list[list[str]], in_name: bool = False) -> np.ndarray:
    """Ids matching every word, through the catalog's full-text index (fulltext.match_sql
    answers one comma-separated text), sorted."""
    dialect = session.get_bind().dialect.name
    tokens = [[segment.word_tokens(alt) for alt in group] for group in terms]
    found = session.execute(
        text(fulltext.match_sql(dialect, in_name)), {"q": fulltext.query_text(dialect, tokens)}
    ).scalar()
    ids = np.array([int(i) for i in found.split(",")], dtype=np.int64) if found else np.zeros(0, dtype=np.int64)
    return np.sort(ids)


def _check_filters(chosen: dict[str, list[str]]) -> None:
    for name, values in chosen.items():
        if name not in portal_index.FILTER_COLUMNS:
            raise InvalidInput(
                f"unknown facet {name[:40]!r}; expected one of {', '.join(FACETS)}",
                f"未知的分面“{name[:40]}”",
                field="facet",
            )
        if len(values) > MAX_VALUES or any(len(v) > 100 for v in values):
            raise InvalidInput(
                f"facet {name}: too many or too long values", f"分面 {name} 的取值过多或过长", field=name
            )


def _check_page(rows: int, start: int) -> None:
    if not 0 <= rows <= MAX_ROWS:
        raise InvalidInput(f"rows must be between 0 and {MAX_ROWS}", f"rows 应在 0 至 {MAX_ROWS} 之间", field="rows")
    if not 0 <= start <= MAX_START:
        raise InvalidInput(
            f"start must be between 0 and {MAX_START}", f"start 应在 0 至 {MAX_START} 之间", field="start"
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
    excluded: dict[str, list[str]] | None = None,
) -> Result:
    """`chosen`: per facet the values any of which a dataset must have (facets ANDed);
    `excluded`: per facet the values it must not have (CKAN's negated fq terms)."""
    chosen = {k: v for k, v in (chosen or {}).items() if v}
    excluded = {k: v for k, v in (excluded or {}).items() if v}
    _check_filters(chosen)
    _check_filters(excluded)
    _check_page(rows, start)
    terms = parse_query(session, q)
    sort = sort or ("relevance" if terms else "newest")
    if sort not in SORTS:
        raise InvalidInput(
            f"sort must be one of {', '.join(SORTS)}", f"排序方式应为 {'、'.join(SORTS)} 之一", field="sort"
        )
    if (q or "").strip() and not terms:  # only punctuation or operators: nothing to find
        return Result(0, [], {name: [] for name in FACETS} if facets else {})
    idx = portal_index.index(session)
    pos, score = np.arange(len(idx.ids)), np.zeros(len(idx.ids))
    if terms:
        pos = idx.locate(_match(session, terms))
        score[idx.locate(_match(session, terms, in_name=True))] = 1.0  # the name has the words: first
    for facet, values in chosen.items():
        pos = portal_index.keep(idx, pos, facet, values)
    for facet, values in excluded.items():
        pos = portal_index.drop(idx, pos, facet, values)
    counts = portal_index.counts(idx, pos) if facets else {}
    page = pos[_order(session, idx, pos, score, sort)][start : start + rows]
    labels = _labels(idx, counts, lang) if facets else {}
    return Result(len(pos), _hits(session, idx, page, score), labels, terms, portal_index.loaded(idx, pos))


def _order(
    session: Session, idx: portal_index.PortalIndex, pos: np.ndarray, score: np.ndarray, sort: str
) -> np.ndarray:
    code = idx.code_rank[pos]
    if sort == "relevance":
        return np.lexsort((code, -score[pos]))
    if sort == "newest":
        return np.lexsort((code, idx.published_rank[pos]))
    if sort == "name":
        return np.argsort(idx.name_rank[pos], kind="stable")
    popular = dict(
        session.execute(
            select(UsageDay.resource_id, func.sum(UsageDay.views + UsageDay.downloads)).group_by(UsageDay.resource_id)
        ).all()
    )
    uses = np.array([popular.get(int(i), 0) for i in idx.ids[pos]], dtype=np.int64)
    return np.lexsort((code, -uses))


def _hits(session: Session, idx: portal_index.PortalIndex, page: np.ndarray, score: np.ndarray) -> list[Hit]:
    """The page's resources, read back through the visibility rule (the index only narrows)."""
    ids = [int(i) for i in idx.ids[page]]
    if not ids:
        return []
    found = {
        r.id: r for r in session.scalars(select(CatalogResource).where(CatalogResource.id.in_(ids), open_clause()))
    }
    quality = idx.values["quality"][idx.codes["quality"][page]]
    return [Hit(found[i], float(score[p]), str(b)) for i, p, b in zip(ids, page, quality, strict=True) if i in found]


def _labels(
    idx: portal_index.PortalIndex, counts: dict[str, dict[str, int]], lang: str
) -> dict[str, list[dict[str, Any]]]:
    enums = {"catalog": CatalogKind, "format": ResourceFormat, "update_cycle": UpdateCycle}

    def name(facet: str, value: str) -> str:
        if facet in enums:
            return label(enums[facet](value), lang)
        if facet == "quality":
            return BAND_LABELS[value][0 if lang == "zh" else 1]
        return idx.names[facet].get(value, value)

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
