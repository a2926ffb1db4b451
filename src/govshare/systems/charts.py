"""ECharts options for the systems pages. Every chart carries its figures as a text
alternative (the `alt`), rendered as the element's aria-label."""

from __future__ import annotations

from typing import Any

from govshare.core.i18n import translate
from govshare.systems.models import SystemMetric
from govshare.web import dashboard


def counts(title: str, pairs: list[tuple[str, int]], kind: str = "bar") -> dict[str, Any]:
    """Bars or a pie of counts, drawn as on the home page; an empty chart still says so."""
    drawn = dashboard.chart(title, pairs, kind)
    drawn["alt"] = drawn["alt"] or "-"
    return drawn


def metrics_line(series: list[SystemMetric], lang: str) -> dict[str, Any]:
    days = [m.day.isoformat() for m in series]
    lines = {
        "chart_logins": [m.logins for m in series],
        "chart_transactions": [m.transactions for m in series],
        "chart_cpu": [round(m.cpu_pct, 1) for m in series],
    }
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 50, "right": 50, "bottom": 50, "top": 20},
        "xAxis": {"type": "category", "data": days},
        "yAxis": [{"type": "value"}, {"type": "value", "max": 100}],
        "series": [
            {
                "type": "line",
                "name": translate(key, lang),
                "data": values,
                "showSymbol": False,
                "yAxisIndex": 1 if key == "chart_cpu" else 0,
            }
            for key, values in lines.items()
        ],
    }
    alt = "; ".join(
        f"{translate(k, lang)}: {sum(v) / len(v):.1f} avg, {min(v)}–{max(v)}"
        for k, v in lines.items()
        if v
    )
    return {"title": "metrics_over_time", "option": option, "alt": alt or "-"}


def progress_bars(title: str, items: list[tuple[str, int, bool]]) -> dict[str, Any]:
    """Per item: progress %, overdue items in red, so lag against the deadline stands out."""
    option = {
        "tooltip": {},
        "grid": {"left": 160, "right": 20, "bottom": 30, "top": 10},
        "xAxis": {"type": "value", "max": 100},
        "yAxis": {"type": "category", "data": [name for name, _p, _o in items]},
        "series": [
            {
                "type": "bar",
                "data": [
                    {"value": p, "itemStyle": {"color": "#a4161a" if late else "#2b7a0b"}}
                    for _n, p, late in items
                ],
            }
        ],
    }
    alt = "; ".join(f"{name}: {p}%{' (overdue)' if late else ''}" for name, p, late in items)
    return {"title": title, "option": option, "alt": alt or "-"}


def by_department(
    rows: list[dict[str, Any]], names: dict[int, str], top: int = 20
) -> list[tuple[str, int, bool]]:
    """Mean progress per department, flagged when any of its items is past its deadline;
    the departments with the most overdue items first."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["department_id"], []).append(row)
    ranked = sorted(grouped.items(), key=lambda kv: (-sum(r["overdue"] for r in kv[1]), kv[0]))[
        :top
    ]
    return [
        (
            names.get(dept, str(dept)),
            round(sum(r["progress"] for r in group) / len(group)),
            any(r["overdue"] for r in group),
        )
        for dept, group in ranked
    ]


def plan_states(rows: list[dict[str, Any]], lang: str) -> list[tuple[str, int]]:
    """Plan items by status, overdue ones counted apart."""
    counts: dict[str, int] = {}
    for row in rows:
        key = "overdue" if row["overdue"] else f"plan_{row['status']}"
        counts[key] = counts.get(key, 0) + 1
    return [(translate(key, lang), n) for key, n in sorted(counts.items())]
