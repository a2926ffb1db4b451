"""The open datasets' facet fields held as numpy arrays, so that search with seven facets over
tens of thousands of datasets costs milliseconds (GROUP BY over the visibility predicate costs
hundreds). The same idea as the catalog's facets.py, over the portal's own visible set and facets.

The arrays are rebuilt when anything that decides visibility or a facet changes: the catalog's
newest publication and its count of published resources, the portal's release and
de-identification rules, the exchange's newest load. Every worker sees a change on its next
search; nothing another worker needs lives only in memory. The index only narrows and counts:
the page of hits is read back through visibility.open_clause, so a stale index could miscount
but never show a resource that is not open.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogResource
from govshare.exchange.models import Dataset, DatasetVersion
from govshare.opendata.models import DeidRule, Release
from govshare.opendata.visibility import open_clause

FACET_COLUMNS = ("department", "domain", "catalog", "format", "update_cycle", "region", "quality")
# Filters that are not facets of the pages: "loaded" is "yes" when the dataset has data (and so
# its download formats, which CKAN clients filter on as res_format).
FILTER_COLUMNS = (*FACET_COLUMNS, "loaded")
BANDS = (("A", 90), ("B", 75), ("C", 60), ("D", 0))
_lock = threading.Lock()
_cache: dict[str, PortalIndex] = {}


@dataclass
class PortalIndex:
    generation: Any
    ids: np.ndarray  # sorted ids of the open resources
    codes: dict[str, np.ndarray]  # facet → value number of every resource
    values: dict[str, np.ndarray]  # facet → distinct values (text)
    code_rank: np.ndarray
    name_rank: np.ndarray
    published_rank: np.ndarray
    names: dict[str, dict[str, str]]  # department, domain, region → value → name (for facet labels)

    def locate(self, ids: np.ndarray) -> np.ndarray:
        """Positions of those of `ids` that are open."""
        if not len(self.ids) or not len(ids):
            return np.zeros(0, dtype=np.int64)
        pos = np.clip(np.searchsorted(self.ids, ids), 0, len(self.ids) - 1)
        return pos[self.ids[pos] == ids]


def _generation(session: Session) -> tuple:
    # The catalog changes what is published and open only by publishing, which moves the newest
    # publication time (indexed, as the catalog's own facet index relies on); the portal's and
    # the exchange's tables are small.
    # One round trip: every search asks.
    return tuple(
        session.execute(
            select(
                select(func.max(CatalogResource.published_at)).scalar_subquery(),
                select(func.max(DeidRule.id)).scalar_subquery(),
                select(func.count(DeidRule.id)).scalar_subquery(),
                select(func.max(Release.updated_at)).scalar_subquery(),
                select(func.max(DatasetVersion.finished_at)).scalar_subquery(),
                select(func.count(DatasetVersion.id)).scalar_subquery(),
            )
        ).one()
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.value if hasattr(value, "value") else str(value)


def _band(score: float | None) -> str:
    if score is None:
        return "none"
    return next(band for band, floor in BANDS if score >= floor)


def _rank(values: list[Any]) -> np.ndarray:
    order = sorted(range(len(values)), key=lambda i: (values[i] is None, values[i] if values[i] is not None else 0))
    rank = np.empty(len(values), dtype=np.int64)
    rank[np.array(order, dtype=np.int64)] = np.arange(len(values))
    return rank


def _build(session: Session, generation: Any) -> PortalIndex:
    r = CatalogResource
    rows = session.execute(
        select(
            r.id,
            r.code,
            r.name,
            r.provider_id,
            func.substr(r.class_code, 1, 3),
            r.catalog,
            r.format,
            r.update_cycle,
            r.region_code,
            r.published_at,
            DatasetVersion.quality_score,
            DatasetVersion.id,
        )
        .outerjoin(Dataset, Dataset.resource_id == r.id)
        .outerjoin(DatasetVersion, DatasetVersion.id == Dataset.live_version_id)
        .where(open_clause())
        .order_by(r.id)
    ).all()
    columns = {name: [_text(row[3 + n]) for row in rows] for n, name in enumerate(FACET_COLUMNS[:-1])}
    columns["quality"] = [_band(row[10]) for row in rows]
    columns["loaded"] = ["yes" if row[11] is not None else "no" for row in rows]
    codes, values = {}, {}
    for name, texts in columns.items():
        distinct, inverse = np.unique(np.array(texts, dtype=object).astype(str), return_inverse=True)
        values[name], codes[name] = distinct, inverse.astype(np.int64)
    return PortalIndex(
        generation=generation,
        ids=np.array([row[0] for row in rows], dtype=np.int64),
        codes=codes,
        values=values,
        code_rank=_rank([row[1] for row in rows]),
        name_rank=_rank([(row[2] or "", row[1]) for row in rows]),
        published_rank=-_rank([row[9] for row in rows]),
        names=_names(session, values),
    )


def _names(session: Session, values: dict[str, np.ndarray]) -> dict[str, dict[str, str]]:
    from govshare.catalog.models import CatalogClass
    from govshare.orgs.models import Department, Division

    domains = [str(v) for v in values["domain"]]
    regions = [str(v) for v in values["region"]]
    return {
        "department": {str(i): n for i, n in session.execute(select(Department.id, Department.name)).all()},
        "domain": dict(
            session.execute(select(CatalogClass.code, CatalogClass.name).where(CatalogClass.code.in_(domains))).all()
        ),
        "region": dict(session.execute(select(Division.code, Division.name).where(Division.code.in_(regions))).all()),
    }


def index(session: Session) -> PortalIndex:
    key = str(session.get_bind().url)
    generation = _generation(session)
    with _lock:
        found = _cache.get(key)
        if found is None or found.generation != generation:
            found = _build(session, generation)
            _cache[key] = found
    return found


def _matching(idx: PortalIndex, pos: np.ndarray, facet: str, values: list[str]) -> np.ndarray:
    wanted = np.nonzero(np.isin(idx.values[facet], np.array(values, dtype=str)))[0]
    return np.isin(idx.codes[facet][pos], wanted)


def keep(idx: PortalIndex, pos: np.ndarray, facet: str, chosen: list[str]) -> np.ndarray:
    """Positions whose value of `facet` is one of `chosen` (OR within a facet)."""
    return pos[_matching(idx, pos, facet, chosen)]


def drop(idx: PortalIndex, pos: np.ndarray, facet: str, excluded: list[str]) -> np.ndarray:
    """Positions whose value of `facet` is none of `excluded` (a negated filter)."""
    return pos[~_matching(idx, pos, facet, excluded)]


def loaded(idx: PortalIndex, pos: np.ndarray) -> int:
    """How many of the positions have data (each then has every download format)."""
    return int(np.count_nonzero(idx.values["loaded"][idx.codes["loaded"][pos]] == "yes"))


def counts(idx: PortalIndex, pos: np.ndarray) -> dict[str, dict[str, int]]:
    out = {}
    for facet in FACET_COLUMNS:
        tally = np.bincount(idx.codes[facet][pos], minlength=len(idx.values[facet]))
        out[facet] = {
            str(idx.values[facet][i]): int(tally[i]) for i in np.nonzero(tally)[0] if idx.values[facet][i] != ""
        }
    return out
