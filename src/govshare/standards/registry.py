"""The data-element and code-table registry: seed, look up, version, import and export.

The elements and code tables the base libraries need ship with the package
(data/elements.json, data/code_tables.json). They are loaded into the database on first use
(`ensure_seeded`), where the authority can add new versions. The same shipped definitions
are also usable without a database (`builtin_field_for`), so `govshare quality check` with a
schema file and the benchmark work on a bare installation.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import polars as pl
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.errors import AppError, Conflict, InvalidInput, NotFound
from govshare.quality.schema import (
    PERSONAL_KINDS,
    TYPES,
    VALIDATORS,
    FieldSpec,
    format_constraints,
)
from govshare.standards.models import CURRENT, SUPERSEDED, CodeTable, CodeTableEntry, DataElement

_DATA = resources.files("govshare.standards") / "data"

CITIZEN_ID_ELEMENT = "DE0101"
BIRTH_DATE_ELEMENT = "DE0105"
GENDER_ELEMENT = "DE0103"
DOMAIN_KINDS = ("code_table", "pattern", "range", "validator")

ELEMENT_FIELDS = ("identifier", "version", "name_zh", "name_en", "definition", "data_type", "format",
                  "domain_kind", "domain", "source_standard", "personal")
TABLE_FIELDS = ("identifier", "version", "name_zh", "name_en", "source_standard")


@dataclass
class ElementDef:
    identifier: str
    version: str
    name_zh: str
    data_type: str
    name_en: str = ""
    definition: str = ""
    format: str | None = None
    domain_kind: str | None = None
    domain: str | None = None
    source_standard: str = ""
    personal: str | None = None
    status: str = CURRENT

    def content(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ELEMENT_FIELDS}


@dataclass
class CodeTableDef:
    identifier: str
    version: str
    name_zh: str
    name_en: str = ""
    source_standard: str = ""
    entries: list[dict[str, str]] = field(default_factory=list)
    status: str = CURRENT

    def codes(self) -> list[str]:
        return [e["code"] for e in self.entries]

    def content(self) -> dict[str, Any]:
        return {**{k: getattr(self, k) for k in TABLE_FIELDS},
                "entries": [{"code": e["code"], "name_zh": e["name_zh"], "name_en": e.get("name_en", "")}
                            for e in self.entries]}


# --- definitions: validation and conversion -------------------------------------------------


def element_from_dict(data: dict[str, Any]) -> ElementDef:
    where = data.get("identifier") or "?"
    for key in ("identifier", "version", "name_zh", "data_type"):
        if not str(data.get(key) or "").strip():
            raise InvalidInput(f"data element {where}: {key} is required",
                               f"数据元 {where}：缺少 {key}", field=key)
    if data["data_type"] not in TYPES:
        raise InvalidInput(f"data element {where}: data_type must be one of {', '.join(TYPES)}",
                           f"数据元 {where}：数据类型应为 {'、'.join(TYPES)} 之一", field="data_type")
    kind = data.get("domain_kind") or None
    if kind and kind not in DOMAIN_KINDS:
        raise InvalidInput(f"data element {where}: domain_kind must be one of {', '.join(DOMAIN_KINDS)}",
                           f"数据元 {where}：值域类型无效", field="domain_kind")
    if kind == "validator" and data.get("domain") not in VALIDATORS:
        raise InvalidInput(f"data element {where}: validator must be one of {', '.join(VALIDATORS)}",
                           f"数据元 {where}：校验器应为 {'、'.join(VALIDATORS)} 之一", field="domain")
    values = {k: (str(data[k]).strip() if data.get(k) not in (None, "") else None) for k in ELEMENT_FIELDS}
    values.update({k: values[k] or "" for k in ("name_en", "definition", "source_standard")})
    element = ElementDef(**values)  # type: ignore[arg-type]
    _check_element(element)
    return element


IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# Column widths of data_element (models.py): a longer value is refused with a message, not
# cut by the database.
ELEMENT_WIDTHS = {"identifier": 60, "version": 30, "name_zh": 200, "name_en": 200, "format": 40,
                  "domain": 500, "source_standard": 200}


def _check_element(element: ElementDef) -> None:
    """What makes a definition usable by the quality engine, each refusal naming the field."""
    where = element.identifier

    def refuse(field: str, en: str, zh: str) -> None:
        raise InvalidInput(f"data element {where}: {en}", f"数据元 {where}：{zh}", field=field)

    for key, width in ELEMENT_WIDTHS.items():
        if len(getattr(element, key) or "") > width:
            refuse(key, f"{key} is longer than {width} characters", f"{key} 超过 {width} 个字符")
    if not IDENTIFIER.match(element.identifier):
        refuse("identifier", "the identifier may hold letters, digits, '.', '_' and '-' only (e.g. DE0101)",
               "标识符只能包含字母、数字、“.”、“_”和“-”（如 DE0101）")
    if element.format and not is_format_notation(element.format):
        refuse("format", f"format {element.format!r} is not a notation such as an18, n..18,2, c..50 or YYYYMMDD",
               f"表示格式“{element.format}”无效，应如 an18、n..18,2、c..50 或 YYYYMMDD")
    if element.personal and element.personal not in PERSONAL_KINDS:
        refuse("personal", f"personal data kind must be one of {', '.join(PERSONAL_KINDS)}",
               f"个人信息类别应为 {'、'.join(PERSONAL_KINDS)} 之一")
    kind, domain = element.domain_kind, element.domain
    if domain and not kind:
        refuse("domain_kind", "a value domain needs its kind (code table, pattern, range or validator)",
               "填写值域时须选择值域类型（代码表、模式、范围或校验器）")
    if kind and not domain:
        refuse("domain", f"the {kind} value domain is empty", "值域不能为空")
    if kind == "pattern" and domain:
        try:  # the engine runs patterns in polars, whose regex dialect is stricter than Python's
            re.compile(domain)
            pl.Series([""], dtype=pl.String).str.contains(domain)
        except (re.error, pl.exceptions.PolarsError) as exc:
            refuse("domain", f"the pattern is not a regular expression ({str(exc).splitlines()[0]})",
                   "模式不是有效的正则表达式")
    if kind == "range" and domain:
        low, dots, high = domain.partition("..")
        try:
            bounds = [float(b) for b in (low, high) if b.strip()]
        except ValueError:
            bounds = []
        if not dots or not bounds or (low.strip() and high.strip() and bounds[0] > bounds[1]):
            refuse("domain", "a range is written low..high (either may be left out, e.g. 0.. or ..100)",
                   "范围应写作 下限..上限（可省略其一，如 0.. 或 ..100）")


def is_format_notation(notation: str) -> bool:
    return bool(format_constraints(notation))


# Code table identifiers are standard numbers such as "GB/T 2261.1": letters, digits, spaces,
# '.', '/', '_' and '-'. "new" and a last segment "edit" would read as the pages' own paths.
TABLE_IDENTIFIER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9 ./_-]*[A-Za-z0-9.])?$")
TABLE_WIDTHS = {"identifier": 60, "version": 30, "name_zh": 200, "name_en": 200, "source_standard": 200}
ENTRY_WIDTHS = {"code": 60, "name_zh": 200, "name_en": 200}


def code_table_from_dict(data: dict[str, Any]) -> CodeTableDef:
    where = data.get("identifier") or "?"
    for key in ("identifier", "version", "name_zh"):
        if not str(data.get(key) or "").strip():
            raise InvalidInput(f"code table {where}: {key} is required", f"代码表 {where}：缺少 {key}",
                               field=key)
    entries = [{"code": str(e.get("code", "")).strip(), "name_zh": str(e.get("name_zh", "")).strip(),
                "name_en": str(e.get("name_en") or "").strip()} for e in data.get("entries") or []]
    table = CodeTableDef(identifier=str(data["identifier"]).strip(), version=str(data["version"]).strip(),
                         name_zh=str(data["name_zh"]).strip(), name_en=str(data.get("name_en") or "").strip(),
                         source_standard=str(data.get("source_standard") or "").strip(), entries=entries)
    _check_table(table)
    return table


def _check_table(table: CodeTableDef) -> None:
    """What makes a code table usable, each refusal naming the field (`entries` for the codes)."""
    where = table.identifier

    def refuse(field: str, en: str, zh: str) -> None:
        raise InvalidInput(f"code table {where}: {en}", f"代码表 {where}：{zh}", field=field)

    for key, width in TABLE_WIDTHS.items():
        if len(getattr(table, key)) > width:
            refuse(key, f"{key} is longer than {width} characters", f"{key} 超过 {width} 个字符")
    last = table.identifier.rsplit("/", 1)[-1]
    if not TABLE_IDENTIFIER.match(table.identifier) or table.identifier == "new" or last == "edit":
        refuse("identifier", "the identifier may hold letters, digits, spaces, '.', '/', '_' and '-' "
               "(e.g. GB/T 2261.1)", "标识符只能包含字母、数字、空格、“.”、“/”、“_”和“-”（如 GB/T 2261.1）")
    codes = [e["code"] for e in table.entries]
    if not codes or any(not c for c in codes):
        refuse("entries", "every entry needs a code (and the table at least one)",
               "每个条目都须有代码（代码表至少有一个代码）")
    if any(not e["name_zh"] for e in table.entries):
        refuse("entries", "every code needs its Chinese name", "每个代码都须有中文名称")
    for key, width in ENTRY_WIDTHS.items():
        long = [e["code"][:20] for e in table.entries if len(e[key]) > width]
        if long:
            refuse("entries", f"{key} of code {long[0]} is longer than {width} characters",
                   f"代码 {long[0]} 的 {key} 超过 {width} 个字符")
    if len(set(codes)) != len(codes):
        dup = sorted({c for c in codes if codes.count(c) > 1})
        refuse("entries", f"code(s) {', '.join(dup)} appear twice", f"代码 {'、'.join(dup)} 重复")


def field_spec(element: ElementDef, code_table: Callable[[str], CodeTableDef | None]) -> FieldSpec:
    """What the quality engine checks for an item that uses `element`."""
    spec = FieldSpec(name=element.identifier, title=element.name_zh, type=element.data_type,
                     element=element.identifier, element_version=element.version,
                     format=element.format, personal=element.personal)
    for key, value in format_constraints(element.format).items():
        setattr(spec, key, value)
    kind, domain = element.domain_kind, element.domain
    if kind == "code_table" and domain:
        table = code_table(domain)
        if table is None:
            raise NotFound(f"data element {element.identifier}: code table {domain} is not registered",
                           f"数据元 {element.identifier}：代码表 {domain} 未登记", field="domain")
        spec.enum, spec.code_table = table.codes(), f"{table.identifier}-{table.version}"
        spec.pattern = None  # the code table is the stricter rule
    elif kind == "pattern" and domain:
        spec.pattern = domain
    elif kind == "validator" and domain:
        spec.validator, spec.pattern = domain, None
    elif kind == "range" and domain:
        low, _, high = domain.partition("..")
        spec.minimum = float(low) if low else None
        spec.maximum = float(high) if high else None
    return spec


# --- shipped definitions ---------------------------------------------------------------------


@cache
def builtin_elements() -> dict[str, ElementDef]:
    data = json.loads((_DATA / "elements.json").read_text(encoding="utf-8"))
    return {e["identifier"]: element_from_dict(e) for e in data["elements"]}


@cache
def builtin_code_tables() -> dict[str, CodeTableDef]:
    data = json.loads((_DATA / "code_tables.json").read_text(encoding="utf-8"))
    return {t["identifier"]: code_table_from_dict(t) for t in data["code_tables"]}


def builtin_field_for(identifier: str) -> FieldSpec | None:
    element = builtin_elements().get(identifier)
    return field_spec(element, builtin_code_tables().get) if element else None


# --- the database registry -------------------------------------------------------------------


def ensure_seeded(session: Session, actor: Actor | None = None) -> bool:
    """Loads the shipped elements and code tables when the registry is empty."""
    if session.scalar(select(func.count()).select_from(DataElement)):
        return False
    actor = actor or Actor.system("standards-seed")
    bundle = {"code_tables": [t.content() for t in builtin_code_tables().values()],
              "elements": [e.content() for e in builtin_elements().values()]}
    import_bundle(session, actor, bundle, action="standards.seed")
    return True


def _element_def(row: DataElement) -> ElementDef:
    return ElementDef(**{k: getattr(row, k) for k in ELEMENT_FIELDS}, status=row.status)


def _table_def(row: CodeTable) -> CodeTableDef:
    return CodeTableDef(**{k: getattr(row, k) for k in TABLE_FIELDS}, status=row.status,
                        entries=[{"code": e.code, "name_zh": e.name_zh, "name_en": e.name_en}
                                 for e in row.entries])


def list_elements(session: Session, q: str | None = None, include_superseded: bool = False) -> list[ElementDef]:
    ensure_seeded(session)
    stmt = select(DataElement).order_by(DataElement.identifier, DataElement.id)
    if not include_superseded:
        stmt = stmt.where(DataElement.status == CURRENT)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(DataElement.identifier.ilike(like), DataElement.name_zh.ilike(like),
                              DataElement.name_en.ilike(like)))
    return [_element_def(r) for r in session.scalars(stmt)]


def get_element(session: Session, identifier: str, version: str | None = None) -> ElementDef:
    ensure_seeded(session)
    stmt = select(DataElement).where(DataElement.identifier == identifier)
    stmt = stmt.where(DataElement.version == version) if version else stmt.where(DataElement.status == CURRENT)
    row = session.scalars(stmt).first()
    if row is None:
        raise NotFound(f"data element {identifier} is not registered", f"数据元 {identifier} 未登记",
                       field="identifier")
    return _element_def(row)


def element_versions(session: Session, identifier: str) -> list[ElementDef]:
    rows = session.scalars(select(DataElement).where(DataElement.identifier == identifier)
                           .order_by(DataElement.id))
    return [_element_def(r) for r in rows]


def code_table_versions(session: Session, identifier: str) -> list[CodeTableDef]:
    rows = session.scalars(select(CodeTable).where(CodeTable.identifier == identifier).order_by(CodeTable.id))
    return [_table_def(r) for r in rows]


def list_code_tables(session: Session, include_superseded: bool = False) -> list[CodeTableDef]:
    ensure_seeded(session)
    stmt = select(CodeTable).order_by(CodeTable.identifier, CodeTable.id)
    if not include_superseded:
        stmt = stmt.where(CodeTable.status == CURRENT)
    return [_table_def(r) for r in session.scalars(stmt)]


def find_code_table(session: Session, identifier: str, version: str | None = None) -> CodeTableDef | None:
    stmt = select(CodeTable).where(CodeTable.identifier == identifier)
    stmt = stmt.where(CodeTable.version == version) if version else stmt.where(CodeTable.status == CURRENT)
    row = session.scalars(stmt).first()
    return _table_def(row) if row else None


def get_code_table(session: Session, identifier: str, version: str | None = None) -> CodeTableDef:
    ensure_seeded(session)
    table = find_code_table(session, identifier, version)
    if table is None:
        raise NotFound(f"code table {identifier} is not registered", f"代码表 {identifier} 未登记",
                       field="identifier")
    return table


def field_lookup(session: Session) -> Callable[[str], FieldSpec | None]:
    """An element lookup over the database registry, for `schema_from_items`."""
    ensure_seeded(session)

    def lookup(identifier: str) -> FieldSpec | None:
        try:
            element = get_element(session, identifier)
        except NotFound:
            return None
        return field_spec(element, lambda t: find_code_table(session, t))

    return lookup


# --- versioned import ------------------------------------------------------------------------


@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _same_version(session: Session, model: Any, identifier: str, version: str) -> Any:
    return session.scalars(select(model).where(model.identifier == identifier,
                                               model.version == version)).first()


def _supersede(session: Session, model: Any, identifier: str) -> list[str]:
    rows = session.scalars(select(model).where(model.identifier == identifier, model.status == CURRENT)).all()
    for row in rows:
        row.status = SUPERSEDED
    return [f"{r.identifier}@{r.version}" for r in rows]


def _already_there(session: Session, model: Any, definition: Any, to_def: Callable[[Any], Any],
                   what: tuple[str, str], result: ImportResult) -> bool:
    """True when this version exists unchanged; a changed definition under it is refused."""
    key = f"{definition.identifier}@{definition.version}"
    existing = _same_version(session, model, definition.identifier, definition.version)
    if existing is None:
        return False
    if to_def(existing).content() != definition.content():
        raise Conflict(f"{what[0]} {key} already exists with different content: give the change a new version",
                       f"{what[1]} {key} 已存在且内容不同：请为修改指定新版本号", field="version")
    result.unchanged.append(key)
    return True


def _add_version(session: Session, model: Any, row: Any, definition: Any, result: ImportResult) -> None:
    result.superseded += _supersede(session, model, definition.identifier)
    session.add(row)
    session.flush()
    result.added.append(f"{definition.identifier}@{definition.version}")


def _import_table(session: Session, table: CodeTableDef, result: ImportResult) -> None:
    if _already_there(session, CodeTable, table, _table_def, ("code table", "代码表"), result):
        return
    row = CodeTable(**{k: getattr(table, k) for k in TABLE_FIELDS}, status=CURRENT)
    row.entries = [CodeTableEntry(position=i, **e) for i, e in enumerate(table.content()["entries"])]
    _add_version(session, CodeTable, row, table, result)


def _import_element(session: Session, element: ElementDef, result: ImportResult) -> None:
    if _already_there(session, DataElement, element, _element_def, ("data element", "数据元"), result):
        return
    if element.domain_kind == "code_table" and find_code_table(session, element.domain or "") is None:
        raise InvalidInput(f"data element {element.identifier}: code table {element.domain} is not "
                           "registered; import it first or in the same file",
                           f"数据元 {element.identifier}：代码表 {element.domain} 未登记，请先导入",
                           field="domain")
    _add_version(session, DataElement, DataElement(**element.content(), status=CURRENT), element, result)


def import_bundle(session: Session, actor: Actor, data: dict[str, Any], *,
                  action: str = "standards.import") -> ImportResult:
    """Imports {"code_tables": [...], "elements": [...]}: new identifiers and new versions are
    added (the previous version becomes superseded); an identical version is left alone; a
    changed definition under an existing version is refused."""
    if not isinstance(data, dict) or not ({"elements", "code_tables"} & data.keys()):
        raise InvalidInput('expected a JSON object with "elements" and/or "code_tables"',
                           "应为包含 elements 或 code_tables 的 JSON 对象", field="file")
    tables = [code_table_from_dict(t) for t in data.get("code_tables", [])]
    elements = [element_from_dict(e) for e in data.get("elements", [])]
    result = ImportResult()
    for table in tables:
        _import_table(session, table, result)
    for element in elements:
        _import_element(session, element, result)
    audit.record(session, actor, action, object_type="standards", object_id="registry",
                 details={"added": result.added, "superseded": result.superseded,
                          "unchanged": len(result.unchanged)})
    return result


@dataclass
class Saved:
    """What saving one element or one code table did: outcome added (a new identifier),
    versioned (a new version) or unchanged; for a code table also the codes it changed."""

    definition: Any  # ElementDef | CodeTableDef
    outcome: str
    superseded: list[str] = field(default_factory=list)
    codes: dict[str, list[str]] | None = None  # code tables: added, renamed, retired

    def to_dict(self) -> dict[str, Any]:
        kind = "element" if isinstance(self.definition, ElementDef) else "code_table"
        done = {kind: {**self.definition.content(), "status": self.definition.status},
                "outcome": self.outcome, "superseded": self.superseded}
        return done | ({"codes": self.codes} if self.codes is not None else {})


@dataclass(frozen=True)
class DefinitionKind:
    """How one kind of versioned definition is saved: its table, names and audit actions."""

    model: Any
    what: tuple[str, str]  # in messages: ("data element", "数据元")
    object_type: str  # the audit records' object type
    action: str  # the audit actions' stem: <action>.add, <action>.version, <action>.save (refused)
    importer: Callable[[Session, Any, ImportResult], None]
    getter: Callable[[Session, str, str], Any]


def _save(session: Session, actor: Actor, kind: DefinitionKind, definition: Any, identifier: str | None,
          details: dict[str, Any] | None = None) -> Saved:
    """The import's rules for one definition typed on a form or sent to the API: adding an
    identifier that exists, or versioning one that does not, is refused; then as an import."""
    exists = session.scalar(select(func.count()).select_from(kind.model)
                            .where(kind.model.identifier == definition.identifier))
    en, zh = kind.what
    if identifier is None and exists:
        raise Conflict(f"{en} {definition.identifier} already exists: give its changes a new version "
                       "on its edit page", f"{zh} {definition.identifier} 已存在：请在其修改页面以新版本保存修改",
                       field="identifier")
    if identifier is not None and not exists:
        raise NotFound(f"{en} {identifier} is not registered", f"{zh} {identifier} 未登记", field="identifier")
    result = ImportResult()
    kind.importer(session, definition, result)
    saved = kind.getter(session, definition.identifier, definition.version)
    if result.unchanged:
        return Saved(saved, "unchanged")
    outcome = "versioned" if exists else "added"
    audit.record(session, actor, f"{kind.action}.{'add' if outcome == 'added' else 'version'}",
                 object_type=kind.object_type, object_id=definition.identifier,
                 details={"version": definition.version, "superseded": result.superseded, **(details or {})})
    return Saved(saved, outcome, result.superseded)


ELEMENTS = DefinitionKind(DataElement, ("data element", "数据元"), "data_element", "standards.element",
                 _import_element, get_element)
CODE_TABLES = DefinitionKind(CodeTable, ("code table", "代码表"), "code_table", "standards.code_table",
                    _import_table, get_code_table)


def save_element(session: Session, actor: Actor, data: dict[str, Any], *,
                 identifier: str | None = None) -> Saved:
    """Adds one data element (`identifier` None) or a new version of the element `identifier`,
    with the rules of the import: a changed definition must carry a new version (the current
    one becomes superseded); resubmitting an existing version unchanged changes nothing; a
    different definition under an existing version is refused (409)."""
    ensure_seeded(session, actor)
    if identifier is not None:
        data = {**data, "identifier": identifier}
    return _save(session, actor, ELEMENTS, element_from_dict(data), identifier)


def save_code_table(session: Session, actor: Actor, data: dict[str, Any], *,
                    identifier: str | None = None) -> Saved:
    """Adds a code table or a new version of one, whose entries are its codes from then on:
    a code left out is retired (the engine refuses it; earlier versions keep it), and a
    retired code may come back only with its old meaning (GB/T 2260: codes are not reused).
    Versions follow `save_element`'s rules."""
    ensure_seeded(session, actor)
    if identifier is not None:
        data = {**data, "identifier": identifier}
    table = code_table_from_dict(data)
    _refuse_reuse(table, retired_codes(session, table.identifier))
    codes = code_changes(find_code_table(session, table.identifier), table)
    saved = _save(session, actor, CODE_TABLES, table, identifier, details=codes)
    saved.codes = codes if saved.outcome != "unchanged" else {k: [] for k in codes}
    return saved


