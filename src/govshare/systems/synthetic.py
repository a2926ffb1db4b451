"""Synthetic systems and daily metrics with planted zombies of every kind at known rates.

Shared by the demo province and bench/zombie_audit.py, so the benchmark measures precision
and recall on the same kind of data an auditor sees in the demo. Everything is generated as
numpy arrays (one row per system, one column per day), never row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

KINDS = ("detached", "replaceable", "idle", "unmaintained", "low_use")
PLANT_RATE = 0.04  # per kind; ~20 % of systems are planted zombies
# Near misses among healthy systems, per kind: each fails its rule by one condition or by
# degree (a short quiet spell, a few idle days, users few but active, related functions),
# so precision measures the rules' conjunctions and thresholds, not an easy separation.
DECOY_RATE = 0.03

VERBS = (
    "登记",
    "审批",
    "查询",
    "统计",
    "监测",
    "核验",
    "预警",
    "备案",
    "受理",
    "办理",
    "分析",
    "公示",
    "归档",
    "调度",
    "评价",
    "采集",
    "发布",
    "核查",
    "协同",
    "管理",
)
OBJECTS = (
    "户籍人口",
    "社会保险",
    "企业注册",
    "不动产",
    "公积金",
    "婚姻登记",
    "学籍",
    "医疗机构",
    "道路运输",
    "旅游景区",
    "能源运行",
    "价格",
    "投资项目",
    "公共资源交易",
    "信用记录",
    "税收征管",
    "就业创业",
    "养老服务",
    "社会救助",
    "殡葬服务",
    "食品安全",
    "药品监管",
    "特种设备",
    "环境监测",
    "水利工程",
    "农业补贴",
    "林业资源",
    "渔业船舶",
    "气象预警",
    "地质灾害",
    "消防检查",
    "安全生产",
    "危险化学品",
    "建筑施工",
    "城市管网",
    "住房保障",
    "公交线路",
    "出租车辆",
    "港口航道",
    "民航旅客",
    "档案资料",
    "统计调查",
    "审计项目",
    "财政预算",
    "国有资产",
    "政府采购",
    "人事任免",
    "机构编制",
    "信访事项",
    "法律援助",
    "公证业务",
    "司法鉴定",
    "社区矫正",
    "退役军人",
    "残疾人",
    "妇女儿童",
    "慈善组织",
    "宗教场所",
    "民族事务",
    "外事护照",
)
SUFFIXES = ("业务", "信息", "数据", "台账", "证照", "事项", "服务", "线索")


@dataclass
class Synthetic:
    systems: (
        pl.DataFrame
    )  # system_id, name, function, users, om_contract_expiry, business_retired, resource_codes
    metrics: pl.DataFrame  # system_id, day, active_users, logins, ... (see models.SystemMetric)
    planted: dict[str, set[int]]  # kind → system ids
    near_misses: dict[str, set[int]]  # kind → healthy system ids that nearly meet the rule


def _phrase(rng: np.random.Generator) -> str:
    return (
        VERBS[rng.integers(len(VERBS))]
        + OBJECTS[rng.integers(len(OBJECTS))]
        + SUFFIXES[rng.integers(len(SUFFIXES))]
    )


def describe(rng: np.random.Generator, n: int) -> list[str]:
    """Distinct function descriptions: five phrases out of ~9,600 each."""
    return ["，".join(_phrase(rng) for _ in range(5)) + "。" for _ in range(n)]


def _near_copy(rng: np.random.Generator, text: str) -> str:
    """The same function reworded: phrases reordered, one short clause added."""
    parts = text.rstrip("。").split("，")
    rng.shuffle(parts)
    return "，".join(parts) + "，" + VERBS[rng.integers(len(VERBS))] + "结果" + "。"


def _plant(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    order = rng.permutation(n)
    per_kind = int(round(n * PLANT_RATE))
    return {kind: np.sort(order[k * per_kind : (k + 1) * per_kind]) for k, kind in enumerate(KINDS)}


def generate(n: int, days: int, as_of: date, seed: int = 2017, first_id: int = 1) -> Synthetic:
    rng = np.random.default_rng(seed)
    ids = np.arange(first_id, first_id + n)
    planted = _plant(rng, n)
    zombie = np.zeros(n, dtype=bool)
    for idx in planted.values():
        zombie[idx] = True
    texts = describe(rng, n)
    resources = [
        [f"R{rng.integers(10**6):06d}" for _ in range(rng.integers(1, 4))] for _ in range(n)
    ]
    originals = rng.choice(np.nonzero(~zombie)[0], size=len(planted["replaceable"]), replace=False)
    for copy, original in zip(planted["replaceable"], originals, strict=True):
        texts[copy] = _near_copy(rng, texts[original])
        resources[copy] = list(resources[original])
    decoys = _decoys(rng, np.setdiff1d(np.nonzero(~zombie)[0], originals))
    for i in decoys["replaceable"]:
        texts[i] = _related(rng, texts[rng.integers(n)])
    users = rng.integers(100, 5000, n)
    users[planted["low_use"]] = rng.integers(3, 40, len(planted["low_use"]))
    few_but_busy = decoys["low_use"][::2]  # few users who use it every day
    users[few_but_busy] = rng.integers(3, 40, len(few_but_busy))
    expiry = [as_of + timedelta(days=int(d)) for d in rng.integers(-200, 900, n)]
    for i in planted["unmaintained"]:
        expiry[i] = as_of - timedelta(days=int(rng.integers(30, 700)))
    for i in decoys["unmaintained"]:  # no release for a year, but still under an O&M contract
        expiry[i] = as_of + timedelta(days=int(rng.integers(30, 700)))
    retired = np.zeros(n, dtype=bool)
    detached = planted["detached"]
    retired[detached[: len(detached) // 4]] = True  # a quarter: the business itself was retired

    metrics = _metrics(rng, n, days, planted, originals)
    _near_misses(rng, metrics, decoys, days)
    days_axis = [as_of - timedelta(days=days - 1 - d) for d in range(days)]
    frame = _to_frame(ids, days_axis, metrics, rng)
    systems = pl.DataFrame(
        {
            "system_id": ids,
            "name": [f"系统{i:05d}" for i in ids],
            "function": texts,
            "users": users,
            "om_contract_expiry": expiry,
            "business_retired": retired,
            "resource_codes": resources,
        }
    )
    return Synthetic(
        systems,
        frame,
        {k: set(ids[v].tolist()) for k, v in planted.items()},
        {k: set(ids[v].tolist()) for k, v in decoys.items()},
    )


def _decoys(rng: np.random.Generator, healthy: np.ndarray) -> dict[str, np.ndarray]:
    per_kind = int(round(len(healthy) / (1 - len(KINDS) * PLANT_RATE) * DECOY_RATE))
    order = rng.permutation(healthy)
    return {kind: np.sort(order[k * per_kind : (k + 1) * per_kind]) for k, kind in enumerate(KINDS)}


def _related(rng: np.random.Generator, other: str) -> str:
    """A different function in a related field: two of five phrases shared."""
    shared = other.rstrip("。").split("，")[:2]
    return "，".join(shared + [_phrase(rng) for _ in range(3)]) + "。"


def _near_misses(
    rng: np.random.Generator, cols: dict[str, np.ndarray], decoys: dict[str, np.ndarray], days: int
) -> None:
    quiet = decoys["detached"]  # a quiet spell shorter than the detached threshold
    spell = rng.integers(30, 150, len(quiet))[:, None]
    mask = np.arange(days)[None, :] >= days - spell
    for name in ("transactions", "data_changes"):
        cols[name][quiet] = np.where(mask, 0, cols[name][quiet])
    idle = decoys["idle"]  # one to three idle days in the last two weeks
    for row, count in zip(idle, rng.integers(1, 4, len(idle)), strict=True):
        picked = days - 1 - rng.choice(14, size=count, replace=False)
        cols["cpu_pct"][row, picked] = rng.uniform(1, 9, count)
        cols["network_bytes"][row, picked] = 1_000_000
    cols["deployments"][decoys["unmaintained"]] = 0
    rare = decoys["low_use"][1::2]  # many users who rarely log in
    cols["logins"][rare] = rng.poisson(0.3, (len(rare), days))


def _metrics(
    rng: np.random.Generator,
    n: int,
    days: int,
    planted: dict[str, np.ndarray],
    originals: np.ndarray,
) -> dict[str, np.ndarray]:
    """(n, days) arrays. Healthy systems: busy, deployed every 1–3 months, CPU 15–70 %."""
    scale = rng.uniform(20, 400, (n, 1))
    logins = rng.poisson(scale * rng.uniform(0.6, 1.4, (n, days)))
    tx = rng.poisson(scale * 3, (n, days))
    changes = rng.poisson(scale, (n, days))
    cpu = rng.uniform(15, 70, (n, days))
    net = rng.integers(50, 5000, (n, days)) * 1_000_000
    period = rng.integers(30, 90, (n, 1))
    deploy = (np.arange(days)[None, :] + rng.integers(0, 90, (n, 1))) % period == 0
    quiet = planted["detached"]
    silent_for = (
        rng.integers(200, days, len(quiet))[:, None]
        if days > 200
        else np.full((len(quiet), 1), days)
    )
    mask = np.arange(days)[None, :] >= days - silent_for
    tx[quiet] = np.where(mask, 0, tx[quiet])
    changes[quiet] = np.where(mask, 0, changes[quiet])
    idle = planted["idle"]
    idle_days = rng.random((len(idle), days)) < 0.7
    cpu[idle] = np.where(idle_days, rng.uniform(0.5, 9, (len(idle), days)), cpu[idle])
    net[idle] = np.where(idle_days, rng.integers(0, 4, (len(idle), days)) * 1_000_000, net[idle])
    stale = planted["unmaintained"]
    deploy[stale] = False
    low = planted["low_use"]
    logins[low] = rng.poisson(0.3, (len(low), days))
    tx[low] = rng.poisson(2, (len(low), days))
    # A copy is used less than the system it duplicates, so the copy is the one flagged.
    copies = planted["replaceable"]
    scale[copies] = scale[originals] * 0.3
    logins[copies] = rng.poisson(scale[copies] * np.ones((1, days)))
    active = np.minimum(logins, rng.integers(1, 5000, (n, 1)))
    return {
        "active_users": active,
        "logins": logins,
        "transactions": tx,
        "data_changes": changes,
        "cpu_pct": cpu,
        "memory_pct": np.clip(cpu + 10, 0, 100),
        "storage_gb": np.full((n, days), 50.0),
        "network_bytes": net,
        "deployments": deploy.astype(np.int64),
        "incidents": (rng.random((n, days)) < 0.01).astype(np.int64),
    }


def _to_frame(
    ids: np.ndarray, days_axis: list[date], cols: dict[str, np.ndarray], rng: np.random.Generator
) -> pl.DataFrame:
    n, days = cols["logins"].shape
    keep = rng.random(n * days) >= 0.01  # monitoring misses about one day in a hundred
    data = {
        "system_id": np.repeat(ids, days)[keep],
        "day": pl.Series(days_axis * n, dtype=pl.Date).filter(pl.Series(keep)),
    }
    for name, values in cols.items():
        data[name] = values.reshape(-1)[keep]
    return pl.DataFrame(data)
