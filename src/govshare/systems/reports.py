"""Reports: the inventory in the census form's own columns (so it can be re-filed), and the
audit's zombie candidates with their evidence, as XLSX or as a standalone HTML page."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from govshare.core.auth import Principal
from govshare.core.i18n import translate
from govshare.orgs import departments
from govshare.systems import assessment, census_import, inventory, zombie
from govshare.systems.models import AuditRun, InformationSystem

AUDIT_HEADERS = (
    "部门",
    "系统编号",
    "系统名称",
    "综合得分",
    "TIME 分类",
    "触发规则",
    "说明",
    *(f"得分：{translate('rule_' + r, 'zh')}" for r in zombie.RULES),
)


def _book(title: str, headers: list[str] | tuple[str, ...], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _census_value(column: census_import.Column, system: InformationSystem, dept_name: str) -> Any:
    if column.key == "department":
        return dept_name
    value = getattr(system, column.key)
    if column.choices:
        reverse = {v: k for k, v in column.choices.items() if k}
        return reverse.get(value, value)
    if isinstance(value, list):
        return "；".join(value)
    return value


def inventory_xlsx(session: Session, principal: Principal) -> bytes:
    systems, _total = inventory.list_systems(session, principal, limit=1_000_000)
    names = _department_names(session, {s.department_id for s in systems})
    rows = [
        [_census_value(c, s, names[s.department_id]) for c in census_import.COLUMNS]
        for s in systems
    ]
    return _book(census_import.SHEET, [c.header for c in census_import.COLUMNS], rows)


def _department_names(session: Session, ids: set[int]) -> dict[int, str]:
    return {i: departments.get_department(session, i).name for i in ids}


def audit_rows(session: Session, run: AuditRun) -> list[dict[str, Any]]:
    found = assessment.flagged(session, run.id)
    names = _department_names(session, {s.department_id for _a, s in found})
    return [
        {
            "department": names[s.department_id],
            "code": s.code,
            "name": s.name,
            "overall": a.overall,
            "time_class": a.time_class,
            "rules": a.flagged_rules,
            "explanation_zh": a.explanation_zh,
            "explanation_en": a.explanation_en,
            "scores": a.scores,
            "system_id": s.id,
        }
        for a, s in found
    ]


def audit_xlsx(rows: list[dict[str, Any]]) -> bytes:
    table = [
        [
            r["department"],
            r["code"],
            r["name"],
            r["overall"],
            r["time_class"],
            "、".join(translate("rule_" + x, "zh") for x in r["rules"]),
            r["explanation_zh"],
            *(r["scores"][k] for k in zombie.RULES),
        ]
        for r in rows
    ]
    return _book("僵尸系统候选", AUDIT_HEADERS, table)


def audit_html(run: AuditRun, rows: list[dict[str, Any]], lang: str = "zh") -> str:
    from govshare.web.templating import templates

    template = templates.env.get_template("systems/report.html")
    return template.render(
        run=run,
        rows=rows,
        lang=lang,
        t=lambda key: translate(key, lang),
        rules=zombie.RULES,
        generated=date.today(),
    )
