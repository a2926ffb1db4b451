"""Import and export of the catalog: the national template in XLSX (a resources sheet and an
items sheet), CSV (one row per resource, items in one cell) and JSON.

An import reads every row, checks every row (cells, vocabularies, references, duplicates and
the 共享校核 errors) and reports every problem with its sheet, row, column and what is
expected. Only when there is none does it write, all rows in the one transaction: all or
nothing.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from pydantic import ValidationError
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from govshare.catalog import codes, workflow
from govshare.catalog.checks import CheckContext, check_version
from govshare.catalog.models import CatalogResource, ResourceItem, ResourceVersion
from govshare.catalog.schemas import ResourceIn
from govshare.catalog.template import (
    ITEM_COLUMNS,
    ITEM_SHEET,
    ITEMS_COLUMN,
    RESOURCE_COLUMNS,
    RESOURCE_SHEET,
    CellError,
    Column,
    cell_text,
    convert,
    header_map,
    is_blank,
    items_cell,
    parse_items_cell,
)
from govshare.catalog.vocab import VersionStatus
from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.auth import Principal
from govshare.core.db import utcnow
from govshare.core.errors import AppError, InvalidInput
from govshare.orgs.departments import find_department
from govshare.orgs.models import Department

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_PROBLEMS_SHOWN = 5
_BY_FIELD = {c.field: c for c in RESOURCE_COLUMNS}


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str
    message: str
    message_zh: str

    def out(self, language: str = "en") -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message_zh if language == "zh" else self.message,
            "message_zh": self.message_zh,
        }


@dataclass
class RawRow:
    sheet: str
    row: int
    values: dict[str, Any]
    items: list[RawRow] = field(default_factory=list)


@dataclass
class Parsed:
    raw: RawRow
    data: ResourceIn
    provider: Department
    class_code: str
    existing: CatalogResource | None


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    submitted: bool = False

    def summary(self, language: str = "en") -> dict[str, Any]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "codes": self.created + self.updated,
            "dry_run": self.dry_run,
            "submitted": self.submitted,
            "warnings": [w.out(language) for w in self.warnings],
        }


# --- reading --------------------------------------------------------------------------------


def _rows_of(
    sheet_name: str, grid: list[list[Any]], columns: tuple[Column, ...], problems: list[Problem]
) -> list[RawRow]:
    """Rows of a sheet as {field: raw value}; blank rows (trailing ones too) are skipped."""
    if not grid:
        problems.append(
            Problem(
                sheet_name,
                1,
                "",
                "the sheet is empty; expected a header row",
                "工作表为空，应有表头行",
            )
        )
        return []
    mapping = header_map(grid[0], columns)
    present = {c.field for c in mapping.values()}
    for column in columns:
        if column.mandatory and column.field not in present:
            problems.append(
                Problem(
                    sheet_name,
                    1,
                    column.header,
                    f"mandatory column {column.header} is missing",
                    f"缺少必填列“{column.header}”",
                )
            )
    extra = {
        i: ITEMS_COLUMN
        for i, h in enumerate(grid[0])
        if str(h or "").strip() == ITEMS_COLUMN.header
    }
    rows = []
    for number, cells in enumerate(grid[1:], start=2):
        if all(is_blank(c) for c in cells):
            continue
        values = {col.field: cells[i] for i, col in {**mapping, **extra}.items() if i < len(cells)}
        rows.append(RawRow(sheet_name, number, values))
    return rows


def _fill_merged(sheet: Any) -> None:
    """A merged range holds its value in the top-left cell only; every cell of it means it."""
    for merged in list(sheet.merged_cells.ranges):
        value = sheet.cell(merged.min_row, merged.min_col).value
        sheet.unmerge_cells(str(merged))
        for row in range(merged.min_row, merged.max_row + 1):
            for col in range(merged.min_col, merged.max_col + 1):
                sheet.cell(row, col).value = value


def _has_merged_cells(content: bytes) -> bool:
    """Whether any sheet of the workbook (a zip of XML parts) declares merged cells."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return any(
            b"<mergeCell " in book.read(name)
            for name in book.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )


