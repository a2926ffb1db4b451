"""Catalog search at scale: p50/p95 latency of typical queries with facet counts, against a
LIKE '%…%' scan of the same table in the same run, on SQLite or PostgreSQL.

    python bench/catalog_search.py [--quick] [--size N] [--database URL]

Builds N synthetic published resources with Chinese text (default 100,000; --quick 20,000),
runs 200 typical queries (--quick 60) through the same search function the API uses (jieba,
synonyms, facets over eight fields, first page of hits), then the same queries as a LIKE scan:
every word of the query in the name or the summary (LIKE '%word%'), the matching ids fetched
for the total and the first page, as a catalog without a full-text index would search.
The XLSX import has its own bench (catalog_import.py).
Ends with one JSON line: {"bench","metric","value","baseline","ratio","target","met","size"}.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import result_line  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from govshare.catalog import search, segment  # noqa: E402
from govshare.catalog.models import CatalogResource, ResourceVersion, SearchDocument  # noqa: E402
from govshare.core import migrate  # noqa: E402
from govshare.core.audit import Actor  # noqa: E402
from govshare.core.db import Database, make_engine, utcnow  # noqa: E402
from govshare.orgs import divisions  # noqa: E402
from govshare.orgs.models import Department, DepartmentKind  # noqa: E402

TARGET_MS, TARGET_RATIO = 30.0, 20.0
CITIES = ("330000", "330100", "330200", "330300", "330400", "330500", "330600", "330700")
ORGANS = (
    "公安局",
    "民政局",
    "人力资源和社会保障局",
    "市场监督管理局",
    "教育局",
    "自然资源和规划局",
    "卫生健康委员会",
    "交通运输局",
    "文化和旅游局",
    "发展和改革委员会",
    "住房公积金管理中心",
    "公共资源交易中心",
    "税务局",
    "能源局",
)
SUBJECTS = (
    "户籍人口",
    "社会保险参保",
    "养老保险缴费",
    "企业登记注册",
    "个体工商户",
    "不动产登记",
    "住房公积金缴存",
    "机动车驾驶证",
    "婚姻登记",
    "最低生活保障",
    "中小学学籍",
    "医师执业注册",
    "出生医学证明",
    "道路运输许可",
    "旅游景区",
    "全社会用电量",
    "工程建设招标投标",
    "政府采购",
    "投资项目审批",
    "商品价格监测",
    "行政处罚",
    "信用评价",
    "纳税信用等级",
    "失业保险金领取",
    "就业登记",
    "特种设备",
    "食品经营许可",
    "地质灾害隐患点",
    "预防接种",
    "学生资助",
    "残疾人补贴",
    "养老服务机构",
    "土地供应",
    "国土空间规划",
    "电子证照",
)
KINDS = ("信息", "数据", "目录", "台账", "统计", "记录", "名单", "清单")
ITEMS = (
    "公民身份号码",
    "姓名",
    "性别",
    "出生日期",
    "统一社会信用代码",
    "机构名称",
    "法定代表人",
    "住所",
    "登记日期",
    "证书编号",
    "金额",
    "状态",
    "地址",
    "联系电话",
    "审批结果",
    "有效期限",
    "行政区划代码",
    "经营范围",
)
QUERIES = (
    "社保",
    "人口",
    "企业登记",
    "不动产",
    "公积金",
    "驾照",
    "税",
    "医保",
    "婚姻",
    "学籍",
    "招投标",
    "用电",
    "身份证",
    "低保",
    "价格",
    "投资项目",
    "旅游",
    "景区",
    "处罚",
    "信用",
    "人社局",
    "市监局",
    "户",
    "养老",
    "道路运输",
    "食品",
    "地质灾害",
    "预防接种",
    "政府采购 金额",
    "法定代表人",
    "社会保险 缴费",
    "出生",
)
SHARE = ("unconditional", "conditional", "not_shared")
FORMATS = ("database", "file", "interface")
CYCLES = ("realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular")


def _open_database(url: str | None) -> tuple[Database, callable]:  # type: ignore[valid-type]
    if url is None or url.startswith("sqlite"):
        path = (
            Path(tempfile.mkdtemp()) / "bench.db"
            if url is None
            else Path(make_url(url).database or "")
        )
        db = Database.connect(f"sqlite:///{path}")
        return db, lambda: db.dispose()
    name = f"govshare_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(
        make_url(url)
        .set(drivername="postgresql+psycopg", database="postgres")
        .render_as_string(False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    db = Database.connect(
        make_url(url).set(drivername="postgresql+psycopg", database=name).render_as_string(False)
    )

    def drop() -> None:
        db.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return db, drop


def _departments(db: Database) -> list[tuple[int, str, str]]:
    with db.session() as session:
        divisions.load_reference(session, Actor.system("bench"))
        rows = []
        for n, (division, organ) in enumerate((d, o) for d in CITIES for o in ORGANS):
            dept = Department(
                name=f"{division}{organ}",
                short_name=organ[:2],
                uscc=f"11{n:016d}",
                division_code=division,
                kind=DepartmentKind.GOVERNMENT,
            )
            session.add(dept)
            session.flush()
            rows.append((dept.id, dept.name, division))
        return rows


def _build(db: Database, size: int, rng: random.Random) -> float:
    started = time.perf_counter()
    departments = _departments(db)
    now = utcnow()
    chunk = 5_000
    for start in range(0, size, chunk):
        resources, versions, docs = [], [], []
        for rid in range(start + 1, min(size, start + chunk) + 1):
            dept_id, dept_name, division = rng.choice(departments)
            name = f"{rng.choice(SUBJECTS)}{rng.choice(KINDS)}"
            items = rng.sample(ITEMS, 6)
            summary = (
                f"{dept_name}{name}，含{'、'.join(items[:4])}等，{rng.choice(SUBJECTS)}业务协同使用，"
                f"第{rid}号。"
            )
            share, catalog = (
                rng.choice(SHARE),
                rng.choice(("base", "theme", "department", "department")),
            )
            class_code = {
                "base": "101",
                "theme": "2" + f"{rng.randrange(1, 13):02d}",
                "department": "301",
            }[catalog]
            is_open = rng.random() < 0.3
            resources.append(
                {
                    "id": rid,
                    "code": f"{class_code}/{rid:06d}",
                    "sequence": rid,
                    "provider_id": dept_id,
                    "region_code": division,
                    "name": name,
                    "catalog": catalog,
                    "class_code": class_code,
                    "share_type": share,
                    "open": is_open,
                    "format": rng.choice(FORMATS),
                    "update_cycle": rng.choice(CYCLES),
                    "item_count": 6,
                    "published_at": now,
                    "first_published_at": now,
                    "created_at": now,
                }
            )
            versions.append(
                {
                    "id": rid,
                    "resource_id": rid,
                    "number": 1,
                    "status": "published",
                    "catalog": catalog,
                    "class_code": class_code,
                    "name": name,
                    "provider_code": "",
                    "summary": summary,
                    "format": resources[-1]["format"],
                    "format_detail": "",
                    "share_type": share,
                    "share_conditions": "按需申请" if share == "conditional" else "",
                    "share_basis": "",
                    "open": is_open,
                    "open_conditions": "",
                    "update_cycle": resources[-1]["update_cycle"],
                    "related_codes": [],
                    "system_name": "",
                    "vertical": False,
                    "stored_gb": 1.0,
                    "stored_records": 1000,
                    "shared_gb": 1.0,
                    "shared_records": 1000,
                    "opened_gb": 0,
                    "opened_records": 0,
                    "review_note": "",
                    "created_by": "bench",
                    "created_at": now,
                    "updated_at": now,
                    "reviewed_by": "bench",
                }
            )
            docs.append(
                {
                    "resource_id": rid,
                    "tokens": segment.document_tokens([name, summary, dept_name, *items]),
                    "name_tokens": segment.document_tokens([name]),
                }
            )
        with db.session() as session:
            session.execute(insert(CatalogResource), resources)
            session.execute(insert(ResourceVersion), versions)
            session.execute(
                text(
                    "UPDATE catalog_resource SET published_version_id = id WHERE id BETWEEN :a AND :b"
                ),
                {"a": start + 1, "b": start + chunk},
            )
            session.execute(insert(SearchDocument), docs)
    with db.engine.begin() as conn:
        if db.backend == "postgresql":  # ids were given explicitly: move the sequences past them
            for table in ("catalog_resource", "catalog_version"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def _queries(
    rng: random.Random, count: int, departments: list[int]
) -> list[tuple[str, search.Filters]]:
    out = []
    for n in range(count):
        filters = search.Filters()
        if n % 3 == 1:
            filters.share_type = rng.choice(SHARE)  # type: ignore[assignment]
        if n % 5 == 2:
            filters.provider_id = rng.choice(departments)
        if n % 7 == 3:
            filters.open = True
        out.append((QUERIES[n % len(QUERIES)], filters))
    return out


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def _time_search(db: Database, queries: list[tuple[str, search.Filters]]) -> list[float]:
    samples = []
    with db.sessions() as session:
        started = time.perf_counter()
        # jieba's dictionary loads once per process; the facet and token arrays once per
        # generation (here: after the build), which every worker pays after a publication.
        search.search(session, "预热")
        print(f"first search (loads jieba, builds the in-memory index): {time.perf_counter() - started:.1f} s")
        for q, filters in queries:
            started = time.perf_counter()
            search.search(session, q, filters, limit=20)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def _time_like(db: Database, queries: list[tuple[str, search.Filters]]) -> list[float]:
    """The naive way: every word LIKE '%word%' in name or summary, ids for the total and the
    first page; one scan of the same table per query."""
    samples = []
    with db.sessions() as session:
        for q, _filters in queries:
            words = q.split()
            sql = text(
                "SELECT r.id FROM catalog_resource r JOIN catalog_version v ON v.id = r.published_version_id "
                "WHERE "
                + " AND ".join(f"(v.name LIKE :p{n} OR v.summary LIKE :p{n})" for n in range(len(words)))
            )
            started = time.perf_counter()
            rows = session.execute(sql, {f"p{n}": f"%{w}%" for n, w in enumerate(words)}).all()
            _page = rows[:20]
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="20,000 resources and 60 queries (under a minute)"
    )
    parser.add_argument("--size", type=int, help="number of resources (default 100,000)")
    parser.add_argument(
        "--database", help="sqlite:///path or postgresql://… (a scratch database is made)"
    )
    args = parser.parse_args()
    size = args.size or (20_000 if args.quick else 100_000)
    count = 60 if args.quick else 200
    rng = random.Random(2017)
    db, cleanup = _open_database(args.database)
    try:
        migrate.upgrade(db.engine)
        built = _build(db, size, rng)
        with db.sessions() as session:
            departments = list(session.scalars(select(Department.id)))
        queries = _queries(rng, count, departments)
        fts = _percentiles(_time_search(db, queries))
        like = _percentiles(_time_like(db, queries))
        print(f"backend {db.backend}, {size} resources built in {built:.1f} s, {count} queries")
        print(f"search with facets: p50 {fts[0]:.1f} ms, p95 {fts[1]:.1f} ms")
        print(f"LIKE scan:          p50 {like[0]:.1f} ms, p95 {like[1]:.1f} ms", flush=True)
        print("load average: " + " ".join(f"{n:.1f}" for n in os.getloadavg()))
    finally:
        cleanup()
    ratio = like[1] / fts[1] if fts[1] else float("inf")
    result_line(
        f"catalog_search_{db.backend}",
        "p95_ms_with_facets",
        fts[1],
        like[1],
        ratio,
        TARGET_MS,
        fts[1] <= TARGET_MS and ratio >= TARGET_RATIO,
        size,
    )


if __name__ == "__main__":
    main()