def code_changes(before: CodeTableDef | None, after: CodeTableDef) -> dict[str, list[str]]:
    """Codes added, renamed (a name changed) and retired (left out) from one version to the next."""
    old = {e["code"]: e for e in before.entries} if before else {}
    new = {e["code"]: e for e in after.entries}
    return {"added": [c for c in new if c not in old],
            "renamed": [c for c in new if c in old and old[c] != new[c]],
            "retired": [c for c in old if c not in new]}


def retired_codes(session: Session, identifier: str) -> dict[str, dict[str, str]]:
    """Codes some version of the table had and the current one has not, with their last entry."""
    seen: dict[str, dict[str, str]] = {}
    current: set[str] = set()
    for table in code_table_versions(session, identifier):
        seen.update({e["code"]: e for e in table.entries})
        if table.status == CURRENT:
            current = set(table.codes())
    return {code: entry for code, entry in seen.items() if code not in current}


def _refuse_reuse(table: CodeTableDef, retired: dict[str, dict[str, str]]) -> None:
    reused = [e["code"] for e in table.entries
              if e["code"] in retired and e["name_zh"] != retired[e["code"]]["name_zh"]]
    if reused:
        raise InvalidInput(f"code table {table.identifier}: code(s) {', '.join(reused)} were retired with another "
                           "meaning and are not reused; give the new meaning a new code",
                           f"代码表 {table.identifier}：代码 {'、'.join(reused)} 已停用且原含义不同，不得重复使用，"
                           "请为新含义另设代码", field="entries")