def _grids_fast(content: bytes) -> tuple[dict[str, list[list[Any]]], list[str]] | None:
    """Every sheet's rows read by calamine (fastexcel): ten times faster than openpyxl on a
    national-template file of thousands of rows. Row n of the grid is Excel row n + 1 (leading
    blank rows are kept; leading blank columns are not, which header mapping ignores). Cells
    come as text when a column mixes text and numbers, which `convert` reads like CSV text.
    None when the workbook has merged cells: openpyxl unmerges them (`_fill_merged`)."""
    import fastexcel  # imported here: it loads polars, which other paths do not need

    if _has_merged_cells(content):
        return None
    reader = fastexcel.read_excel(content)
    return {
        name: [list(row) for row in reader.load_sheet(name, header_row=None, skip_rows=0).to_polars().rows()]
        for name in reader.sheet_names
        if name in (RESOURCE_SHEET, ITEM_SHEET)
    }, reader.sheet_names


def _grids_openpyxl(content: bytes) -> tuple[dict[str, list[list[Any]]], list[str]]:
    book = load_workbook(io.BytesIO(content), data_only=True)
    grids = {}
    for name in (RESOURCE_SHEET, ITEM_SHEET):
        if name in book.sheetnames:
            _fill_merged(book[name])
            grids[name] = [list(r) for r in book[name].iter_rows(values_only=True)]
    return grids, book.sheetnames


def read_xlsx(content: bytes, problems: list[Problem]) -> list[RawRow]:
    try:
        grids, sheetnames = _grids_fast(content) or _grids_openpyxl(content)
    except Exception as exc:  # the readers raise many kinds for a file that is not a workbook
        raise InvalidInput(
            f"the file is not an Excel workbook (.xlsx): {exc}",
            "文件不是 Excel 工作簿（.xlsx）",
            field="file",
        ) from None
    if RESOURCE_SHEET not in sheetnames:
        raise InvalidInput(
            f"the workbook has no sheet named {RESOURCE_SHEET}; use the national template",
            f"工作簿中没有名为“{RESOURCE_SHEET}”的工作表，请使用国家模板",
            field="file",
        )
    resources = _rows_of(RESOURCE_SHEET, grids[RESOURCE_SHEET], RESOURCE_COLUMNS, problems)
    items = (
        _rows_of(ITEM_SHEET, grids[ITEM_SHEET], ITEM_COLUMNS, problems)
        if ITEM_SHEET in grids
        else []
    )
    _attach_items(resources, items, problems)
    return resources


def _attach_items(resources: list[RawRow], items: list[RawRow], problems: list[Problem]) -> None:
    by_seq = {
        str(convert_quiet(_BY_FIELD["seq"], r.values.get("seq"))): r
        for r in resources
        if r.values.get("seq")
    }
    by_code = {
        str(r.values["code"]).strip(): r for r in resources if not is_blank(r.values.get("code"))
    }
    for item in items:
        seq, code = item.values.get("seq"), item.values.get("code")
        owner = by_seq.get(str(convert_quiet(ITEM_COLUMNS[0], seq))) if not is_blank(seq) else None
        owner = owner or (by_code.get(str(code).strip()) if not is_blank(code) else None)
        if owner is None:
            problems.append(
                Problem(
                    item.sheet,
                    item.row,
                    "资源序号",
                    f"no resource row has 序号 {seq} or code {code}; expected the 序号 of a "
                    f"row of sheet {RESOURCE_SHEET}",
                    f"找不到序号为 {seq} 或代码为 {code} 的信息资源，应填写“{RESOURCE_SHEET}”表中的序号",
                )
            )
            continue
        owner.items.append(item)


def convert_quiet(column: Column, value: Any) -> Any:
    try:
        return convert(column, value)
    except CellError:
        return value


def decode_text(content: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK and GB2312)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return content.decode("gb18030")
        except UnicodeDecodeError:
            raise InvalidInput(
                "the file is neither UTF-8 nor GBK/GB18030 text",
                "文件编码既不是 UTF-8 也不是 GBK/GB18030",
                field="file",
            ) from None


def read_csv(content: bytes, problems: list[Problem]) -> list[RawRow]:
    grid = [row for row in csv.reader(io.StringIO(decode_text(content)))]
    rows = _rows_of(RESOURCE_SHEET, grid, RESOURCE_COLUMNS, problems)
    for row in rows:
        row.items = [
            RawRow(row.sheet, row.row, values)
            for values in parse_items_cell(str(row.values.pop("items", "") or ""))
        ]
    return rows


