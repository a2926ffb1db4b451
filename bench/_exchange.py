"""Shared by the exchange benchmarks: a person file generated with numpy, and a scratch node with
two departments and a published conditional person resource of the provider."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK = np.array(list("10X98765432"))
ITEMS = [
    {"name": "公民身份号码", "data_type": "string", "length": 18, "element_code": "DE0001"},
    {"name": "姓名", "data_type": "string", "length": 50, "element_code": "DE0002"},
    {"name": "参保状态", "data_type": "string", "length": 2},
    {"name": "参保日期", "data_type": "date"},
    {"name": "缴费基数", "data_type": "number"},
    {"name": "所属区划", "data_type": "string", "length": 6},
]


def persons(rows: int, seed: int = 2017) -> pl.DataFrame:
    """`rows` persons with unique, valid GB 11643 ID numbers (sequence = row number)."""
    rng = np.random.default_rng(seed)
    divisions = np.array(["330102", "330106", "330203", "330302"])[rng.integers(0, 4, rows)]
    n = np.arange(rows)
    # Unique IDs: the birth date moves on every 999 rows, so (date, sequence 001–999) never repeats.
    birth = (np.datetime64("1950-01-01") + (n // 999) % 20000).astype("datetime64[D]")
    birth_text = np.char.replace(birth.astype(str), "-", "")
    first17 = np.char.add(np.char.add(divisions, birth_text), np.char.zfill((n % 999 + 1).astype(str), 3))
    digits = np.frombuffer("".join(first17).encode("ascii"), dtype=np.uint8).reshape(-1, 17) - 48
    ids = np.char.add(first17, CHECK[(digits.astype(np.int64) @ WEIGHTS) % 11])
    names = np.char.add(np.array(list("王李张刘陈杨黄赵吴周"))[n % 10], np.array(["小明", "红", "建国", "丽"])[n % 4])
    joined = (np.datetime64("2005-01-01") + rng.integers(0, 7000, rows)).astype("datetime64[D]").astype(str)
    return pl.DataFrame({"公民身份号码": ids, "姓名": names, "参保状态": np.array(["01", "02"])[n % 2],
                         "参保日期": joined, "缴费基数": (3000 + rng.integers(0, 20000, rows)).astype(str),
                         "所属区划": divisions})


@dataclass
class Node:
    resource_id: int
    provider_id: int
    consumer_id: int


def setup_node(db) -> Node:  # type: ignore[no-untyped-def]
    """Two departments and a published conditional person resource of the first."""
    from govshare.catalog import workflow
    from govshare.catalog.schemas import ResourceIn
    from govshare.core.audit import Actor
    from govshare.core.auth import Principal, Role
    from govshare.orgs import departments, divisions
    from govshare.orgs.models import DepartmentKind
    from govshare.orgs.schemas import DepartmentIn
    from govshare.standards.identifiers import make_uscc

    actor = Actor.system("bench")
    admin = Principal(kind="user", name="bench", department_id=None, roles=frozenset({Role.PLATFORM_ADMIN}))
    with db.session() as session:
        divisions.ensure_loaded(session, actor)
        made = [departments.create_department(session, actor, DepartmentIn(
            name=name, uscc=make_uscc("1", "1", "330000", f"00{n:06d}"), division_code="330000",
            kind=DepartmentKind.GOVERNMENT)) for n, name in ((2, "浙江省人力资源和社会保障厅"), (3, "浙江省公安厅"))]
        saved = workflow.create(session, admin, actor, ResourceIn(
            catalog="department", name="社会保险参保人员信息", provider_id=made[0].id, summary="参保人员基本信息",
            format="database", share_type="conditional", share_conditions="仅用于社会保障相关业务",
            share_mode="platform", share_method="interface", update_cycle="daily", items=ITEMS))
        workflow.submit(session, admin, actor, saved.resource.id)
        workflow.publish(session, admin, actor, saved.resource.id)
        return Node(saved.resource.id, made[0].id, made[1].id)
