"""The public view of an open dataset's quality report: the report the exchange stored with the
live version when it was loaded, cut down to what describes the data and never the data itself.

Kept: the score, each dimension with its published weight, and per rule the item, dimension,
severity, rows checked and failures, with the rule's expectation in words; duplicate groups as
counts. Left out: sample values, duplicate examples (row numbers) and the loader's structural
messages, which may quote values — so nothing personal leaves, whatever the item.
"""

from __future__ import annotations

from typing import Any

from govshare.core.i18n import translate
from govshare.opendata.metadata import Meta
from govshare.quality.report import svg_bars
from govshare.quality.rules import DIMENSIONS, WEIGHTS

MAX_RULES = 200
CHART_RULES = 12


def _number(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def public_report(meta: Meta, lang: str = "zh") -> dict[str, Any] | None:
    """None when the dataset has no data or its load kept no report."""
    report = meta.data.live.version.quality_report if meta.data else None
    if not isinstance(report, dict):
        return None
    weights = {**WEIGHTS, **{k: v for k, v in (report.get("weights") or {}).items() if k in WEIGHTS}}
    scores = report.get("dimensions") or {}
    dimensions = [
        {"dimension": d, "label": translate(f"dim_{d}", lang), "weight": weights[d], "score": scores.get(d)}
        for d in DIMENSIONS
    ]
    rules = [
        {
            "item": str(r.get("item", "")),
            "rule": str(r.get("rule", "")),
            "dimension": str(r.get("dimension", "")),
            "severity": str(r.get("severity", "")),
            "checked": _number(r.get("checked")),
            "failures": _number(r.get("failures")),
            "expected": str(r.get("expected_zh" if lang == "zh" else "expected_en", "")),
        }
        for r in (report.get("rules") or [])[:MAX_RULES]
        if isinstance(r, dict)
    ]
    duplicates = [
        {"key": [str(k) for k in d.get("key", [])], "groups": _number(d.get("groups")),
         "surplus_rows": _number(d.get("surplus_rows"))}
        for d in report.get("duplicates") or []
        if isinstance(d, dict)
    ]
    return {
        "score": meta.quality_score,
        "rows": _number(report.get("rows")),
        "checked_at": report.get("checked_at"),
        "errors": _number(report.get("errors")),
        "warnings": _number(report.get("warnings")),
        "dimensions": dimensions,
        "rules": rules,
        "duplicates": duplicates,
    }


def charts(view: dict[str, Any]) -> dict[str, str]:
    """Inline SVG bar charts (no script; each titled with its own figures as text alternative):
    the dimension scores, and the rules with the most failures."""
    scored = [(d["label"], float(d["score"])) for d in view["dimensions"] if d["score"] is not None]
    failing = sorted(((f"{r['item']} · {r['rule']}", float(r["failures"])) for r in view["rules"] if r["failures"]),
                     key=lambda pair: -pair[1])[:CHART_RULES]
    return {"dimensions": svg_bars(scored, 100), "failures": svg_bars(failing)}
