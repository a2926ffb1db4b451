"""The zombie-system rules (僵尸信息系统认定), one per criterion of the plan, vectorised.

`assess` takes the inventory and the daily metrics as polars frames and the node's
thresholds, and returns one row per system: a score per rule in [0, 1] (1 = the criterion is
met), the overall score, the rules met, a TIME class and the evidence each rule used. It
touches no database, so the service (`audit.py`), the CLI and bench/ run the same code.

Rules (thresholds in core.config.ZombiePolicy):
  detached      no transactions or data changes for `detached_days`, or its business retired
  replaceable   its function overlaps another, more used system's (overlap.nearest_pairs)
  idle          CPU ≤ idle_cpu_pct and network ≤ idle_network_mb on ≥ idle_min_days of the
                last idle_window_days
  unmaintained  O&M contract expired and no deployment for stale_months
  low_use       fewer than low_use_users users and low_use_monthly_logins log-ins in 30 days
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl

from govshare.core.config import ZombiePolicy
from govshare.systems.overlap import nearest_pairs

RULES = ("detached", "replaceable", "idle", "unmaintained", "low_use")
FUNCTIONAL_RULES = ("detached", "replaceable", "low_use")  # does it still serve the business?
TECHNICAL_RULES = ("idle", "unmaintained")  # is it still run as a live system?
MB = 1_000_000
MONTH_DAYS = 30
COVERAGE = 0.8  # share of days that must be reported before silence counts as evidence

SYSTEM_COLUMNS = (
    "system_id",
    "function",
    "users",
    "om_contract_expiry",
    "business_retired",
    "resource_codes",
)
METRIC_COLUMNS = (
    "system_id",
    "day",
    "logins",
    "transactions",
    "data_changes",
    "cpu_pct",
    "network_bytes",
    "deployments",
    "incidents",
)


def assess(
    systems: pl.DataFrame, metrics: pl.DataFrame, policy: ZombiePolicy, as_of: date
) -> pl.DataFrame:
    """One row per system with score_<rule>, overall, rules (met), time_class, evidence."""
    usage = _usage(metrics.filter(pl.col("day") <= as_of), policy, as_of)
    frame = systems.select(SYSTEM_COLUMNS).join(usage, on="system_id", how="left")
    pairs = _replaceable(frame, policy)
    frame = frame.join(pairs, on="system_id", how="left")
    frame = frame.with_columns(
        _detached(policy, as_of),
        _idle(policy),
        _unmaintained(policy, as_of),
        _low_use(policy),
        score_replaceable=pl.when(pl.col("partner_id").is_not_null())
        .then(pl.min_horizontal(pl.col("similarity") / policy.overlap_similarity, pl.lit(1.0)))
        .otherwise(0.0),
    )
    scores = [pl.col(f"score_{r}") for r in RULES]
    frame = frame.with_columns(
        overall=pl.max_horizontal(scores),
        rules=pl.concat_list(
            [pl.when(pl.col(f"score_{r}") >= 1.0).then(pl.lit(r)) for r in RULES]
        ).list.drop_nulls(),
        functional_fit=1 - pl.max_horizontal([pl.col(f"score_{r}") for r in FUNCTIONAL_RULES]),
        technical_fit=1 - pl.max_horizontal([pl.col(f"score_{r}") for r in TECHNICAL_RULES]),
    )
    return frame.with_columns(time_class=_time_class())


def _usage(metrics: pl.DataFrame, policy: ZombiePolicy, as_of: date) -> pl.DataFrame:
    """Per-system figures over the metrics: one group-by, every window a filtered aggregate."""
    day = pl.col("day")
    active = (pl.col("transactions") > 0) | (pl.col("data_changes") > 0)
    idle_from = as_of - timedelta(days=policy.idle_window_days)
    month_from = as_of - timedelta(days=MONTH_DAYS)
    idle_day = (pl.col("cpu_pct") <= policy.idle_cpu_pct) & (
        pl.col("network_bytes") <= policy.idle_network_mb * MB
    )
    return metrics.group_by("system_id").agg(
        first_day=day.min(),
        last_day=day.max(),
        reported_days=day.count(),
        last_activity=day.filter(active).max(),
        last_deployment=day.filter(pl.col("deployments") > 0).max(),
        idle_days=(idle_day & (day > idle_from)).sum(),
        window_days=(day > idle_from).sum(),
        logins_30=pl.col("logins").filter(day > month_from).sum(),
        month_days=(day > month_from).sum(),
        incidents_90=pl.col("incidents").filter(day > as_of - timedelta(days=90)).sum(),
    )


def _days_between(start: pl.Expr, end: date) -> pl.Expr:
    return (pl.lit(end) - start).dt.total_days()


def _detached(policy: ZombiePolicy, as_of: date) -> pl.Expr:
    # Silence counts only when the metrics cover it: a monitoring gap is not a dead business.
    since = pl.coalesce(pl.col("last_activity"), pl.col("first_day") - pl.duration(days=1))
    silent_days = _days_between(since, as_of)
    covered = pl.col("reported_days") >= COVERAGE * pl.min_horizontal(
        silent_days, _days_between(pl.col("first_day"), as_of) + 1
    )
    ratio = pl.min_horizontal(silent_days / policy.detached_days, pl.lit(1.0))
    return (
        pl.when(pl.col("business_retired"))
        .then(1.0)
        .when(pl.col("reported_days").is_null())
        .then(0.0)
        .when(covered)
        .then(ratio)
        .otherwise(pl.min_horizontal(ratio, pl.lit(0.5)))
        .fill_null(0.0)
        .alias("score_detached")
    )


def _idle(policy: ZombiePolicy) -> pl.Expr:
    return pl.min_horizontal(
        pl.col("idle_days").fill_null(0) / policy.idle_min_days, pl.lit(1.0)
    ).alias("score_idle")


def _unmaintained(policy: ZombiePolicy, as_of: date) -> pl.Expr:
    expired = pl.col("om_contract_expiry").is_not_null() & (pl.col("om_contract_expiry") < as_of)
    stale_days = policy.stale_months * MONTH_DAYS
    since_deploy = _days_between(pl.coalesce(pl.col("last_deployment"), pl.col("first_day")), as_of)
    stale = pl.col("reported_days").is_not_null() & (since_deploy >= stale_days)
    return (expired.cast(pl.Float64) * 0.5 + stale.fill_null(False).cast(pl.Float64) * 0.5).alias(
        "score_unmaintained"
    )


def _low_use(policy: ZombiePolicy) -> pl.Expr:
    few_users = pl.col("users") < policy.low_use_users
    rare = pl.col("month_days").fill_null(0).gt(0) & (
        pl.col("logins_30").fill_null(0) < policy.low_use_monthly_logins
    )
    return (few_users.cast(pl.Float64) * 0.5 + rare.cast(pl.Float64) * 0.5).alias("score_low_use")


def _replaceable(frame: pl.DataFrame, policy: ZombiePolicy) -> pl.DataFrame:
    """Pairs above the threshold; of each pair the less used system is the replaceable one."""
    pairs = nearest_pairs(
        frame["system_id"].to_list(),
        frame["function"].to_list(),
        frame["resource_codes"].to_list(),
        policy.overlap_similarity,
    )
    use = frame.select("system_id", pl.col("logins_30").fill_null(0).alias("use"))
    pairs = (
        pairs.join(use, on="system_id")
        .join(use.rename({"system_id": "partner_id", "use": "partner_use"}), on="partner_id")
        .filter(
            (pl.col("use") < pl.col("partner_use"))
            | (
                (pl.col("use") == pl.col("partner_use"))
                & (pl.col("system_id") > pl.col("partner_id"))
            )
        )
    )
    return pairs.select(
        "system_id",
        "partner_id",
        "similarity",
        "text_similarity",
        "shared_resources",
        "shared_terms",
        "partner_use",
    )


def _time_class() -> pl.Expr:
    """Gartner's TIME: Tolerate, Invest, Migrate, Eliminate from functional and technical fit."""
    functional = pl.col("functional_fit") >= 0.5
    technical = pl.col("technical_fit") >= 0.5
    return (
        pl.when(functional & technical)
        .then(pl.lit("I"))
        .when(functional)
        .then(pl.lit("M"))
        .when(technical)
        .then(pl.lit("T"))
        .otherwise(pl.lit("E"))
    )


