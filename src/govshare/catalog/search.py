"""Search over the published catalog: Chinese full text with synonyms, facets, filters, sorting,
highlighted matches and paging. The same code runs on SQLite and PostgreSQL: the words are
matched in memory (postings.py) over the tokens both backends store.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
from markupsafe import Markup, escape
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from govshare.catalog import facets, postings, segment, synonyms
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


def _state(session: Session) -> tuple[Any, Any]:
    """(catalog generation, dictionary generation) in one round trip: what a worker compares
    with its in-memory facet arrays and synonym dictionary before using them."""
    row = session.execute(
        text(f"SELECT {facets.GENERATION_SQL}, {synonyms.GENERATION_SQL}")
    ).one()
    return row[0], (row[1], row[2])


@lru_cache(maxsize=4096)
def _segmented(query: str, taught: int) -> tuple[str, ...]:
    """jieba's words of a query, cut once per process: `taught` (segment.taught) changes
    whenever jieba learns a new dictionary term, which could change the cut."""
    return tuple(segment.query_words(query)[:MAX_WORDS])


def parse_query(session: Session, query: str, dictionary_generation: Any = None) -> list[list[str]]:
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
    terms = synonyms.current(session, dictionary_generation)
    segment.teach(terms)
    return [[w, *terms.get(w, ())] for w in _segmented(query, segment.taught())]


def _match(
    session: Session, idx: facets.FacetIndex, terms: list[list[str]]
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in `idx`) of the resources whose text has every word of the query, and a mask
    of those whose name has them: from the in-memory token index (postings.py)."""
    tokens = postings.index(session, idx.generation, idx.ids)
    token_query = [[segment.word_tokens(alt) for alt in group] for group in terms]
    return np.nonzero(tokens.match(token_query))[0], tokens.match(token_query, in_name=True)


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


_ENUMS = {
    "catalog": CatalogKind,
    "share_type": ShareType,
    "format": ResourceFormat,
    "update_cycle": UpdateCycle,
}
_YES_NO = {"true": ("是", "yes"), "false": ("否", "no")}


def _facet_label(idx: facets.FacetIndex) -> Callable[[str, str, str], str]:
    def name(facet: str, value: str, lang: str) -> str:
        if value == "":  # never shown (a resource without that field)
            return ""
        if facet in _ENUMS:
            return label(_ENUMS[facet](value), lang)
        if facet == "open":
            return _YES_NO[value][0 if lang == "zh" else 1]
        return idx.names[facet].get(value, value)

    return name


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
    generation, dictionary_generation = _state(session)
    terms = parse_query(session, query, dictionary_generation)
    sort = sort or ("relevance" if terms else "published")
    if sort not in SORTS:
        raise InvalidInput(
            f"sort must be one of {', '.join(SORTS)}",
            f"排序方式应为 {'、'.join(SORTS)} 之一",
            field="sort",
        )
    if query.strip() and not terms:  # only punctuation or operators: nothing to find
        return Result(query=query, terms=[], total=0, hits=[], facets={name: [] for name in FACETS})
    idx = facets.index(session, generation)
    scores = None
    if terms:
        pos, in_name = _match(session, idx, terms)
        # Relevance: resources whose name has the words come first (the same order on both
        # backends, unlike their own ranking functions), then by code.
        scores = in_name.astype(np.float64)
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
        facets=facets.tally(idx, pos, lang, _facet_label(idx)),
    )


def _hit_sql() -> Any:
    """The page's rows in one plain statement (no ORM objects): it runs on every search."""
    r, v = CatalogResource.__table__.c, ResourceVersion.__table__.c
    typed = {
        "published_at": r.published_at.type,
        "source_changed_at": r.source_changed_at.type,
        "open": v.open.type,
        "catalog": v.catalog.type,
        "share_type": v.share_type.type,
        "format": v.format.type,
        "update_cycle": v.update_cycle.type,
    }
    return (
        text(
            "SELECT r.id, r.code, r.provider_id, r.item_count, r.published_at, r.source_changed_at, "
            "d.name AS provider_name, v.name, v.summary, v.catalog, v.class_code, v.share_type, "
            "v.open, v.format, v.update_cycle FROM catalog_resource r "
            "JOIN catalog_version v ON v.id = r.published_version_id "
            "JOIN department d ON d.id = r.provider_id WHERE r.id IN :ids"
        )
        .bindparams(bindparam("ids", expanding=True))
        .columns(**typed)
    )


_HIT_SQL = _hit_sql()


def _hits(
    session: Session, ids: list[int], terms: list[list[str]], stale_days: int
) -> list[dict[str, Any]]:
    if not ids:
        return []
    by_id = {row.id: row for row in session.execute(_HIT_SQL, {"ids": ids})}
    marker = _marker([w for group in terms for w in group])
    hits = []
    for rid in ids:
        row = by_id[rid]
        hits.append(
            {
                "id": rid,
                "code": row.code,
                "name": row.name,
                "name_html": marker(row.name),
                "summary_html": marker(_excerpt(row.summary, terms)),
                "provider_id": row.provider_id,
                "provider_name": row.provider_name,
                "catalog": row.catalog,
                "class_code": row.class_code,
                "share_type": row.share_type,
                "open": row.open,
                "format": row.format,
                "update_cycle": row.update_cycle,
                "item_count": row.item_count,
                "published_at": row.published_at,
                "stale": _stale(row.source_changed_at, row.published_at, stale_days),
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


def _excerpt(summary: str, terms: list[list[str]], width: int = 120) -> str:
    """The part of the summary around the first match."""
    words = [w for group in terms for w in group]
    if len(summary) <= width:
        return summary
    lowered = summary.lower()
    first = min((i for i in (lowered.find(w.lower()) for w in words) if i >= 0), default=0)
    start = max(0, first - width // 3)
    return ("…" if start else "") + summary[start : start + width] + "…"


def _marker(words: list[str]) -> Callable[[str], Markup]:
    """highlight() for many texts with one compiled pattern."""
    needles = sorted({str(escape(w)) for w in words if w}, key=len, reverse=True)
    pattern = (
        re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE) if needles else None
    )

    def mark(value: str) -> Markup:
        escaped = str(escape(value or ""))
        if pattern is None:
            return Markup(escaped)
        return Markup(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped))

    return mark


def highlight(value: str, words: list[str]) -> Markup:
    """HTML-escaped text with every occurrence of a query word or synonym in <mark>."""
    return _marker(words)(value)
