"""Function overlap between systems (可替代): which system does what another already does.

Descriptions are compared as TF-IDF vectors of character 2–3-grams, which works for Chinese
without word segmentation; each system's nearest neighbour is found by sparse cosine search
(scikit-learn, brute force over the sparse matrix in chunks), never a Python loop over pairs.
Shared catalog resources, where both systems list some, weigh in on the similarity.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import NearestNeighbors

TEXT_WEIGHT = 0.75  # resources corroborate the text; the text carries most of the signal
SHARED_TERMS = 6

PAIR_SCHEMA = {
    "system_id": pl.Int64,
    "partner_id": pl.Int64,
    "similarity": pl.Float64,
    "text_similarity": pl.Float64,
    "shared_resources": pl.List(pl.String),
    "shared_terms": pl.List(pl.String),
}


def nearest_pairs(
    ids: Sequence[int], texts: Sequence[str], resources: Sequence[Sequence[str]], threshold: float
) -> pl.DataFrame:
    """For every system whose nearest other system is at least `threshold` similar: the pair,
    the similarity, the overlapping character n-grams and the resources both hold."""
    if len(ids) < 2:
        return pl.DataFrame(schema=PAIR_SCHEMA)
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, min_df=1)
    matrix = vectorizer.fit_transform([t or "" for t in texts])
    search = NearestNeighbors(n_neighbors=2, metric="cosine", algorithm="brute").fit(matrix)
    distances, neighbours = search.kneighbors(matrix)
    rows = np.arange(len(ids))
    # The nearest is normally the system itself; take the other of the two.
    pick = np.where(neighbours[:, 0] == rows, 1, 0)
    partner = neighbours[rows, pick]
    text_sim = 1.0 - distances[rows, pick]
    # Resources can add at most (1 - TEXT_WEIGHT); below this floor no pair can qualify.
    floor = min(threshold, (threshold - (1 - TEXT_WEIGHT)) / TEXT_WEIGHT)
    candidates = np.nonzero(text_sim >= floor)[0]
    names = vectorizer.get_feature_names_out()
    out = []
    for i in candidates:  # only near pairs: a few per cent of the systems
        j = int(partner[i])
        shared = sorted(set(resources[i] or ()) & set(resources[j] or ()))
        sim = _combined(float(text_sim[i]), resources[i], resources[j], len(shared))
        if sim < threshold:
            continue
        out.append(
            {
                "system_id": int(ids[i]),
                "partner_id": int(ids[j]),
                "similarity": round(sim, 4),
                "text_similarity": round(float(text_sim[i]), 4),
                "shared_resources": shared,
                "shared_terms": _shared_terms(matrix, names, i, j),
            }
        )
    return pl.DataFrame(out, schema=PAIR_SCHEMA)


def _combined(
    text_sim: float, mine: Sequence[str] | None, theirs: Sequence[str] | None, shared: int
) -> float:
    if not mine or not theirs:
        return text_sim
    jaccard = shared / len(set(mine) | set(theirs))
    return TEXT_WEIGHT * text_sim + (1 - TEXT_WEIGHT) * jaccard


def _shared_terms(matrix, names, i: int, j: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The heaviest n-grams both descriptions contain: what a reviewer sees as the overlap."""
    product = matrix[i].multiply(matrix[j]).tocoo()
    order = np.argsort(-product.data)
    terms: list[str] = []
    for col in product.col[order]:
        term = str(names[col]).strip()
        if len(term) == 3 and not any(term.startswith(t) or t in term for t in terms):
            terms.append(term)
        if len(terms) == SHARED_TERMS:
            break
    return terms
