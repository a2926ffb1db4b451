"""The quality report: what was checked, what failed where, and the score.

`QualityReport.to_dict()` is the JSON form stored with a dataset version and answered by the
API; `render_html` (a self-contained page with SVG charts, no scripts) and `render_xlsx` are
for people. Sample values of personal items are masked (GB/T 35273) unless the caller asks
otherwise and is entitled to.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from govshare.quality.rules import DIMENSIONS, WEIGHTS

DUPLICATE_NOTE = ("duplicates are counted as surplus rows: a group of n equal rows adds n - 1; the "
                  "number of groups is given too")
DUPLICATE_NOTE_ZH = "重复按多余行计数：n 行相同的一组计 n-1 行；同时给出重复组数"


@dataclass
class RuleResult:
    id: str
    rule: str
    dimension: str
    item: str
    severity: str
    failures: int
    checked: int
    expected_en: str
    expected_zh: str


@dataclass
class Sample:
    row: int
    item: str
    rule: str
    value: str | None
    expected_en: str
    expected_zh: str


@dataclass
class DuplicateResult:
    key: list[str]  # [] = whole rows
    groups: int
    surplus_rows: int
    examples: list[list[int]] = field(default_factory=list)  # rows of the first groups
    surplus_row_numbers: list[int] = field(default_factory=list, repr=False)  # with keep_rows only


@dataclass
class QualityReport:
    file: dict[str, Any]
    schema: dict[str, Any]
    checked_at: datetime
    rows: int = 0
    blank_rows: int = 0
    seconds: float = 0.0
    issues: list[dict[str, Any]] = field(default_factory=list)
    rules: list[RuleResult] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    duplicates: list[DuplicateResult] = field(default_factory=list)
    skipped_rules: list[dict[str, Any]] = field(default_factory=list)
    timeliness: dict[str, Any] | None = None
    dimensions: dict[str, float | None] = field(default_factory=dict)
    score: float = 0.0
    masked: bool = True
    failing_rows: dict[str, list[int]] = field(default_factory=dict, repr=False)  # with keep_rows only

    @property
    def errors(self) -> int:
        failing = sum(r.failures for r in self.rules if r.severity == "error")
        structural = sum(max(i.get("count", 0), 1) for i in self.issues if i["severity"] == "error")
        surplus = sum(d.surplus_rows for d in self.duplicates)
        late = 1 if self.timeliness and not self.timeliness.get("ok", True) else 0
        return failing + structural + surplus + late

    @property
    def warnings(self) -> int:
        return sum(r.failures for r in self.rules if r.severity == "warning") + \
            sum(1 for i in self.issues if i["severity"] == "warning")

    @property
    def ok(self) -> bool:
        return self.errors == 0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "schema": self.schema, "checked_at": self.checked_at.isoformat(),
            "rows": self.rows, "blank_rows": self.blank_rows, "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second), "ok": self.ok, "errors": self.errors,
            "warnings": self.warnings, "score": self.score, "dimensions": self.dimensions,
            "weights": WEIGHTS, "issues": self.issues, "rules": [asdict(r) for r in self.rules],
            "items": self.items,
            "duplicates": [{k: v for k, v in asdict(d).items() if k != "surplus_row_numbers"}
                           for d in self.duplicates],
            "duplicates_counted_as": "surplus_rows", "duplicates_note": DUPLICATE_NOTE,
            "duplicates_note_zh": DUPLICATE_NOTE_ZH, "skipped_rules": self.skipped_rules,
            "timeliness": self.timeliness, "samples": [asdict(s) for s in self.samples],
            "masked": self.masked,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


# --- score -----------------------------------------------------------------------------------


def _ratio_score(bad: int, total: int) -> float | None:
    if total <= 0:
        return None
    return round(100.0 * max(0.0, 1.0 - bad / total), 2)


def dimension_scores(report: QualityReport, required_cells: int, checked_cells: int,
                     cross_checks: int) -> dict[str, float | None]:
    """Per dimension: 100 × (1 − failing checks / checks made); None when nothing was checked."""
    def failures(dimension: str) -> int:
        return sum(r.failures for r in report.rules if r.dimension == dimension and r.severity == "error")

    structure = sum(i.get("count", 0) for i in report.issues if i["severity"] == "error")
    scores: dict[str, float | None] = {
        "completeness": _ratio_score(failures("completeness"), required_cells),
        "validity": _ratio_score(failures("validity") + structure, checked_cells + structure),
        "uniqueness": _ratio_score(max((d.surplus_rows for d in report.duplicates), default=0), report.rows)
        if report.rows else None,
        "consistency": _ratio_score(failures("consistency"), cross_checks),
        "timeliness": None,
    }
    if report.timeliness and report.timeliness.get("score") is not None:
        scores["timeliness"] = report.timeliness["score"]
    return scores


def overall_score(dimensions: dict[str, float | None]) -> float:
    """Weighted mean over the dimensions that were evaluated (weights renormalised)."""
    used = {d: s for d, s in dimensions.items() if s is not None}
    if not used:
        return 0.0
    weight = sum(WEIGHTS[d] for d in used)
    return round(sum(WEIGHTS[d] * s for d, s in used.items()) / weight, 1)


# --- HTML ------------------------------------------------------------------------------------


def svg_bars(pairs: list[tuple[str, float]], maximum: float | None = None, unit: str = "") -> str:
    """A horizontal bar chart as inline SVG, titled with its own figures (text alternative)."""
    from markupsafe import escape

    if not pairs:
        return ""
    top = maximum or max(v for _n, v in pairs) or 1
    height = 24 * len(pairs) + 8
    alt = "; ".join(f"{n}: {v:g}{unit}" for n, v in pairs)
    bars = []
    for i, (name, value) in enumerate(pairs):
        width = 0 if top == 0 else 300 * value / top
        y = 4 + 24 * i
        bars.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(name[:28])}</text>'
                    f'<rect x="200" y="{y + 3}" width="{width:.1f}" height="16" fill="#a4161a"/>'
                    f'<text x="{205 + width:.1f}" y="{y + 15}" font-size="12">{value:g}{unit}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(alt)}" '
            f'width="560" height="{height}" viewBox="0 0 560 {height}"><title>{escape(alt)}</title>'
            + "".join(bars) + "</svg>")


def render_html(report: QualityReport, lang: str = "zh") -> str:
    """A standalone HTML report (for files and e-mail): no scripts, charts as SVG."""
    from govshare.web.templating import templates

    template = templates.env.get_template("quality/standalone.html")
    from govshare.core.i18n import translate

    return template.render(r=report, data=report.to_dict(), lang=lang, t=lambda k: translate(k, lang),
                           charts=report_charts(report, lang))


def report_charts(report: QualityReport, lang: str) -> dict[str, str]:
    from govshare.core.i18n import translate

    dims = [(translate(f"dim_{d}", lang), s) for d in DIMENSIONS
            if (s := report.dimensions.get(d)) is not None]
    failing = sorted(((f"{r.item} · {r.rule}", r.failures) for r in report.rules if r.failures),
                     key=lambda p: -p[1])[:12]
    return {"dimensions": svg_bars(dims, 100), "failures": svg_bars(failing)}


# --- XLSX ------------------------------------------------------------------------------------


def render_xlsx(report: QualityReport) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    text = book.add_format({"num_format": "@"})
    data = report.to_dict()
    summary = book.add_worksheet("summary 概要")
    rows: list[tuple[str, Any]] = [
        ("file 文件", data["file"]["name"]), ("format 格式", data["file"]["format"]),
        ("encoding 编码", data["file"].get("encoding") or ""), ("rows 行数", data["rows"]),
        ("score 得分", data["score"]), ("errors 错误", data["errors"]), ("warnings 警告", data["warnings"]),
        ("checked at 检查时间", data["checked_at"]), ("duplicates 重复计数", DUPLICATE_NOTE_ZH),
    ] + [(f"{d} (weight {WEIGHTS[d]})", data["dimensions"].get(d)) for d in DIMENSIONS]
    for i, (key, value) in enumerate(rows):
        summary.write(i, 0, key, bold)
        summary.write(i, 1, "" if value is None else value)
    _sheet(book, "rules 规则", ["item", "rule", "dimension", "severity", "failures", "checked",
                               "expected", "要求"],
           [[r.item, r.rule, r.dimension, r.severity, r.failures, r.checked, r.expected_en, r.expected_zh]
            for r in report.rules], bold, text)
    _sheet(book, "samples 样例", ["row", "item", "rule", "value", "expected", "要求"],
           [[s.row, s.item, s.rule, s.value or "", s.expected_en, s.expected_zh] for s in report.samples],
           bold, text)
    _sheet(book, "issues 问题", ["code", "severity", "message", "说明", "rows"],
           [[i["code"], i["severity"], i["message"], i["message_zh"], ", ".join(map(str, i.get("rows", [])))]
            for i in report.issues], bold, text)
    _sheet(book, "duplicates 重复", ["key", "groups", "surplus rows", "example rows"],
           [["+".join(d.key) or "(whole row)", d.groups, d.surplus_rows,
             "; ".join(",".join(map(str, g)) for g in d.examples)] for d in report.duplicates], bold, text)
    book.close()
    return out.getvalue()


def _sheet(book: Any, name: str, header: list[str], rows: list[list[Any]], bold: Any, text: Any) -> None:
    sheet = book.add_worksheet(name)
    sheet.write_row(0, 0, header, bold)
    for i, row in enumerate(rows, 1):
        for j, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(i, j, value, text)  # ID numbers stay text
            else:
                sheet.write(i, j, value)
    sheet.set_column(0, len(header) - 1, 18)