def record_refusal(session: Session, actor: Actor, kind: DefinitionKind, identifier: str, error: AppError) -> None:
    """Audits a refused change of an element or a code table (`ELEMENTS`, `CODE_TABLES`) on its
    own: the change itself is rolled back, the record of the attempt is kept."""
    session.rollback()
    audit.record(session, actor, f"{kind.action}.save", object_type=kind.object_type, object_id=identifier,
                 outcome=audit.Outcome.FAILURE, details={"code": error.code, "field": error.field})
    session.commit()


def export_bundle(session: Session, include_superseded: bool = False) -> dict[str, Any]:
    return {"code_tables": [{**t.content(), "status": t.status}
                            for t in list_code_tables(session, include_superseded)],
            "elements": [{**e.content(), "status": e.status}
                         for e in list_elements(session, include_superseded=include_superseded)]}


# --- XLSX ------------------------------------------------------------------------------------

ENTRY_COLUMNS = ("table_identifier", "table_version", "code", "name_zh", "name_en")


def export_xlsx(bundle: dict[str, Any]) -> bytes:
    """Three sheets: elements, code_tables and code_entries, one row each, codes as text."""
    from openpyxl import Workbook

    book = Workbook()
    sheets = (("elements", ELEMENT_FIELDS + ("status",), bundle["elements"]),
              ("code_tables", TABLE_FIELDS + ("status",), bundle["code_tables"]),
              ("code_entries", ENTRY_COLUMNS,
               [{"table_identifier": t["identifier"], "table_version": t["version"], **e}
                for t in bundle["code_tables"] for e in t["entries"]]))
    book.remove(book.active)
    for title, columns, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(list(columns))
        for row in rows:
            sheet.append([_text_cell(row.get(c)) for c in columns])
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                cell.number_format = "@"  # codes such as 01 stay text in Excel
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text_cell(value: Any) -> Any:
    return "" if value is None else str(value)