def read_json(content: bytes, problems: list[Problem]) -> list[RawRow]:
    try:
        data = json.loads(decode_text(content))
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"the file is not valid JSON: {exc}", f"文件不是有效的 JSON：{exc}", field="file"
        ) from None
    if isinstance(data, dict):
        data = data.get("resources", [])
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise InvalidInput(
            'expected a JSON list of resources (or {"resources": [...]})',
            'JSON 应为信息资源数组（或 {"resources": [...]}）',
            field="file",
        )
    rows = []
    for n, record in enumerate(data, start=1):
        values = dict(record)
        items = values.pop("items", []) or []
        if isinstance(values.get("provider"), dict):
            values["provider"] = values["provider"].get("name")
        rows.append(
            RawRow(
                "json",
                n,
                values,
                [RawRow("json", n, dict(i)) for i in items if isinstance(i, dict)],
            )
        )
    return rows


READERS: dict[str, Callable[[bytes, list[Problem]], list[RawRow]]] = {
    "xlsx": read_xlsx,
    "csv": read_csv,
    "json": read_json,
}


def kind_of(filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in READERS:
        raise InvalidInput(
            f"cannot import {filename!r}: expected a .xlsx, .csv or .json file",
            f"无法导入“{filename}”：应为 .xlsx、.csv 或 .json 文件",
            field="file",
        )
    return suffix


# --- checking ---------------------------------------------------------------------------------


class RowChecker:
    """Turns raw rows into checked entries, collecting every problem."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session, self.principal = session, principal
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self._providers: dict[str, Department | AppError] = {}
        self._codes: dict[str, int] = {}
        self._names: dict[tuple[int, str], int] = {}
        self._classes: dict[tuple[Any, ...], str | AppError] = {}
        self._by_code: dict[str, CatalogResource] = {}

    def preload(self, raws: list[RawRow]) -> None:
        """The file's existing codes in a few queries instead of one per row."""
        wanted = sorted(
            {str(r.values["code"]).strip() for r in raws if not is_blank(r.values.get("code"))}
        )
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for found in self.session.scalars(
                select(CatalogResource).where(CatalogResource.code.in_(chunk))
            ):
                self._by_code[found.code] = found

    def _class(self, data: ResourceIn, provider: Department) -> str:
        """workflow.resolve_class, once per (catalog, class, provider) of the file."""
        key = (data.catalog, data.class_code, provider.id if not data.class_code else None)
        if key not in self._classes:
            try:
                self._classes[key] = workflow.resolve_class(self.session, data, provider)
            except AppError as exc:
                self._classes[key] = exc
        found = self._classes[key]
        if isinstance(found, AppError):
            raise found
        return found

    def problem(self, raw: RawRow, column: str, en: str, zh: str) -> None:
        self.problems.append(Problem(raw.sheet, raw.row, column, en, zh))

    def _cells(self, raw: RawRow, columns: tuple[Column, ...]) -> dict[str, Any] | None:
        values, ok = {}, True
        for column in columns:
            value = raw.values.get(column.field)
            try:
                values[column.field] = convert(column, value)
            except CellError as exc:
                self.problem(raw, column.header, exc.en, exc.zh)
                ok = False
                continue
            # A missing column is reported once, at its header; a missing JSON key here.
            if (
                column.mandatory
                and values[column.field] is None
                and (column.field in raw.values or raw.sheet == "json")
            ):
                self.problem(
                    raw,
                    column.header,
                    f"{column.header} is mandatory",
                    f"“{column.header}”为必填项",
                )
                ok = False
        return values if ok else None

    def _provider(self, raw: RawRow, name: str) -> Department | None:
        if name not in self._providers:
            try:
                dept = find_department(self.session, name)
                workflow.resolve_provider(self.session, self.principal, dept.id)
                self._providers[name] = dept
            except AppError as exc:
                self._providers[name] = exc
        found = self._providers[name]
        if isinstance(found, AppError):
            self.problem(
                raw,
                "信息资源提供方",
                f"provider {name!r}: {found.message}",
                f"提供方“{name}”：{found.message_zh}",
            )
            return None
        return found

    def _existing(
        self, raw: RawRow, code: str | None, provider: Department
    ) -> tuple[bool, CatalogResource | None]:
        if not code:
            return True, None
        if code in self._codes:
            self.problem(
                raw,
                "信息资源代码",
                f"code {code} appears again (first in row {self._codes[code]}); "
                "each code once per file",
                f"信息资源代码 {code} 重复（首次出现在第 {self._codes[code]} 行）",
            )
            return False, None
        self._codes[code] = raw.row
        found = self._by_code.get(code)
        if found is None or found.provider_id != provider.id:
            self.problem(
                raw,
                "信息资源代码",
                f"code {code} is not an entry of {provider.name}; leave it empty "
                "for a new resource (codes are assigned by the rule)",
                f"信息资源代码 {code} 不是{provider.name}的条目；新资源请留空，代码按规则生成",
            )
            return False, None
        return True, found

    def _items(self, raw: RawRow) -> list[dict[str, Any]] | None:
        items, ok = [], True
        for item in raw.items:
            values = self._cells(item, ITEM_COLUMNS)
            if values is None:
                ok = False
                continue
            items.append(
                {k: v for k, v in values.items() if k not in ("seq", "code") and v is not None}
            )
        return items if ok else None

    def row(self, raw: RawRow) -> Parsed | None:
        values, items = self._cells(raw, RESOURCE_COLUMNS), self._items(raw)
        if values is None or items is None:
            return None
        provider = self._provider(raw, values["provider"]) if values.get("provider") else None
        if provider is None:
            return None
        ok, existing = self._existing(raw, values.get("code"), provider)
        if not ok:
            return None
        if values.get("catalog") is None and values.get("class_code"):
            values["catalog"] = codes.catalog_of(values["class_code"])
        fields = {
            k: v
            for k, v in values.items()
            if k not in ("seq", "code", "provider") and v is not None
        }
        try:
            data = ResourceIn(**fields, provider_id=provider.id, items=items)
            class_code = self._class(data, provider)
        except ValidationError as exc:
            for err in exc.errors():
                where = str(err["loc"][0]) if err.get("loc") else ""
                header = _BY_FIELD[where].header if where in _BY_FIELD else ITEM_SHEET
                self.problem(raw, header, f"{where}: {err['msg']}", f"{header}：{err['msg']}")
            return None
        except AppError as exc:
            self.problem(
                raw,
                _BY_FIELD.get(exc.field or "", ITEMS_COLUMN).header,
                exc.message,
                exc.message_zh,
            )
            return None
        return self._unique_name(raw, Parsed(raw, data, provider, class_code, existing))

    def _unique_name(self, raw: RawRow, parsed: Parsed) -> Parsed | None:
        key = (parsed.provider.id, parsed.data.name.strip())
        if key in self._names:
            self.problem(
                raw,
                "信息资源名称",
                f"{key[1]} appears again for this provider (first in row "
                f"{self._names[key]}); names are unique within a provider",
                f"同一提供方的“{key[1]}”重复（首次出现在第 {self._names[key]} 行）",
            )
            return None
        self._names[key] = raw.row
        return parsed

    def cross_check(self, parsed: list[Parsed]) -> None:
        ctx = CheckContext(self.session)
        ctx.prepare({i.name for p in parsed for i in p.data.items}, {p.provider.id for p in parsed})
        for p in parsed:
            version = workflow.version_view(p.data, p.provider, p.class_code)
            for finding in check_version(
                version, p.provider.id, p.existing.id if p.existing else None, ctx
            ):
                column = _BY_FIELD.get((finding.field or "").split("[")[0].split(".")[0])
                target = self.problems if finding.level == "error" else self.warnings
                target.append(
                    Problem(
                        p.raw.sheet,
                        p.raw.row,
                        column.header if column else ITEM_SHEET,
                        finding.message,
                        finding.message_zh,
                    )
                )


def _refusal(problems: list[Problem]) -> InvalidInput:
    def line(p: Problem, zh: bool) -> str:
        return (
            f"{p.sheet} 第 {p.row} 行 “{p.column}”：{p.message_zh}"
            if zh
            else f"{p.sheet} row {p.row}, column {p.column}: {p.message}"
        )

    shown = problems[:MAX_PROBLEMS_SHOWN]
    more = len(problems) - len(shown)
    return InvalidInput(
        f"{len(problems)} problem(s); nothing was imported. "
        + "; ".join(line(p, False) for p in shown)
        + (f"; and {more} more" if more else ""),
        f"共 {len(problems)} 处问题，未导入任何数据。"
        + "；".join(line(p, True) for p in shown)
        + (f"；另有 {more} 处" if more else ""),
        field="file",
        details=[p.out() for p in problems],
        code="import_refused",
    )


# --- writing ----------------------------------------------------------------------------------


def _write(
    session: Session, actor: Actor, parsed: list[Parsed], submit: bool, result: ImportResult
) -> None:
    """Updates go through the workflow one by one (they keep the version rules); new entries,
    usually all of the file, are written as three bulk inserts (resources, versions, items) and
    one bulk update, without building ORM objects for thousands of rows."""
    allocator = codes.CodeAllocator(session)
    status = VersionStatus.SUBMITTED if submit else VersionStatus.DRAFT
    now = utcnow()
    fresh = []
    for p in parsed:
        if p.existing is not None:
            saved = workflow.save(session, _operator(p), actor, p.existing.id, p.data)
            saved.version.status, saved.version.submitted_at = status, now if submit else None
            result.updated.append(saved.resource.code)
        else:
            code, sequence = allocator.next(p.class_code)
            fresh.append((p, code, sequence))
            result.created.append(code)
    session.flush()
    if not fresh:
        return
    resource_ids = session.scalars(
        insert(CatalogResource).returning(CatalogResource.id, sort_by_parameter_order=True),
        [
            {"code": code, "sequence": sequence, "provider_id": p.provider.id,
             "region_code": p.provider.division_code, "created_at": now}
            for p, code, sequence in fresh
        ],
    ).all()
    version_ids = session.scalars(
        insert(ResourceVersion).returning(ResourceVersion.id, sort_by_parameter_order=True),
        [
            {**workflow.version_values(p.data, p.provider, p.class_code), "resource_id": rid,
             "number": 1, "status": status, "created_by": actor.name, "created_at": now,
             "submitted_at": now if submit else None}
            for (p, _code, _seq), rid in zip(fresh, resource_ids, strict=True)
        ],
    ).all()
    items = [
        {**item, "version_id": vid}
        for (p, _code, _seq), vid in zip(fresh, version_ids, strict=True)
        for item in workflow.item_values(p.data)
    ]
    if items:
        session.execute(insert(ResourceItem), items)
    session.execute(
        update(CatalogResource.__table__)
        .where(CatalogResource.__table__.c.id == bindparam("rid"))
        .values(working_version_id=bindparam("vid")),
        [{"rid": rid, "vid": vid} for rid, vid in zip(resource_ids, version_ids, strict=True)],
    )


def _operator(p: Parsed) -> Principal:
    from govshare.core.auth import Role

    return Principal(
        kind="user",
        name="import",
        department_id=p.provider.id,
        roles=frozenset({Role.DATA_OFFICER}),
    )


def import_file(
    session: Session,
    principal: Principal,
    actor: Actor,
    filename: str,
    content: bytes,
    dry_run: bool = False,
    submit: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    problems: list[Problem] = []
    raws = READERS[kind_of(filename)](content, problems)
    if not raws and not problems:
        problems.append(
            Problem(RESOURCE_SHEET, 2, "", "the file has no resource rows", "文件中没有信息资源行")
        )
    checker = RowChecker(session, principal)
    checker.problems = problems
    checker.preload(raws)
    parsed = []
    for n, raw in enumerate(raws, start=1):
        found = checker.row(raw)
        if found is not None:
            parsed.append(found)
        if progress and n % 500 == 0:
            progress(n, len(raws))
    if not checker.problems:
        checker.cross_check(parsed)
    if checker.problems:
        raise _refusal(
            sorted(checker.problems, key=lambda p: (p.sheet != RESOURCE_SHEET, p.sheet, p.row))
        )
    result = ImportResult(
        warnings=checker.warnings, dry_run=dry_run, submitted=submit and not dry_run
    )
    if dry_run:
        result.created = [f"(new) {p.data.name}" for p in parsed if p.existing is None]
        result.updated = [p.existing.code for p in parsed if p.existing is not None]
        return result
    _write(session, actor, parsed, submit, result)
    audit.record(
        session,
        actor,
        "catalog.import",
        object_type="catalog_import",
        object_id=filename[:200],
        details={
            "created": len(result.created),
            "updated": len(result.updated),
            "submitted": submit,
            "codes": (result.created + result.updated)[:50],
        },
    )
    return result


# --- export -----------------------------------------------------------------------------------


def published(
    session: Session, provider_id: int | None = None
) -> list[tuple[CatalogResource, ResourceVersion, str]]:
    query = (
        select(CatalogResource, ResourceVersion, Department.name)
        .join(ResourceVersion, ResourceVersion.id == CatalogResource.published_version_id)
        .join(Department, Department.id == CatalogResource.provider_id)
    )
    if provider_id is not None:
        query = query.where(CatalogResource.provider_id == provider_id)
    return [tuple(r) for r in session.execute(query.order_by(CatalogResource.code)).all()]  # type: ignore[misc]


def _resource_cells(
    seq: int, resource: CatalogResource, version: ResourceVersion, provider: str
) -> list[Any]:
    special = {"seq": seq, "code": resource.code, "provider": provider}
    return [
        cell_text(c, special[c.field] if c.field in special else getattr(version, c.field))
        for c in RESOURCE_COLUMNS
    ]


def _xlsx(rows: list[tuple[CatalogResource, ResourceVersion, str]]) -> bytes:
    book = Workbook(write_only=True)
    resources, items = book.create_sheet(RESOURCE_SHEET), book.create_sheet(ITEM_SHEET)
    resources.append([c.header + ("*" if c.mandatory else "") for c in RESOURCE_COLUMNS])
    items.append([c.header + ("*" if c.mandatory else "") for c in ITEM_COLUMNS])
    for seq, (resource, version, provider) in enumerate(rows, start=1):
        resources.append(_resource_cells(seq, resource, version, provider))
        for item in version.items:
            items.append(
                [
                    seq,
                    resource.code,
                    item.name,
                    cell_text(ITEM_COLUMNS[3], item.data_type),
                    item.length,
                    item.element_code,
                    "是" if item.is_source else "否",
                ]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(rows: list[tuple[CatalogResource, ResourceVersion, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header for c in RESOURCE_COLUMNS] + [ITEMS_COLUMN.header])
    for seq, (resource, version, provider) in enumerate(rows, start=1):
        writer.writerow(
            _resource_cells(seq, resource, version, provider) + [items_cell(version.items)]
        )
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read it as UTF-8


def _json(rows: list[tuple[CatalogResource, ResourceVersion, str]]) -> bytes:
    from govshare.catalog.schemas import VersionOut

    records = []
    for resource, version, provider in rows:
        record = VersionOut.model_validate(version).model_dump(
            mode="json",
            exclude={
                "id",
                "number",
                "status",
                "review_note",
                "created_by",
                "created_at",
                "updated_at",
                "submitted_at",
                "reviewed_at",
                "reviewed_by",
                "provider_id",
            },
        )
        records.append({"code": resource.code, "provider": provider, **record})
    return json.dumps({"resources": records}, ensure_ascii=False, indent=1).encode()


EXPORTERS = {
    "xlsx": (_xlsx, XLSX_TYPE),
    "csv": (_csv, "text/csv; charset=utf-8"),
    "json": (_json, "application/json"),
}


def export(
    session: Session, actor: Actor, fmt: str, provider_id: int | None = None
) -> tuple[bytes, str]:
    if fmt not in EXPORTERS:
        raise InvalidInput(
            "format must be xlsx, json or csv", "格式应为 xlsx、json 或 csv", field="format"
        )
    rows = published(session, provider_id)
    writer, media_type = EXPORTERS[fmt]
    audit.record(
        session,
        actor,
        "catalog.export",
        object_type="catalog",
        object_id=fmt,
        details={"resources": len(rows), "provider_id": provider_id},
    )
    return writer(rows), media_type


def census_workbook(session: Session, actor: Actor) -> bytes:
    from govshare.catalog.census import COLUMNS, GROUPINGS, LABELS_ZH, census

    book = Workbook(write_only=True)
    titles = {"department": "按部门", "region": "按区划", "class": "按分类"}
    headers = ["key", "label", *COLUMNS]
    for by in GROUPINGS:
        sheet = book.create_sheet(titles[by])
        report = census(session, by)
        sheet.append([LABELS_ZH[h] for h in headers])
        for row in [*report["rows"], report["totals"]]:
            sheet.append([row[h] for h in headers])
    trend = book.create_sheet("变化趋势")
    trend.append(["月份", "新发布", "累计"])
    for point in census(session, "department")["trend"]:
        trend.append([point["month"], point["new"], point["total"]])
    audit.record(
        session, actor, "catalog.census.export", object_type="catalog", object_id="census.xlsx"
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