# --- evidence and explanation -----------------------------------------------------------


def evidence(row: dict[str, Any], policy: ZombiePolicy, as_of: date) -> dict[str, Any]:
    """What each rule looked at, in figures a reviewer can check against the metrics."""
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "detached": {
            "last_activity": iso(row.get("last_activity")),
            "business_retired": row["business_retired"],
            "reported_days": row.get("reported_days") or 0,
            "threshold_days": policy.detached_days,
        },
        "replaceable": {
            "partner_id": row.get("partner_id"),
            "similarity": row.get("similarity"),
            "text_similarity": row.get("text_similarity"),
            "shared_terms": row.get("shared_terms") or [],
            "shared_resources": row.get("shared_resources") or [],
            "partner_logins_30": row.get("partner_use"),
            "threshold": policy.overlap_similarity,
        },
        "idle": {
            "idle_days": row.get("idle_days") or 0,
            "window_days": policy.idle_window_days,
            "reported_days": row.get("window_days") or 0,
            "cpu_pct_max": policy.idle_cpu_pct,
            "network_mb_max": policy.idle_network_mb,
            "min_days": policy.idle_min_days,
        },
        "unmaintained": {
            "om_contract_expiry": iso(row.get("om_contract_expiry")),
            "last_deployment": iso(row.get("last_deployment")),
            "stale_months": policy.stale_months,
        },
        "low_use": {
            "users": row["users"],
            "logins_30": row.get("logins_30"),
            "max_users": policy.low_use_users,
            "max_logins_30": policy.low_use_monthly_logins,
        },
        "as_of": as_of.isoformat(),
    }