def _sheet_rows(book: Any, name: str) -> list[dict[str, str]]:
    if name not in book.sheetnames:
        return []
    rows = list(book[name].iter_rows(values_only=True))
    if not rows:
        return []
    header = [str(h or "").strip() for h in rows[0]]
    return [{h: ("" if v is None else str(v).strip()) for h, v in zip(header, row, strict=False)}
            for row in rows[1:] if any(v not in (None, "") for v in row)]


def bundle_from_xlsx(content: bytes) -> dict[str, Any]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a non-XLSX file
        raise InvalidInput("not an XLSX workbook", "不是 XLSX 工作簿", field="file") from exc
    entries: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in _sheet_rows(book, "code_entries"):
        entries.setdefault((row.get("table_identifier", ""), row.get("table_version", "")), []).append(
            {"code": row.get("code", ""), "name_zh": row.get("name_zh", ""), "name_en": row.get("name_en", "")})
    tables = [{**row, "entries": entries.get((row.get("identifier", ""), row.get("version", "")), [])}
              for row in _sheet_rows(book, "code_tables")]
    return {"code_tables": tables, "elements": _sheet_rows(book, "elements")}


def parse_bundle(content: bytes, filename: str) -> dict[str, Any]:
    if filename.lower().endswith(".xlsx"):
        return bundle_from_xlsx(content)
    try:
        return json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{filename} is not UTF-8 JSON ({exc})", f"{filename} 不是 UTF-8 编码的 JSON",
                           field="file") from exc


def filter_bundle(bundle: dict[str, Any], identifiers: Iterable[str]) -> dict[str, Any]:
    wanted = set(identifiers)
    return {key: [item for item in bundle[key] if item["identifier"] in wanted] for key in bundle}
