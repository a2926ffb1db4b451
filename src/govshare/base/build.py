"""Building a province's base libraries end to end: catalog entries, generated frames loaded
through the exchange, certificates issued to people and enterprises of those frames.

    summary = build_province(db, actor, Scale.of("small"), seed=2017, progress=print_step)

Used by `govshare demo`, `govshare base generate` and bench/generate.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from govshare.base import certificates, credit, legal_persons, population, spatial
from govshare.base.certificates import IssueRequest
from govshare.base.generator import PERSON_COLUMNS, Frames, Scale, generate
from govshare.base.libraries import ensure_libraries
from govshare.core.audit import Actor
from govshare.core.db import Database

Step = Callable[[str, int, int], None]  # (step, done, total)


@dataclass
class BuildSummary:
    scale: str
    rows: dict[str, int] = field(default_factory=dict)
    certificates: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def prepare(db: Database, actor: Actor, province: str = "330000") -> None:
    """The library and certificate-type catalog entries (idempotent)."""
    with db.session() as session:
        ensure_libraries(session, actor, province)
        certificates.ensure_types(session, actor, province)


def _timed(summary: BuildSummary, name: str, work: Callable[[], object]) -> object:
    started = time.perf_counter()
    result = work()
    summary.seconds[name] = round(time.perf_counter() - started, 3)
    return result


def _rows(step: Step | None, name: str) -> Callable[[int, int], None] | None:
    return (lambda done, total: step(name, done, total)) if step else None


def load_frames(
    db: Database, actor: Actor, frames: Frames, province: str, summary: BuildSummary, step: Step | None = None
) -> None:
    _timed(
        summary,
        "persons",
        lambda: population.load_persons(
            db, actor, frames.persons.select(PERSON_COLUMNS), progress=_rows(step, "persons"), checked=True
        ),
    )
    for key in population.LINKED:
        _timed(
            summary, key, lambda key=key: population.load_linked(db, actor, key, getattr(frames, key), _rows(step, key))
        )
    _timed(
        summary,
        "legal_persons",
        lambda: legal_persons.load_legal_persons(db, actor, frames.legal_persons, _rows(step, "legal_persons")),
    )
    _timed(summary, "credit", lambda: credit.load_credit(db, actor, frames.credit, _rows(step, "credit")))
    _timed(summary, "divisions", lambda: spatial.load_divisions(db, actor, province))
    summary.rows.update(frames.sizes())


def certificate_requests(frames: Frames, limit: int) -> dict[str, list[IssueRequest]]:
    """Certificates that agree with the libraries: ID cards and driving licences for living
    adults, household registers for heads, marriage certificates for married persons, degree
    certificates for graduates with a degree, business licences for enterprises."""
    persons = frames.persons.filter(pl.col("人员状态") == "1")
    adults = persons.filter(pl.col("age") >= 16).head(limit)
    ethnic = {"01": "汉", "22": "畲", "15": "土家", "06": "苗", "08": "壮", "09": "布依", "03": "回"}
    gender = {"1": "男", "2": "女"}
    out: dict[str, list[IssueRequest]] = {"0101": [], "0102": [], "0201": [], "0301": [], "0401": [], "0501": []}
    for p in adults.iter_rows(named=True):
        out["0101"].append(
            IssueRequest(
                "0101",
                p["公民身份号码"],
                p["姓名"],
                {
                    "姓名": p["姓名"],
                    "性别": gender[p["性别代码"]],
                    "民族": ethnic.get(p["民族代码"], p["民族代码"]),
                    "出生日期": p["出生日期"].isoformat(),
                    "住址": p["住址"],
                    "签发机关": "公安局",
                },
                issued_on=date(2021, 3, 1),
            )
        )
    heads = persons.filter(pl.col("与户主关系代码") == "02").head(limit)
    for p in heads.iter_rows(named=True):
        out["0102"].append(
            IssueRequest(
                "0102",
                p["公民身份号码"],
                p["姓名"],
                {"户号": p["户号"], "户主姓名": p["姓名"], "住址": p["住址"], "与户主关系": "户主"},
            )
        )
    for m in frames.marriage.head(limit).iter_rows(named=True):
        out["0201"].append(
            IssueRequest(
                "0201",
                m["公民身份号码"],
                m["姓名"],
                {
                    "持证人": m["姓名"],
                    "配偶姓名": m["配偶姓名"],
                    "配偶公民身份号码": m["配偶公民身份号码"],
                    "登记日期": m["登记日期"].isoformat(),
                    "登记机关": f"{m['登记机关行政区划代码']}民政局",
                },
                issued_on=m["登记日期"],
            )
        )
    enterprises = frames.legal_persons.filter((pl.col("主体类型") == "enterprise") & (pl.col("登记状态") == "1"))
    for e in enterprises.head(limit).iter_rows(named=True):
        out["0301"].append(
            IssueRequest(
                "0301",
                e["统一社会信用代码"],
                e["机构名称"],
                {
                    "名称": e["机构名称"],
                    "类型": "有限责任公司",
                    "法定代表人": e["法定代表人姓名"],
                    "注册资本": f"{e['注册资本（万元）']}万元",
                    "成立日期": e["成立日期"].isoformat(),
                    "住所": e["住所"],
                },
                issued_on=e["成立日期"],
            )
        )
    degrees = frames.education.filter(pl.col("学位证书编号") != "").head(limit)
    names = {"21": "学士", "14": "硕士", "11": "博士"}
    for d in degrees.iter_rows(named=True):
        out["0401"].append(
            IssueRequest(
                "0401",
                d["公民身份号码"],
                d["姓名"],
                {
                    "姓名": d["姓名"],
                    "学位": names.get(d["学历代码"], "学士"),
                    "学科专业": d["专业"],
                    "授予单位": d["毕业院校"],
                    "证书编号": d["学位证书编号"],
                },
                issued_on=d["毕业日期"],
            )
        )
    drivers = adults.filter(pl.col("age") >= 18).head(max(1, limit // 2))
    for p in drivers.iter_rows(named=True):
        out["0501"].append(
            IssueRequest(
                "0501",
                p["公民身份号码"],
                p["姓名"],
                {"姓名": p["姓名"], "准驾车型": "C1", "初次领证日期": "2015-06-01", "住址": p["住址"]},
                issued_on=date(2022, 6, 1),
            )
        )
    return out


# SM2 in pure Python signs about 30 certificates a second on this machine (bench/certificates.py):
# on the national suite the demo issues at most this many per type, so `--scale large` stays minutes.
SM_LIMIT = 300


def issue_certificates(
    db: Database, actor: Actor, frames: Frames, limit: int, summary: BuildSummary, step: Step | None = None
) -> None:
    from govshare.core.config import get_settings

    if get_settings().crypto_suite.value == "sm":
        limit = min(limit, SM_LIMIT)
    started = time.perf_counter()
    for code, requests in certificate_requests(frames, limit).items():
        with db.session() as session:
            summary.certificates[code] = certificates.issue_many(
                session,
                actor,
                code,
                requests,
                (lambda n, code=code, total=len(requests): step(f"certificates {code}", n, total)) if step else None,
            )
    summary.seconds["certificates"] = round(time.perf_counter() - started, 3)


def build_province(
    db: Database, actor: Actor, scale: Scale, seed: int = 2017, province: str = "330000", step: Step | None = None
) -> BuildSummary:
    summary = BuildSummary(scale.name)
    prepare(db, actor, province)
    frames = _timed(summary, "generate", lambda: generate(scale, seed, province))
    assert isinstance(frames, Frames)
    load_frames(db, actor, frames, province, summary, step)
    issue_certificates(db, actor, frames, scale.certificates, summary, step)
    return summary