def explain(row: dict[str, Any], ev: dict[str, Any], partner_name: str = "") -> tuple[str, str]:
    """One sentence per rule met, Chinese and English."""
    zh: list[str] = []
    en: list[str] = []
    rules = row["rules"]
    if "detached" in rules:
        d = ev["detached"]
        if d["business_retired"]:
            zh.append("所服务的业务已撤销")
            en.append("the business it served is retired")
        else:
            zh.append(
                f"自 {d['last_activity'] or '监测开始'} 起无业务办理和数据更新，超过 {d['threshold_days']} 天"
            )
            en.append(
                f"no transactions or data changes since {d['last_activity'] or 'monitoring began'}, "
                f"over {d['threshold_days']} days"
            )
    if "replaceable" in rules:
        r = ev["replaceable"]
        terms = "、".join(r["shared_terms"][:4])
        zh.append(
            f"功能与「{partner_name or r['partner_id']}」相似度 {r['similarity']:.2f}（重合：{terms}）"
        )
        en.append(
            f"its function is {r['similarity']:.2f} similar to {partner_name or r['partner_id']} "
            f"(overlap: {', '.join(r['shared_terms'][:4])})"
        )
    if "idle" in rules:
        i = ev["idle"]
        zh.append(
            f"近 {i['window_days']} 天中有 {i['idle_days']} 天 "
            f"CPU≤{i['cpu_pct_max']:g}% 且流量≤{i['network_mb_max']:g}MB"
        )
        en.append(
            f"{i['idle_days']} of the last {i['window_days']} days with CPU ≤ {i['cpu_pct_max']:g}% "
            f"and network ≤ {i['network_mb_max']:g} MB"
        )
    if "unmaintained" in rules:
        u = ev["unmaintained"]
        zh.append(
            f"运维合同于 {u['om_contract_expiry']} 到期，{u['stale_months']} 个月以上无部署更新"
        )
        en.append(
            f"O&M contract expired on {u['om_contract_expiry']}, no deployment for over {u['stale_months']} months"
        )
    if "low_use" in rules:
        lu = ev["low_use"]
        zh.append(f"用户 {lu['users']} 个，近 30 天登录 {lu['logins_30']} 次，范围小、频度低")
        en.append(
            f"{lu['users']} users and {lu['logins_30']} log-ins in 30 days: small scope, low frequency"
        )
    if not zh:
        return "未触发僵尸系统认定规则", "no zombie criterion is met"
    return "；".join(zh) + "。", "; ".join(en) + "."
