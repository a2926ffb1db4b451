"""Search over the published catalog: Chinese full text with synonyms, facets, filters, sorting,
highlighted matches and paging. The same code runs on SQLite and PostgreSQL; fulltext.py holds
the two lines in which they differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from govshare.catalog import fulltext, segment, synonyms
from govshare.catalog.models import CatalogClass, CatalogResource, ResourceVersion, SearchDocument
from govshare.catalog.vocab import CatalogKind, ResourceFormat, ShareType, UpdateCycle, label
from govshare.core.db import utcnow
from govshare.core.errors import InvalidInput
from govshare.orgs.models import Department

MAX_QUERY = 100
MAX_WORDS = 12
SORTS = {
    "relevance": "score DESC, code",
    "name": "name, code",
    "code": "code",
    "published": "published_at DESC, code",
}
FACETS = ("catalog", "class", "provider", "region", "share_type", "open", "format", "update_cycle")
_FACET_EXPR = {
    "catalog": "catalog", "class": "substr(class_code, 1, 3)", "provider": "CAST(provider_id AS VARCHAR(20))",
    "region": "region_code", "share_type": "share_type", "open": "CASE WHEN open THEN 'true' ELSE 'false' END",
    "format": "COALESCE(format, '')", "update_cycle": "COALESCE(update_cycle, '')",
}


# --- indexing ---------------------------------------------------------------------------


def index_resource(session: Session, resource: CatalogResource, version: ResourceVersion, provider: Department) -> None:
    """(Re)writes the published version's search document; the backend's index follows it."""
    tokens = segment.document_tokens(
        [version.name, version.summary, provider.name, provider.short_name, resource.code,
         *(i.name for i in version.items)])
    doc = session.get(SearchDocument, resource.id)
    if doc is None:
        session.add(SearchDocument(resource_id=resource.id, tokens=tokens))
    else:
        doc.tokens = tokens
    session.flush()


# --- queries ----------------------------------------------------------------------------


@dataclass
class Filters:
    catalog: CatalogKind | None = None
    class_code: str | None = None
    provider_id: int | None = None
    region: str | None = None
    share_type: ShareType | None = None
    open: bool | None = None
    format: ResourceFormat | None = None
    update_cycle: UpdateCycle | None = None


@dataclass
class Result:
    query: str
    terms: list[list[str]]
    total: int
    hits: list[dict[str, Any]]
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def parse_query(session: Session, query: str) -> list[list[str]]:
    """Each word of the query with its synonyms: [[社保, 社会保险, 社会保障], [缴费]]."""
    query = (query or "").strip()
    if len(query) > MAX_QUERY:
        raise InvalidInput(f"q: the search text has {len(query)} characters; at most {MAX_QUERY} are allowed",
                           f"检索词共 {len(query)} 个字符，最多允许 {MAX_QUERY} 个", field="q")
    if not query:
        return []
    terms = synonyms.dictionary(session)
    segment.teach(terms)
    words = segment.query_words(query)[:MAX_WORDS]
    return [[w, *terms.get(w, ())] for w in words]


def _where(filters: Filters, params: dict[str, Any]) -> str:
    clauses = ["r.published_version_id IS NOT NULL"]
    simple = {"catalog": filters.catalog, "share_type": filters.share_type, "format": filters.format,
              "update_cycle": filters.update_cycle, "provider_id": filters.provider_id}
    for column, value in simple.items():
        if value is not None:
            clauses.append(f"r.{column} = :{column}")
            params[column] = value.value if hasattr(value, "value") else value
    if filters.open is not None:
        clauses.append("r.open = :open")
        params["open"] = filters.open
    if filters.class_code:
        clauses.append("r.class_code LIKE :class_prefix")
        params["class_prefix"] = filters.class_code + "%"
    if filters.region:
        from govshare.orgs.divisions import division_prefix

        clauses.append("r.region_code LIKE :region_prefix")
        params["region_prefix"] = division_prefix(filters.region) + "%"
    return " AND ".join(clauses)


def _base_cte(dialect: str, terms: list[list[str]], filters: Filters, params: dict[str, Any]) -> str:
    where = _where(filters, params)
    columns = ("r.id, r.code, r.name, r.catalog, r.class_code, r.provider_id, r.region_code, r.share_type, "
               "r.open, r.format, r.update_cycle, r.item_count, r.published_at, r.source_changed_at")
    if not terms:
        return f"WITH f AS MATERIALIZED (SELECT {columns}, 0.0 AS score FROM catalog_resource r WHERE {where})"
    token_query = [[segment.word_tokens(alt) for alt in group] for group in terms]
    params["q"] = fulltext.query_text(dialect, token_query)
    return (f"WITH m AS MATERIALIZED ({fulltext.match_sql(dialect)}), "
            f"f AS MATERIALIZED (SELECT {columns}, m.score AS score FROM m JOIN catalog_resource r ON r.id = m.id "
            f"WHERE {where})")


def _facets_and_page(session: Session, cte: str, params: dict[str, Any], order: str
                     ) -> tuple[int, dict[str, dict[str, int]], list[int]]:
    """One statement, so the full-text match runs once: the total, every facet's counts, and
    the ids of the requested page in order."""
    parts = ["SELECT 'total' AS facet, '' AS value, count(*) AS n FROM f"]
    parts += [f"SELECT '{name}', {expr}, count(*) FROM f GROUP BY {expr}" for name, expr in _FACET_EXPR.items()]
    parts.append(f"SELECT 'page', CAST(id AS VARCHAR(20)), row_number() OVER (ORDER BY {order}) "
                 f"FROM (SELECT * FROM f ORDER BY {order} LIMIT :limit OFFSET :offset) p")
    rows = session.execute(text(cte + " " + " UNION ALL ".join(parts)), params).all()
    total, counts, page = 0, {name: {} for name in FACETS}, []
    for facet, value, n in rows:
        if facet == "total":
            total = n
        elif facet == "page":
            page.append((n, int(value)))
        elif value not in (None, ""):
            counts[facet][str(value)] = n
    return total, counts, [rid for _pos, rid in sorted(page)]


def _facet_labels(session: Session, counts: dict[str, dict[str, int]], lang: str) -> dict[str, list[dict[str, Any]]]:
    providers = {str(i): n for i, n in session.execute(select(Department.id, Department.name).where(
        Department.id.in_([int(v) for v in counts["provider"]]))).all()} if counts["provider"] else {}
    classes = dict(session.execute(select(CatalogClass.code, CatalogClass.name)).all())
    regions = _region_names(session, list(counts["region"]))
    enums = {"catalog": CatalogKind, "share_type": ShareType, "format": ResourceFormat, "update_cycle": UpdateCycle}
    yes_no = {"true": ("是", "yes"), "false": ("否", "no")}

    def name(facet: str, value: str) -> str:
        if facet in enums:
            return label(enums[facet](value), lang)
        if facet == "open":
            return yes_no[value][0 if lang == "zh" else 1]
        return {"provider": providers, "class": classes, "region": regions}[facet].get(value, value)

    return {facet: sorted(({"value": v, "label": name(facet, v), "count": n} for v, n in values.items()),
                          key=lambda x: (-x["count"], x["value"]))
            for facet, values in counts.items()}


def _region_names(session: Session, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    from govshare.orgs.models import Division

    return dict(session.execute(select(Division.code, Division.name).where(Division.code.in_(codes))).all())


def search(session: Session, query: str = "", filters: Filters | None = None, sort: str | None = None,
           limit: int = 20, offset: int = 0, lang: str = "zh", stale_days: int = 15) -> Result:
    filters = filters or Filters()
    terms = parse_query(session, query)
    sort = sort or ("relevance" if terms else "published")
    if sort not in SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}", f"排序方式应为 {'、'.join(SORTS)} 之一",
                           field="sort")
    if query.strip() and not terms:  # only punctuation or operators: nothing to find
        return Result(query=query, terms=[], total=0, hits=[], facets={name: [] for name in FACETS})
    dialect = session.get_bind().dialect.name
    params: dict[str, Any] = {}
    cte = _base_cte(dialect, terms, filters, params)
    total, counts, page = _facets_and_page(session, cte, {**params, "limit": limit, "offset": offset},
                                           SORTS[sort])
    return Result(query=query, terms=terms, total=total, hits=_hits(session, page, terms, stale_days),
                  facets=_facet_labels(session, counts, lang))


def _hits(session: Session, ids: list[int], terms: list[list[str]], stale_days: int) -> list[dict[str, Any]]:
    if not ids:
        return []
    resources = {r.id: r for r in session.scalars(select(CatalogResource).where(CatalogResource.id.in_(ids)))}
    providers = dict(session.execute(select(Department.id, Department.name).where(
        Department.id.in_({r.provider_id for r in resources.values()}))).all())
    words = [w for group in terms for w in group]
    hits = []
    for rid in ids:
        resource = resources[rid]
        version = resource.published_version
        assert version is not None
        hits.append({
            "id": resource.id, "code": resource.code, "name": version.name,
            "name_html": highlight(version.name, words), "summary_html": highlight(_excerpt(version.summary, words), words),
            "provider_id": resource.provider_id, "provider_name": providers.get(resource.provider_id, ""),
            "catalog": version.catalog, "class_code": version.class_code, "share_type": version.share_type,
            "open": version.open, "format": version.format, "update_cycle": version.update_cycle,
            "item_count": resource.item_count, "published_at": resource.published_at,
            "stale": is_stale(resource, stale_days),
        })
    return hits


def is_stale(resource: CatalogResource, days: int = 15, now: datetime | None = None) -> bool:
    """Its source changed more than `days` ago and no version has been published since."""
    changed = resource.source_changed_at
    if changed is None or (resource.published_at is not None and resource.published_at >= changed):
        return False
    return (now or utcnow()) - changed > timedelta(days=days)


def _excerpt(summary: str, words: list[str], width: int = 120) -> str:
    """The part of the summary around the first match."""
    if len(summary) <= width:
        return summary
    lowered = summary.lower()
    first = min((i for i in (lowered.find(w.lower()) for w in words) if i >= 0), default=0)
    start = max(0, first - width // 3)
    return ("…" if start else "") + summary[start:start + width] + "…"


def highlight(value: str, words: list[str]) -> Markup:
    """HTML-escaped text with every occurrence of a query word or synonym in <mark>."""
    escaped = str(escape(value or ""))
    needles = sorted({str(escape(w)) for w in words if w}, key=len, reverse=True)
    if not needles:
        return Markup(escaped)
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)
    return Markup(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped))
