"""Demo quality history: three monthly loads of a population extract, getting cleaner."""

from __future__ import annotations

import random
import tempfile
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from govshare.core.audit import Actor
from govshare.quality.engine import CheckOptions
from govshare.quality.schema import ItemSpec, schema_from_items
from govshare.quality.service import run_check
from govshare.standards.identifiers import make_citizen_id

RESOURCE = "330000/RK-0001"
HEADER = "公民身份号码,姓名,性别代码,出生日期,行政区划代码,手机号码"


def _rows(rng: random.Random, count: int, defects: int) -> list[str]:
    rows = []
    for n in range(count):
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
        seq = rng.randrange(1000)
        cid = make_citizen_id("330102", born, seq)
        gender = "1" if seq % 2 else "2"
        if n < defects:  # the usual mistakes: check digit, gender code, a date typed wrong
            cid, gender = (cid[:17] + ("0" if cid[17] != "0" else "1"), gender) if n % 3 == 0 else (cid, gender)
            gender = "男" if n % 3 == 1 else gender
        rows.append(f"{cid},{rng.choice('王李张刘陈')}{rng.choice('伟芳娜敏静')},{gender},"
                    f"{born:%Y%m%d}{'' if n % 3 != 2 or n >= defects else '9'},330102,138{rng.randrange(10**8):08d}")
    return rows


def build(session: Session, actor: Actor, rng: random.Random) -> None:
    schema = schema_from_items([
        ItemSpec("公民身份号码", element="DE0101", required=True), ItemSpec("姓名", element="DE0102", required=True),
        ItemSpec("性别代码", element="DE0103"), ItemSpec("出生日期", element="DE0105"),
        ItemSpec("行政区划代码", element="DE0106"), ItemSpec("手机号码", element="DE0108"),
    ], name="人口基本信息", resource_code=RESOURCE, primary_key=["公民身份号码"])
    with tempfile.TemporaryDirectory(prefix="govshare-demo-") as tmp:
        for month, defects in ((1, 40), (2, 15), (3, 2)):
            path = Path(tmp) / f"人口基本信息-2026{month:02d}.csv"
            path.write_text("\n".join([HEADER, *_rows(rng, 500, defects)]) + "\n", encoding="gbk")
            run_check(session, actor, path, schema, CheckOptions(), dataset_version_ref=f"2026-{month:02d}")
