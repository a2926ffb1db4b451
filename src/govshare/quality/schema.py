"""A resource schema: what every item (信息项) of a data resource must look like.

The engine checks files against a `ResourceSchema`. One is built from a catalog resource's
items and their data elements (`schema_from_items`), or read from a Frictionless Table Schema
(`from_table_schema`), and can be written back as one (`to_table_schema`). govshare-only
facts (validators, personal-data kinds, cross-item rules, update cycle) travel in
`govshare:`-prefixed properties, which other Table Schema tools ignore.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from govshare.core.errors import InvalidInput

TYPES = ("string", "integer", "number", "date", "datetime", "boolean")
VALIDATORS = ("gb11643", "gb32100", "gb2260")
PERSONAL_KINDS = ("citizen_id", "name", "mobile", "address", "other")
CROSS_RULES = ("id_birth_date", "id_gender", "date_order", "foreign_key")

# 更新周期 of the catalog guide → the data age (days) a resource may reach before it is late.
UPDATE_CYCLE_DAYS: dict[str, int | None] = {
    "realtime": 1, "daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92,
    "half_yearly": 183, "yearly": 366, "irregular": None, "other": None,
}
UPDATE_CYCLE_ALIASES = {
    "实时": "realtime", "每日": "daily", "每周": "weekly", "每月": "monthly", "每季度": "quarterly",
    "每半年": "half_yearly", "每年": "yearly", "不定时": "irregular", "其他": "other",
}


@dataclass
class FieldSpec:
    """One item: the column `name` as it appears in the file header."""

    name: str
    title: str = ""
    type: str = "string"
    required: bool = False
    pattern: str | None = None  # an anchored regular expression over ASCII classes
    max_length: int | None = None
    min_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    enum: list[str] | None = None  # allowed codes (a code table's codes)
    code_table: str | None = None  # where enum came from, for messages
    validator: str | None = None  # gb11643 | gb32100 | gb2260
    date_format: str | None = None  # strftime, e.g. %Y%m%d, for date and datetime items
    element: str | None = None  # data element identifier (数据元标识符)
    element_version: str | None = None
    format: str | None = None  # the element's format notation, e.g. an..18, n8
    personal: str | None = None  # masking kind for samples: citizen_id, name, mobile, ...
    unique: bool = False

    def label(self) -> str:
        return f"{self.title}（{self.name}）" if self.title and self.title != self.name else self.name


@dataclass
class CrossRule:
    """A rule over several items: kind in CROSS_RULES, its items, and for foreign keys the
    referenced resource (or code table) and field."""

    kind: str
    fields: list[str]
    reference: str | None = None
    reference_field: str | None = None

    @property
    def id(self) -> str:
        return f"{self.kind}:{'+'.join(self.fields)}"


@dataclass
class ResourceSchema:
    name: str = ""
    title: str = ""
    resource_code: str | None = None
    fields: list[FieldSpec] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    unique_keys: list[list[str]] = field(default_factory=list)
    rules: list[CrossRule] = field(default_factory=list)
    update_cycle: str | None = None
    timestamp_field: str | None = None  # the item whose latest value dates the data

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    def key_sets(self) -> list[list[str]]:
        """Every set of items whose values must be unique together."""
        keys = [list(self.primary_key)] if self.primary_key else []
        keys += [k for k in self.unique_keys if k and k not in keys]
        keys += [[f.name] for f in self.fields if f.unique and [f.name] not in keys]
        return keys

    def validate(self) -> None:
        names = [f.name for f in self.fields]
        if not names:
            raise InvalidInput("the schema has no items", "模式未定义任何信息项", field="fields")
        if len(set(names)) != len(names):
            raise InvalidInput("an item name appears twice in the schema", "模式中信息项名称重复",
                               field="fields")
        for spec in self.fields:
            _validate_field(spec)
        for key in self.key_sets():
            _known(names, key, "primaryKey")
        for rule in self.rules:
            if rule.kind not in CROSS_RULES:
                raise InvalidInput(f"unknown cross-item rule {rule.kind!r}; expected one of "
                                   f"{', '.join(CROSS_RULES)}", f"未知的跨项规则“{rule.kind}”",
                                   field="rules")
            _known(names, rule.fields, "rules")
        if self.update_cycle and normalise_cycle(self.update_cycle) is None:
            raise InvalidInput(f"unknown update cycle {self.update_cycle!r}",
                               f"未知的更新周期“{self.update_cycle}”", field="update_cycle")


def _known(names: list[str], used: Iterable[str], where: str) -> None:
    missing = [n for n in used if n not in names]
    if missing:
        raise InvalidInput(f"{where} names unknown item(s): {', '.join(missing)}",
                           f"{where} 引用了不存在的信息项：{'、'.join(missing)}", field=where)


def _validate_field(spec: FieldSpec) -> None:
    if spec.type not in TYPES:
        raise InvalidInput(f"item {spec.name}: unknown type {spec.type!r}; expected one of "
                           f"{', '.join(TYPES)}", f"信息项 {spec.name} 的类型“{spec.type}”无效",
                           field=spec.name)
    if spec.validator and spec.validator not in VALIDATORS:
        raise InvalidInput(f"item {spec.name}: unknown validator {spec.validator!r}",
                           f"信息项 {spec.name} 的校验器“{spec.validator}”无效", field=spec.name)
    if spec.pattern:
        try:
            re.compile(spec.pattern)
        except re.error as exc:
            raise InvalidInput(f"item {spec.name}: pattern is not a regular expression ({exc})",
                               f"信息项 {spec.name} 的模式不是有效的正则表达式", field=spec.name) from exc


def normalise_cycle(cycle: str | None) -> str | None:
    if not cycle:
        return None
    key = UPDATE_CYCLE_ALIASES.get(cycle, cycle)
    return key if key in UPDATE_CYCLE_DAYS else None


# --- element format notation ---------------------------------------------------------------

_FORMAT = re.compile(r"^(a|n|an|anc|c)(\.\.)?(\d+)(?:,(\d+))?$")
_DATE_FORMATS = {"YYYYMMDD": "%Y%m%d", "YYYY-MM-DD": "%Y-%m-%d",
                 "YYYYMMDDhhmmss": "%Y%m%d%H%M%S", "YYYY-MM-DDThh:mm:ss": "%Y-%m-%dT%H:%M:%S"}


def format_constraints(notation: str | None) -> dict[str, Any]:
    """What a format notation of GB/T 18391-style data elements implies for a value.

    a = letters, n = digits, an = letters and digits, c = any characters; `..` means "up to";
    `n..18,2` is a number with up to 18 digits and 2 decimals. Date notations give a format.
    """
    if not notation:
        return {}
    if notation in _DATE_FORMATS:
        return {"date_format": _DATE_FORMATS[notation]}
    match = _FORMAT.match(notation)
    if not match:
        return {}
    kind, upto, length, scale = match.group(1), match.group(2), int(match.group(3)), match.group(4)
    if kind == "n" and scale:
        return {"pattern": rf"^-?[0-9]{{1,{length - int(scale)}}}(\.[0-9]{{1,{scale}}})?$"}
    classes = {"a": "A-Za-z", "n": "0-9", "an": "0-9A-Za-z"}
    if kind in classes:
        span = f"{{1,{length}}}" if upto else f"{{{length}}}"
        return {"pattern": f"^[{classes[kind]}]{span}$"}
    return {"max_length": length} if upto else {"min_length": length, "max_length": length}


# --- from catalog items ----------------------------------------------------------------------


@dataclass
class ItemSpec:
    """A catalog item as the catalog knows it: name, data type, length and, optionally, the
    data element it uses. `schema_from_items` turns a list of these into a ResourceSchema."""

    name: str
    data_type: str = "string"
    length: int | None = None
    element: str | None = None
    required: bool = False
    title: str = ""


ElementLookup = Callable[[str], FieldSpec | None]

_CATALOG_TYPES = {"字符型": "string", "数值型": "number", "整数型": "integer", "日期型": "date",
                  "日期时间型": "datetime", "布尔型": "boolean", "string": "string", "number": "number",
                  "integer": "integer", "date": "date", "datetime": "datetime", "boolean": "boolean",
                  "C": "string", "N": "number", "D": "date", "T": "datetime", "B": "boolean"}


def schema_from_items(items: Iterable[ItemSpec], element_lookup: ElementLookup | None = None, *,
                      name: str = "", resource_code: str | None = None,
                      primary_key: Iterable[str] = (), rules: Iterable[CrossRule] = (),
                      update_cycle: str | None = None, timestamp_field: str | None = None,
                      infer_rules: bool = True) -> ResourceSchema:
    """The schema of a catalog resource from its items.

    An item that names a data element takes the element's type, format, value domain and
    personal-data kind (the item keeps its own name, title and required flag); other items
    are checked for type and length only. With `infer_rules`, the cross-item rules that follow
    from the elements are added: birth date and gender agree with the citizen ID number.
    """
    if element_lookup is None:
        from govshare.standards.registry import builtin_field_for

        element_lookup = builtin_field_for
    fields = [_field_from_item(item, element_lookup) for item in items]
    schema = ResourceSchema(name=name, resource_code=resource_code, fields=fields,
                            primary_key=list(primary_key), rules=list(rules),
                            update_cycle=update_cycle, timestamp_field=timestamp_field)
    if infer_rules:
        schema.rules += [r for r in inferred_rules(fields) if r.id not in {x.id for x in schema.rules}]
    schema.validate()
    return schema


def _field_from_item(item: ItemSpec, element_lookup: ElementLookup) -> FieldSpec:
    base = element_lookup(item.element) if item.element else None
    if item.element and base is None:
        raise InvalidInput(f"item {item.name}: data element {item.element} is not in the registry",
                           f"信息项 {item.name}：数据元 {item.element} 未在注册库中",
                           field=item.name)
    if base is not None:
        spec = FieldSpec(**{**asdict(base), "name": item.name, "title": item.title or base.title,
                            "required": item.required or base.required})
        return spec
    kind = _CATALOG_TYPES.get(item.data_type, "string")
    return FieldSpec(name=item.name, title=item.title, type=kind, required=item.required,
                     max_length=item.length if kind == "string" else None)


def inferred_rules(fields: list[FieldSpec]) -> list[CrossRule]:
    by_element = {f.element: f.name for f in fields if f.element}
    citizen = next((f.name for f in fields if f.validator == "gb11643"), None)
    rules: list[CrossRule] = []
    if citizen is None:
        return rules
    from govshare.standards.registry import BIRTH_DATE_ELEMENT, GENDER_ELEMENT

    if BIRTH_DATE_ELEMENT in by_element:
        rules.append(CrossRule("id_birth_date", [citizen, by_element[BIRTH_DATE_ELEMENT]]))
    if GENDER_ELEMENT in by_element:
        rules.append(CrossRule("id_gender", [citizen, by_element[GENDER_ELEMENT]]))
    return rules


# --- Frictionless Table Schema ---------------------------------------------------------------

_PREFIX = "govshare:"
_TS_TYPES = {"string": "string", "integer": "integer", "number": "number", "date": "date",
             "datetime": "datetime", "boolean": "boolean"}


def _strftime_to_ts(fmt: str | None) -> str:
    return fmt if fmt else "default"


def to_table_schema(schema: ResourceSchema) -> dict[str, Any]:
    """The schema as a Frictionless Table Schema (v1) with govshare extensions."""
    fields = []
    for spec in schema.fields:
        constraints: dict[str, Any] = {}
        for key, value in (("required", spec.required or None), ("pattern", spec.pattern),
                           ("maxLength", spec.max_length), ("minLength", spec.min_length),
                           ("minimum", spec.minimum), ("maximum", spec.maximum),
                           ("enum", spec.enum), ("unique", spec.unique or None)):
            if value is not None:
                constraints[key] = value
        out: dict[str, Any] = {"name": spec.name, "type": _TS_TYPES[spec.type]}
        if spec.title:
            out["title"] = spec.title
        if spec.type in ("date", "datetime"):
            out["format"] = _strftime_to_ts(spec.date_format)
        if constraints:
            out["constraints"] = constraints
        for key in ("validator", "element", "element_version", "personal", "code_table", "format"):
            value = getattr(spec, key)
            if value:
                out[_PREFIX + key] = value
        fields.append(out)
    result: dict[str, Any] = {"fields": fields}
    if schema.primary_key:
        result["primaryKey"] = list(schema.primary_key)
    fks = [r for r in schema.rules if r.kind == "foreign_key"]
    if fks:
        result["foreignKeys"] = [{"fields": r.fields, "reference": {
            "resource": r.reference or "", "fields": [r.reference_field or r.fields[0]]}} for r in fks]
    others = [asdict(r) for r in schema.rules if r.kind != "foreign_key"]
    extras = {"name": schema.name, "title": schema.title, "resource_code": schema.resource_code,
              "unique_keys": schema.unique_keys, "rules": others, "update_cycle": schema.update_cycle,
              "timestamp_field": schema.timestamp_field}
    result.update({_PREFIX + k: v for k, v in extras.items() if v})
    return result


def from_table_schema(data: dict[str, Any]) -> ResourceSchema:
    """Read a Table Schema (with or without govshare extensions) into a ResourceSchema."""
    if not isinstance(data, dict) or not isinstance(data.get("fields"), list):
        raise InvalidInput("not a Table Schema: a JSON object with a \"fields\" list is expected",
                           "不是 Table Schema：应为含 fields 列表的 JSON 对象", field="fields")
    fields = [_field_from_ts(item) for item in data["fields"]]
    rules = [CrossRule(**r) for r in data.get(_PREFIX + "rules", [])]
    for fk in data.get("foreignKeys", []):
        ref = fk.get("reference", {})
        ref_fields = ref.get("fields") or [None]
        rules.append(CrossRule("foreign_key", _as_list(fk.get("fields")),
                               reference=ref.get("resource"), reference_field=_as_list(ref_fields)[0]))
    schema = ResourceSchema(
        name=data.get(_PREFIX + "name", ""), title=data.get(_PREFIX + "title", ""),
        resource_code=data.get(_PREFIX + "resource_code"), fields=fields,
        primary_key=_as_list(data.get("primaryKey", [])),
        unique_keys=[_as_list(k) for k in data.get(_PREFIX + "unique_keys", [])], rules=rules,
        update_cycle=data.get(_PREFIX + "update_cycle"),
        timestamp_field=data.get(_PREFIX + "timestamp_field"))
    schema.validate()
    return schema


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) or value is None else list(value)


def _field_from_ts(item: dict[str, Any]) -> FieldSpec:
    if not isinstance(item, dict) or not item.get("name"):
        raise InvalidInput("every Table Schema field needs a name", "每个字段都须有 name", field="fields")
    constraints = item.get("constraints", {})
    kind = item.get("type", "string")
    kind = kind if kind in TYPES else "string"
    fmt = item.get("format")
    date_format = fmt if kind in ("date", "datetime") and fmt not in (None, "default", "any") else None
    return FieldSpec(
        name=item["name"], title=item.get("title", ""), type=kind,
        required=bool(constraints.get("required", False)), pattern=constraints.get("pattern"),
        max_length=constraints.get("maxLength"), min_length=constraints.get("minLength"),
        minimum=constraints.get("minimum"), maximum=constraints.get("maximum"),
        enum=[str(v) for v in constraints["enum"]] if "enum" in constraints else None,
        unique=bool(constraints.get("unique", False)), date_format=date_format,
        **{k: item.get(_PREFIX + k) for k in ("validator", "element", "element_version", "personal",
                                              "code_table", "format")})
