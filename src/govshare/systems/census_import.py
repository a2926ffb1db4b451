"""The census form (信息系统普查表): an XLSX template departments fill in, and its import.

Every problem is reported with its sheet, row and column and what is expected; a file with
any problem imports nothing (one transaction, validated in full before the first write).
A valid file becomes one census return per department, which the authority then reviews.
"""

from __future__ import annotations

import io
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.auth import Principal
from govshare.core.clock import today
from govshare.core.errors import AppError, InvalidInput, NotFound
from govshare.orgs import departments
from govshare.systems import holdings, inventory
from govshare.systems.models import (
    CensusReturn,
    Frequency,
    InformationSystem,
    Lifecycle,
    Network,
    ReturnStatus,
)
from govshare.systems.schemas import SystemIn

SHEET = "信息系统"
MAX_ROWS = 20_000

FREQUENCY = {
    "每日": Frequency.DAILY,
    "每周": Frequency.WEEKLY,
    "每月": Frequency.MONTHLY,
    "偶尔": Frequency.RARELY,
}
NETWORK = {
    "内网": Network.INTRANET,
    "外网": Network.EXTRANET,
    "专网": Network.DEDICATED,
    "互联网": Network.INTERNET,
}
STATE = {
    "规划中": Lifecycle.PLANNED,
    "在用": Lifecycle.IN_USE,
    "整合中": Lifecycle.INTEGRATING,
    "下线中": Lifecycle.RETIRING,
    "已下线": Lifecycle.RETIRED,
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    kind: str = "text"  # text | int | number | date | choice | list | bool
    choices: dict[str, Any] | None = None


COLUMNS: tuple[Column, ...] = (
    Column("department", "填报部门", True),
    Column("code", "系统编号"),
    Column("name", "系统名称", True),
    Column("function", "主要功能", True),
    Column("users", "用户数", True, "int"),
    Column("scope_departments", "使用部门数", False, "int"),
    Column("scope_regions", "使用地区"),
    Column("frequency", "使用频度", True, "choice", FREQUENCY),
    Column("approving_department", "审批部门", True),
    Column("approval_date", "审批时间", True, "date"),
    Column("funding_source", "资金来源", True),
    Column("builder", "建设单位"),
    Column("contractor", "承建单位"),
    Column("om_unit", "运维单位"),
    Column("om_contract_expiry", "运维合同到期日", False, "date"),
    Column("build_cost", "建设投资（万元）", False, "number"),
    Column("om_cost_yearly", "年运维费用（万元）", False, "number"),
    Column("network", "部署网络", True, "choice", NETWORK),
    Column("dedicated_network", "专网名称"),
    Column("mlps_level", "等保级别", False, "int"),
    Column("hosting", "部署方式"),
    Column("state", "状态", False, "choice", STATE),
    Column("linked_codes", "关联系统编号", False, "list"),
    Column("resource_codes", "目录资源代码", False, "list"),
)
# Column Y (已接入共享交换平台) of the first form is gone: being connected is derived from the
# held resources (systems.exchange_link). A value left in it by an old form is ignored.
BY_KEY = {c.key: c for c in COLUMNS}


@dataclass
class Problem:
    sheet: str
    row: int
    column: str  # letter, e.g. "J"
    header: str
    message: str
    message_zh: str


def template() -> bytes:
    """The blank form: one header row, drop-down lists for the coded columns, a notes sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([c.header + ("*" if c.required else "") for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        if column.choices:
            rule = DataValidation(
                type="list", formula1='"' + ",".join(k for k in column.choices if k) + '"'
            )
            rule.add(f"{letter}2:{letter}{MAX_ROWS}")
            sheet.add_data_validation(rule)
    notes = book.create_sheet("填表说明")
    notes.append(["列", "必填", "说明"])
    for column in COLUMNS:
        allowed = "、".join(k for k in (column.choices or {}) if k)
        notes.append([column.header, "是" if column.required else "否", allowed or column.kind])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(column: Column, raw: Any) -> Any:
    """The typed value, or raise ValueError with (en, zh) reasons."""
    if isinstance(raw, str):
        raw = raw.strip()
    if raw is None or raw == "":
        if column.required:
            raise ValueError("is required", "为必填项")
        return None
    if column.kind == "int":
        if isinstance(raw, bool) or not re.fullmatch(r"-?\d+(\.0+)?", str(raw)):
            raise ValueError(f"expects a whole number, got {raw!r}", f"应为整数，实际为 {raw!r}")
        return int(float(raw))
    if column.kind == "number":
        try:
            return float(raw)
        except ValueError:
            raise ValueError(
                f"expects a number, got {raw!r}", f"应为数字，实际为 {raw!r}"
            ) from None
    if column.kind == "date":
        return _date(raw)
    if column.kind == "choice":
        assert column.choices is not None
        key = str(raw)
        if key in column.choices:
            return column.choices[key]
        english = {str(getattr(v, "value", v)).lower(): v for v in column.choices.values()}
        if key.lower() in english:
            return english[key.lower()]
        allowed = "、".join(k for k in column.choices if k)
        raise ValueError(
            f"expects one of {allowed}, got {raw!r}", f"应为 {allowed} 之一，实际为 {raw!r}"
        )
    if column.kind == "list":
        return [part for part in re.split(r"[;；,，、\s]+", str(raw)) if part]
    return str(raw)


def _date(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).replace("/", "-"))
    except ValueError:
        raise ValueError(
            f"expects a date like 2017-05-12, got {raw!r}",
            f"应为日期（如 2017-05-12），实际为 {raw!r}",
        ) from None


class _Reader:
    """Turns worksheet rows into SystemIn objects, collecting every problem on the way."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self.problems: list[Problem] = []
        self.departments: dict[str, int | AppError] = {}
        self.resolve = holdings.Resolver(session, principal)

    def problem(self, row: int, key: str, en: str, zh: str) -> None:
        index = next(i for i, c in enumerate(COLUMNS, start=1) if c.key == key)
        header = BY_KEY[key].header
        self.problems.append(
            Problem(
                SHEET,
                row,
                get_column_letter(index),
                header,
                f"{SHEET}!{get_column_letter(index)}{row} ({header}) {en}",
                f"{SHEET} 第 {row} 行 {get_column_letter(index)} 列（{header}）{zh}",
            )
        )

    def department(self, row: int, value: str) -> int | None:
        if value not in self.departments:
            try:
                dept = departments.find_department(self.session, value)
                inventory.require_department(self.principal, dept.id)
                self.departments[value] = dept.id
            except AppError as exc:
                self.departments[value] = exc
        found = self.departments[value]
        if isinstance(found, AppError):
            self.problem(
                row,
                "department",
                f"names no department of yours: {value!r}",
                f"不是已登记的本部门：{value!r}",
            )
            return None
        return found

    def read(self, row_number: int, cells: tuple[Any, ...]) -> SystemIn | None:
        values: dict[str, Any] = {}
        ok = True
        for column, raw in zip(COLUMNS, cells, strict=False):
            try:
                values[column.key] = _cell(column, raw)
            except ValueError as exc:
                en, zh = exc.args
                self.problem(row_number, column.key, en, zh)
                ok = False
        for column in COLUMNS[len(cells) :]:
            if column.required:
                self.problem(row_number, column.key, "is required", "为必填项")
                ok = False
        if not ok:
            return None
        if values.get("approval_date") and values["approval_date"] > today():
            self.problem(
                row_number,
                "approval_date",
                f"{values['approval_date']} is in the future",
                f"{values['approval_date']} 晚于今天",
            )
            return None
        dept_id = self.department(row_number, values.pop("department"))
        if dept_id is None:
            return None
        data = {k: v for k, v in values.items() if v is not None}
        try:
            return SystemIn(department_id=dept_id, **data)
        except ValidationError as exc:
            for error in exc.errors():
                key = str(error["loc"][0]) if error.get("loc") else "name"
                self.problem(
                    row_number, key if key in BY_KEY else "name", error["msg"], error["msg"]
                )
            return None


def read_census(
    session: Session, principal: Principal, content: bytes
) -> list[tuple[int, SystemIn]]:
    """Every row as SystemIn, or InvalidInput listing every problem (sheet, row, column)."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise InvalidInput(
            "the file is not an XLSX workbook", "文件不是 XLSX 工作簿", field="file"
        ) from None
    if SHEET not in book.sheetnames:
        raise InvalidInput(
            f"the workbook has no sheet named {SHEET}",
            f"工作簿中没有名为“{SHEET}”的工作表",
            field="file",
        )
    reader = _Reader(session, principal)
    rows: list[tuple[int, SystemIn]] = []
    for number, cells in enumerate(book[SHEET].iter_rows(min_row=2, values_only=True), start=2):
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        if number > MAX_ROWS:
            raise InvalidInput(f"more than {MAX_ROWS} rows", f"超过 {MAX_ROWS} 行", field="file")
        found = reader.read(number, tuple(cells))
        if found is not None:
            rows.append((number, found))
    _duplicates(reader, rows)
    _foreign_codes(session, reader, rows)
    _catalog_codes(session, reader, rows)
    if reader.problems:
        first = reader.problems[0]
        raise InvalidInput(
            f"{len(reader.problems)} problem(s) in the census file; first: {first.message}. Nothing was imported.",
            f"普查表有 {len(reader.problems)} 处问题，首处：{first.message_zh}。未导入任何数据。",
            field="file",
            details=[asdict(p) for p in reader.problems],
            code="census_invalid",
        )
    return rows


def _duplicates(reader: _Reader, rows: list[tuple[int, SystemIn]]) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    for number, data in rows:
        for key, column in (
            ((data.department_id, data.name.strip()), "name"),
            ((data.code,), "code"),
        ):
            if key == (None,):
                continue
            if key in seen:
                reader.problem(
                    number,
                    column,
                    f"duplicates the system on row {seen[key]}",
                    f"与第 {seen[key]} 行的系统重复",
                )
            else:
                seen[key] = number


def _foreign_codes(session: Session, reader: _Reader, rows: list[tuple[int, SystemIn]]) -> None:
    """A code given must be a system of the row's department (or new), so a return never
    rewrites another department's system."""
    coded = [(number, data) for number, data in rows if data.code]
    known = inventory.by_codes(session, [data.code for _n, data in coded if data.code])
    for number, data in coded:
        found = known.get(data.code or "")
        if found is not None and found.department_id != data.department_id:
            reader.problem(
                number,
                "code",
                "is not a system of the department in column A",
                "不是 A 列所填部门的信息系统",
            )


def _catalog_codes(session: Session, reader: _Reader, rows: list[tuple[int, SystemIn]]) -> None:
    """Held resources must be in the catalog; a code the system already holds may stay."""
    for number, data in rows:
        unknown = reader.resolve.unknown(data.resource_codes)
        if unknown:
            existing = _existing(session, data)
            unknown = reader.resolve.unknown(unknown, existing.resource_codes if existing else [])
        if unknown:
            reader.problem(
                number,
                "resource_codes",
                f"names resources not in the catalog: {', '.join(unknown)}",
                f"所填信息资源不在目录中：{'、'.join(unknown)}",
            )


def import_census(
    session: Session, actor: Actor, principal: Principal, content: bytes, filename: str
) -> list[CensusReturn]:
    """Validate the whole file, then create or update every system and file the returns."""
    rows = read_census(session, principal, content)
    counts: dict[int, dict[str, int]] = {}
    for _number, data in rows:
        existing = _existing(session, data)
        tally = counts.setdefault(data.department_id, {"created": 0, "updated": 0})
        if existing is None:
            inventory.create_system(session, actor, principal, data)
            tally["created"] += 1
            continue
        assert existing.department_id == data.department_id  # _foreign_codes checked it
        inventory.apply_changes(
            session,
            actor,
            existing,
            data.model_dump(exclude={"code", "department_id"}),
            reason=f"census {filename}",
        )
        tally["updated"] += 1
    returns = []
    for dept_id, tally in counts.items():
        ret = CensusReturn(
            department_id=dept_id,
            filename=filename[:200],
            systems=sum(tally.values()),
            status=ReturnStatus.SUBMITTED,
            submitted_by=actor.name,
            **tally,
        )
        session.add(ret)
        session.flush()
        audit.record(
            session,
            actor,
            "census.submit",
            object_type="census_return",
            object_id=ret.id,
            details={"department_id": dept_id, "filename": filename, **tally},
        )
        returns.append(ret)
    return returns


def _existing(session: Session, data: SystemIn) -> InformationSystem | None:
    if data.code:
        found = session.scalar(select(InformationSystem).where(InformationSystem.code == data.code))
        if found is not None:
            return found
    return session.scalar(
        select(InformationSystem).where(
            InformationSystem.department_id == data.department_id,
            InformationSystem.name == data.name.strip(),
        )
    )


def review_return(
    session: Session, actor: Actor, return_id: int, accept: bool, note: str
) -> CensusReturn:
    ret = session.get(CensusReturn, return_id)
    if ret is None:
        raise NotFound(f"census return {return_id} does not exist", f"普查填报 {return_id} 不存在")
    if not accept and len(note.strip()) < 2:
        raise InvalidInput("say why the return goes back", "退回须说明原因", field="note")
    ret.status = ReturnStatus.ACCEPTED if accept else ReturnStatus.RETURNED
    ret.reviewed_by = actor.name
    ret.review_note = note.strip()
    session.flush()
    audit.record(
        session,
        actor,
        "census.review",
        object_type="census_return",
        object_id=ret.id,
        details={"status": ret.status.value, "note": ret.review_note},
    )
    return ret


def list_returns(session: Session, principal: Principal) -> list[CensusReturn]:
    query = select(CensusReturn).order_by(CensusReturn.id.desc())
    if not principal.is_platform_wide:
        query = query.where(CensusReturn.department_id == (principal.department_id or -1))
    return list(session.scalars(query))
