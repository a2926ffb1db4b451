"""The published catalog's search tokens as an in-memory inverted index, beside the facet arrays.

A broad word (a third of the catalog) costs the database a visit to every matching row to learn
its id: GIN on PostgreSQL cannot answer from the index alone, and both backends then send tens of
thousands of ids back as text. Here each token's postings are a sorted array of positions in the
facet index (facets.FacetIndex.ids), so a query is a few boolean-mask operations over arrays and
the result feeds the facet counts without a look-up.

The index is read from catalog_search_doc (the tokens the application writes and the backends'
full-text indexes follow) and rebuilt with the facet arrays, i.e. when the catalog's generation
(its newest publication: the only moment a search document is written) changes. So every worker
sees a publication on its next search, the database stays the only source of truth, and both
backends evaluate the same boolean query over the same tokens by the same code. The cost is
memory (4 bytes per token of every document: 36 MB at 100,000 resources) and a rebuild of
several seconds at that size (more on a loaded machine) on the first search after a publication.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.catalog.fulltext import Query
from govshare.catalog.models import SearchDocument

_CHUNK = 5_000  # documents split at a time: the whole catalog's token strings would take gigabytes
_lock = threading.Lock()
_cache: dict[str, TokenIndex] = {}


@dataclass
class Postings:
    """token → the sorted facet positions of the documents that have it (compressed rows)."""

    number: dict[str, int]
    starts: np.ndarray  # postings of token k: positions[starts[k]:starts[k + 1]]
    positions: np.ndarray

    def of(self, token: str) -> np.ndarray:
        k = self.number.get(token)
        if k is None:
            return self.positions[:0]
        return self.positions[self.starts[k] : self.starts[k + 1]]


@dataclass
class TokenIndex:
    generation: object
    size: int  # number of positions (published resources)
    text: Postings  # all of a resource's text
    name: Postings  # its name alone (a match there ranks first)

    def match(self, query: Query, in_name: bool = False) -> np.ndarray:
        """A mask over the positions: every group matches (a group: any of its alternatives;
        an alternative: all of its tokens)."""
        postings = self.name if in_name else self.text
        found = np.ones(self.size, dtype=bool)
        for alternatives in query:
            group = np.zeros(self.size, dtype=bool)
            for tokens in alternatives:
                if tokens:
                    group |= self._all_of(postings, tokens)
            found &= group
        return found

    def _all_of(self, postings: Postings, tokens: list[str]) -> np.ndarray:
        # Start from the rarest token: its postings bound the answer.
        lists = sorted((postings.of(t) for t in tokens), key=len)
        mask = np.zeros(self.size, dtype=bool)
        mask[lists[0]] = True
        for other in lists[1:]:
            if not mask.any():
                break
            narrowed = np.zeros(self.size, dtype=bool)
            narrowed[other] = True
            mask &= narrowed
        return mask


def _postings(documents: list[tuple[np.ndarray, list[str]]], size: int) -> Postings:
    """Compressed rows from (positions, their documents' token texts) chunks."""
    # A new token gets the next number as it is first looked up: in C, no Python per token.
    number: defaultdict[str, int] = defaultdict()
    number.default_factory = number.__len__
    codes, owners = [], []
    for positions, texts in documents:
        tokens = " ".join(texts).split()
        codes.append(np.fromiter(map(number.__getitem__, tokens), dtype=np.int64, count=len(tokens)))
        counts = np.fromiter((t.count(" ") + 1 if t else 0 for t in texts), dtype=np.int64, count=len(texts))
        owners.append(np.repeat(positions, counts))
    code = np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)
    owner = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64)
    # One sort of (token, position) keys orders every token's positions; the keys are distinct
    # (a document lists a token once), so an unstable sort is enough and cheaper than argsort.
    key = code * max(size, 1) + owner
    key.sort()
    starts = np.zeros(len(number) + 1, dtype=np.int64)
    np.cumsum(np.bincount(code, minlength=len(number)), out=starts[1:])
    return Postings(number=dict(number), starts=starts, positions=(key % max(size, 1)).astype(np.int32))


def _build(session: Session, generation: object, ids: np.ndarray) -> TokenIndex:
    doc = SearchDocument
    text_chunks: list[tuple[np.ndarray, list[str]]] = []
    name_chunks: list[tuple[np.ndarray, list[str]]] = []
    rows = session.execute(
        select(doc.resource_id, doc.tokens, doc.name_tokens).order_by(doc.resource_id)
    )
    while batch := rows.fetchmany(_CHUNK):
        rids = np.fromiter((r[0] for r in batch), dtype=np.int64, count=len(batch))
        pos = np.clip(np.searchsorted(ids, rids), 0, max(len(ids) - 1, 0))
        keep = ids[pos] == rids if len(ids) else np.zeros(len(batch), dtype=bool)
        # A document of a resource that is no longer published has no position: it is left out.
        kept = [r for r, k in zip(batch, keep, strict=True) if k]
        text_chunks.append((pos[keep], [r[1] for r in kept]))
        name_chunks.append((pos[keep], [r[2] for r in kept]))
    return TokenIndex(
        generation=generation,
        size=len(ids),
        text=_postings(text_chunks, len(ids)),
        name=_postings(name_chunks, len(ids)),
    )


def index(session: Session, generation: object, ids: np.ndarray) -> TokenIndex:
    """The token index for this database at `generation` (the facet index's, whose sorted `ids`
    give the positions), rebuilt when the generation has moved."""
    key = str(session.get_bind().url)
    found = _cache.get(key)
    if found is not None and found.generation == generation and found.size == len(ids):
        return found
    with _lock:
        found = _cache.get(key)
        if found is not None and found.generation == generation and found.size == len(ids):
            return found
        found = _build(session, generation, ids)
        _cache[key] = found
        return found
