"""Search over the published catalog: Chinese full text with synonyms, facets, filters, sorting,
highlighted matches and paging. The same code runs on SQLite and PostgreSQL; fulltext.py holds
the two lines in which they differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from markupsafe import Markup, escape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from govshare.catalog import facets, fulltext, segment, synonyms
from govshare.catalog.models import CatalogResource, ResourceVersion, SearchDocument
from govshare.catalog.vocab import CatalogKind, ResourceFormat, ShareType, UpdateCycle, label
from govshare.core.db import utcnow
from govshare.core.errors import InvalidInput
from govshare.orgs.models import Department

MAX_QUERY = 100
MAX_WORDS = 12
SORTS = ("relevance", "published", "name", "code")
FACETS = facets.FACETS


# --- indexing ---------------------------------------------------------------------------


def index_resource(
    session: Session, resource: CatalogResource, version: ResourceVersion, provider: Department
) -> None:
    """(Re)writes the published version's search document; the backend's index follows it."""
    tokens = segment.document_tokens(
        [
            version.name,
            version.summary,
            provider.name,
            provider.short_name,
            resource.code,
            *(i.name for i in version.items),
        ]
    )
    name_tokens = segment.document_tokens([version.name])
    doc = session.get(SearchDocument, resource.id)
    if doc is None:
        session.add(SearchDocument(resource_id=resource.id, tokens=tokens, name_tokens=name_tokens))
    else:
        doc.tokens, doc.name_tokens = tokens, name_tokens
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
        raise InvalidInput(
            f"q: the search text has {len(query)} characters; at most {MAX_QUERY} are allowed",
            f"检索词共 {len(query)} 个字符，最多允许 {MAX_QUERY} 个",
            field="q",
        )
    if not query:
        return []
    terms = synonyms.dictionary(session)
    segment.teach(terms)
    words = segment.query_words(query)[:MAX_WORDS]
    return [[w, *terms.get(w, ())] for w in words]


def _match(session: Session, terms: list[list[str]], in_name: bool = False) -> np.ndarray:
    """Ids of the resources whose text (or name alone) has every word of the query."""
    dialect = session.get_bind().dialect.name
    token_query = [[segment.word_tokens(alt) for alt in group] for group in terms]
    found = session.execute(
        text(fulltext.match_sql(dialect, in_name)), {"q": fulltext.query_text(dialect, token_query)}
    ).scalar()
    # numpy parses the text in C: tens of thousands of ids in a fraction of a millisecond.
    return np.fromstring(found, dtype=np.int64, sep=",") if found else np.zeros(0, dtype=np.int64)


def _filtered(idx: facets.FacetIndex, pos: np.ndarray, f: Filters) -> np.ndarray:
    for facet, value in (
        ("catalog", f.catalog),
        ("provider", f.provider_id),
        ("share_type", f.share_type),
        ("format", f.format),
        ("update_cycle", f.update_cycle),
        ("open", None if f.open is None else ("true" if f.open else "false")),
    ):
        if value is not None:
            pos = facets.keep(
                idx, pos, facet, value.value if hasattr(value, "value") else str(value)
            )
    if f.class_code:
        pos = facets.keep_prefix(pos, idx.class_code, f.class_code)
    if f.region:
        from govshare.orgs.divisions import division_prefix

        pos = facets.keep_prefix(pos, idx.region, division_prefix(f.region))
    return pos


def _facet_labels(
    idx: facets.FacetIndex, counts: dict[str, dict[str, int]], lang: str
) -> dict[str, list[dict[str, Any]]]:
    enums = {
        "catalog": CatalogKind,
        "share_type": ShareType,
        "format": ResourceFormat,
        "update_cycle": UpdateCycle,
    }
    yes_no = {"true": ("是", "yes"), "false": ("否", "no")}

    def name(facet: str, value: str) -> str:
        if facet in enums:
            return label(enums[facet](value), lang)
        if facet == "open":
            return yes_no[value][0 if lang == "zh" else 1]
        return idx.names[facet].get(value, value)

    return {
        facet: sorted(
            ({"value": v, "label": name(facet, v), "count": n} for v, n in values.items()),
            key=lambda x: (-x["count"], x["value"]),
        )
        for facet, values in counts.items()
    }


def search(
    session: Session,
    query: str = "",
    filters: Filters | None = None,
    sort: str | None = None,
    limit: int = 20,
    offset: int = 0,
    lang: str = "zh",
    stale_days: int = 15,
) -> Result:
    filters = filters or Filters()
    terms = parse_query(session, query)
    sort = sort or ("relevance" if terms else "published")
    if sort not in SORTS:
        raise InvalidInput(
            f"sort must be one of {', '.join(SORTS)}",
            f"排序方式应为 {'、'.join(SORTS)} 之一",
            field="sort",
        )
    if query.strip() and not terms:  # only punctuation or operators: nothing to find
        return Result(query=query, terms=[], total=0, hits=[], facets={name: [] for name in FACETS})
    idx = facets.index(session)
    scores = None
    if terms:
        pos, _found = idx.locate(np.sort(_match(session, terms)))
        # Relevance: resources whose name has the words come first (the same order on both
        # backends, unlike their own ranking functions), then by code.
        scores = np.zeros(len(idx.ids))
        scores[idx.locate(np.sort(_match(session, terms, in_name=True)))[0]] = 1.0
    else:
        pos = idx.all_positions()
    pos = _filtered(idx, pos, filters)
    ordered = facets.order(
        idx, pos, scores[pos] if scores is not None else None, sort, offset + limit
    )
    page = [int(i) for i in idx.ids[ordered[offset : offset + limit]]]
    return Result(
        query=query,
        terms=terms,
        total=len(pos),
        hits=_hits(session, page, terms, stale_days),
        facets=_facet_labels(idx, facets.counts(idx, pos), lang),
    )


def _hits(
    session: Session, ids: list[int], terms: list[list[str]], stale_days: int
) -> list[dict[str, Any]]:
    if not ids:
        return []
    r, v = CatalogResource, ResourceVersion
    rows = session.execute(
        select(
            r.id,
            r.code,
            r.provider_id,
            r.item_count,
            r.published_at,
            r.source_changed_at,
            Department.name,
            v.name,
            v.summary,
            v.catalog,
            v.class_code,
            v.share_type,
            v.open,
            v.format,
            v.update_cycle,
        )
        .join(v, v.id == r.published_version_id)
        .join(Department, Department.id == r.provider_id)
        .where(r.id.in_(ids))
    ).all()
    by_id = {row[0]: row for row in rows}
    words = [w for group in terms for w in group]
    hits = []
    for rid in ids:
        (
            _id,
            code,
            provider_id,
            item_count,
            published_at,
            source_changed_at,
            provider_name,
            name,
            summary,
            catalog,
            class_code,
            share_type,
            is_open,
            fmt,
            cycle,
        ) = by_id[rid]
        hits.append(
            {
                "id": rid,
                "code": code,
                "name": name,
                "name_html": highlight(name, words),
                "summary_html": highlight(_excerpt(summary, words), words),
                "provider_id": provider_id,
                "provider_name": provider_name,
                "catalog": catalog,
                "class_code": class_code,
                "share_type": share_type,
                "open": is_open,
                "format": fmt,
                "update_cycle": cycle,
                "item_count": item_count,
                "published_at": published_at,
                "stale": _stale(source_changed_at, published_at, stale_days),
            }
        )
    return hits


def _stale(
    changed: datetime | None, published: datetime | None, days: int, now: datetime | None = None
) -> bool:
    if changed is None or (published is not None and published >= changed):
        return False
    return (now or utcnow()) - changed > timedelta(days=days)


def is_stale(resource: CatalogResource, days: int = 15, now: datetime | None = None) -> bool:
    """Its source changed more than `days` ago and no version has been published since."""
    return _stale(resource.source_changed_at, resource.published_at, days, now)


def _excerpt(summary: str, words: list[str], width: int = 120) -> str:
    """The part of the summary around the first match."""
    if len(summary) <= width:
        return summary
    lowered = summary.lower()
    first = min((i for i in (lowered.find(w.lower()) for w in words) if i >= 0), default=0)
    start = max(0, first - width // 3)
    return ("…" if start else "") + summary[start : start + width] + "…"


def highlight(value: str, words: list[str]) -> Markup:
    """HTML-escaped text with every occurrence of a query word or synonym in <mark>."""
    escaped = str(escape(value or ""))
    needles = sorted({str(escape(w)) for w in words if w}, key=len, reverse=True)
    if not needles:
        return Markup(escaped)
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)
    return Markup(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped))
