"""The synonym and abbreviation dictionary officials search with (社保 → 社会保险).

The shipped seed below is the starting dictionary; administrators add, change or switch off
terms, and those edits (table catalog_search_term) take precedence over the seed.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from govshare.catalog.models import SearchTerm
from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.db import utcnow
from govshare.core.errors import InvalidInput, NotFound

SEED: dict[str, tuple[str, ...]] = {
    "社保": ("社会保险", "社会保障"),
    "医保": ("医疗保险", "医疗保障"),
    "养老金": ("养老保险",),
    "公积金": ("住房公积金",),
    "人社": ("人力资源和社会保障",),
    "人社局": ("人力资源和社会保障局",),
    "人社厅": ("人力资源和社会保障厅",),
    "市监": ("市场监督管理",),
    "市监局": ("市场监督管理局",),
    "市场监管": ("市场监督管理",),
    "工商": ("市场监督管理", "企业登记"),
    "发改委": ("发展和改革委员会",),
    "卫健委": ("卫生健康委员会",),
    "住建": ("住房和城乡建设",),
    "文旅": ("文化和旅游",),
    "交通局": ("交通运输局", "交通运输厅"),
    "数据局": ("大数据发展管理局", "数据资源管理局"),
    "身份证": ("公民身份号码", "居民身份证"),
    "身份证号": ("公民身份号码",),
    "户口": ("户籍",),
    "低保": ("最低生活保障",),
    "信用代码": ("统一社会信用代码",),
    "招投标": ("招标投标",),
    "驾照": ("机动车驾驶证", "驾驶证"),
    "不动产证": ("不动产权证书",),
    "电力": ("用电", "电网"),
    "双随机": ("随机抽取检查对象",),
}


def dictionary(session: Session) -> dict[str, tuple[str, ...]]:
    """The effective dictionary: the seed with every edit applied."""
    terms = dict(SEED)
    for term, expansions, active in session.execute(
        select(SearchTerm.term, SearchTerm.expansions, SearchTerm.active)
    ):
        if active:
            terms[term] = tuple(expansions)
        else:
            terms.pop(term, None)
    return terms


# Every search needs the dictionary; it changes rarely. Each worker keeps it per database and
# reads it again when the edits' generation (their number and newest time) differs, so an edit
# made through another worker is used on the next search.
GENERATION_SQL = "(SELECT count(*) FROM catalog_search_term), (SELECT max(updated_at) FROM catalog_search_term)"
_lock = threading.Lock()
_cache: dict[str, tuple[Any, dict[str, tuple[str, ...]]]] = {}


def current(session: Session, generation: Any = None) -> dict[str, tuple[str, ...]]:
    """The effective dictionary, from the worker's copy when `generation` (the values of
    GENERATION_SQL, read by the caller with its other questions) is unchanged."""
    if generation is None:  # the same statement as the caller's, so the values compare equal
        generation = tuple(session.execute(text(f"SELECT {GENERATION_SQL}")).one())
    key = str(session.get_bind().url)
    found = _cache.get(key)
    if found is not None and found[0] == generation:
        return found[1]
    terms = dictionary(session)
    with _lock:
        _cache[key] = (generation, terms)
    return terms


def entries(session: Session) -> list[dict]:
    edited = {row.term: row for row in session.scalars(select(SearchTerm))}
    rows = [
        {"term": term, "expansions": list(exp), "active": True, "origin": "seed"}
        for term, exp in SEED.items()
        if term not in edited
    ]
    rows += [
        {"term": r.term, "expansions": list(r.expansions), "active": r.active, "origin": "edited"}
        for r in edited.values()
    ]
    return sorted(rows, key=lambda r: r["term"])


def _clean(term: str, expansions: list[str]) -> tuple[str, list[str]]:
    term = term.strip()
    cleaned = [e.strip() for e in expansions if e.strip() and e.strip() != term]
    if not term or len(term) > 50:
        raise InvalidInput(
            "term must have 1 to 50 characters", "词条长度应为 1–50 个字符", field="term"
        )
    if not cleaned:
        raise InvalidInput(
            "give at least one expansion different from the term",
            "请至少填写一个与词条不同的同义词或全称",
            field="expansions",
        )
    return term, cleaned


def set_term(
    session: Session, actor: Actor, term: str, expansions: list[str], active: bool = True
) -> dict:
    term, cleaned = _clean(term, expansions)
    row = session.get(SearchTerm, term) or SearchTerm(term=term)
    before = list(row.expansions or [])
    row.expansions, row.active, row.updated_at, row.updated_by = (
        cleaned,
        active,
        utcnow(),
        actor.name,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "catalog.term.set",
        object_type="catalog_search_term",
        object_id=term,
        details={"before": before, "after": cleaned, "active": active},
    )
    return {"term": term, "expansions": cleaned, "active": active, "origin": "edited"}


def remove_term(session: Session, actor: Actor, term: str) -> None:
    """Switches a term off (a seed term stays off; an added one is gone)."""
    if term not in SEED and session.get(SearchTerm, term) is None:
        raise NotFound(f"no dictionary term {term!r}", f"词典中没有“{term}”")
    row = session.get(SearchTerm, term) or SearchTerm(
        term=term, expansions=list(SEED.get(term, ()))
    )
    row.active, row.updated_at, row.updated_by = False, utcnow(), actor.name
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "catalog.term.remove", object_type="catalog_search_term", object_id=term
    )
