"""The checks as polars expressions: one boolean column per rule, True where a row fails.

Everything here is vectorised: a check is an expression over whole columns, evaluated on
each batch by polars' multi-threaded engine, never a Python loop per row. The identifier
checks re-implement `govshare.standards.identifiers` with integer arithmetic on the digits
(tests assert both agree on every value).

Each cell gets at most one validity reason: the checks of one item are chained, and each
excludes the cells an earlier one already failed, so a full-width ID number is reported as
"full-width", not also as "pattern" and "check digit".

Regular expressions spell digits as [0-9]: polars' \\d, like Python's, also accepts
full-width and other Unicode digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from govshare.quality.schema import CrossRule, FieldSpec, ResourceSchema
from govshare.standards import divisions
from govshare.standards.identifiers import (
    CITIZEN_WEIGHTS,
    EARLIEST_BIRTH_YEAR,
    NATIONAL_DIVISION_CODE,
    RESIDENCE_PERMIT_CODES,
    USCC_AUTHORITIES,
    USCC_WEIGHTS,
)

DIMENSIONS = ("completeness", "validity", "uniqueness", "consistency", "timeliness")
# Published weights of the overall score (docs/standards-and-quality.md).
WEIGHTS = {"completeness": 25, "validity": 35, "uniqueness": 15, "consistency": 15, "timeliness": 10}

FULLWIDTH = "[\uff01-\uff5e\u3000]"
EXCEL_SCIENTIFIC = r"^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$"
EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year bug folded in)


@dataclass
class Check:
    """One rule on one item (or items): `fail` is True on the rows that break it."""

    rule: str  # required, type, pattern, code_table, check_digit, fullwidth, ...
    dimension: str
    item: str
    expected_en: str
    expected_zh: str
    fail: pl.Expr
    columns: list[str] = field(default_factory=list)  # what a failing row's sample shows
    severity: str = "error"
    validator: str | None = None  # scalar validator that explains a sample value

    @property
    def id(self) -> str:
        return f"{self.rule}:{self.item}"


# --- identifier expressions ---------------------------------------------------------------


def _digit(number: pl.Expr, position: int, width: int) -> pl.Expr:
    """The decimal digit at `position` (0 = leftmost) of a `width`-digit integer."""
    return (number // (10 ** (width - 1 - position))) % 10


def citizen_checks(v: pl.Expr, today: date) -> list[tuple[str, str, str, pl.Expr]]:
    """(code, expected_en, expected_zh, fails) in order, for GB 11643 numbers.

    Agrees with `identifiers.check_citizen_id`: 18 characters with a check character, or a
    legacy 15-digit number; address code of a real province (or a residence-permit code);
    a real birth date not in the future nor before 1800; the check character."""
    s = v.str.strip_chars()
    is18 = s.str.contains(r"^[0-9]{17}[0-9Xx]$")
    is15 = s.str.contains(r"^[0-9]{15}$")
    provinces = sorted(divisions.province_codes())
    address_ok = s.str.slice(0, 2).is_in(provinces) | s.str.slice(0, 6).is_in(list(RESIDENCE_PERMIT_CODES))
    birth_text = pl.when(is15).then(pl.lit("19") + s.str.slice(6, 6)).otherwise(s.str.slice(6, 8))
    born = birth_text.str.to_date("%Y%m%d", strict=False)
    birth_ok = born.is_not_null() & (born <= pl.lit(today)) & (born.dt.year() >= EARLIEST_BIRTH_YEAR)
    first17 = s.str.slice(0, 17).str.to_integer(base=10, strict=False)
    total = pl.sum_horizontal([_digit(first17, i, 17) * w for i, w in enumerate(CITIZEN_WEIGHTS)])
    expected = (12 - total % 11) % 11  # "10X98765432"[total % 11], as a number with X = 10
    last = s.str.slice(17, 1).str.to_uppercase()
    actual = pl.when(last == "X").then(10).otherwise(last.str.to_integer(base=10, strict=False))
    return [
        ("format", "18 characters: 17 digits and a digit or X (or a legacy 15-digit number)",
         "18位（17位数字加数字或X），或旧版15位数字", ~(is18 | is15)),
        ("address_code", "an address code starting with a real province code (GB/T 2260)",
         "地址码的省级代码须存在（GB/T 2260）", ~address_ok),
        ("birth_date", f"a real birth date, not in the future nor before {EARLIEST_BIRTH_YEAR}",
         "出生日期须为真实日期，且不晚于今天", ~birth_ok),
        ("check_digit", "the GB 11643 check character", "符合 GB 11643 校验码",
         is18 & (expected != actual)),
    ]


USCC_CLASS = "[0-9A-HJ-NPQRTUWXY]"


def _uscc_value(base36: pl.Expr) -> pl.Expr:
    # Base-36 values skip I, O, S, V (Z is never reached): close the gaps.
    return base36 - (base36 > 18).cast(pl.Int64) - (base36 > 24).cast(pl.Int64) \
        - (base36 > 28).cast(pl.Int64) - (base36 > 31).cast(pl.Int64)


def _uscc_chars(code: pl.Expr) -> list[pl.Expr]:
    """The GB 32100 values of the first 17 characters, from two base-36 integers."""
    values = []
    for start, width in ((0, 9), (9, 8)):
        number = code.str.slice(start, width).str.to_integer(base=36, strict=False)
        values += [_uscc_value((number // 36 ** (width - 1 - i)) % 36) for i in range(width)]
    return values


def uscc_checks(v: pl.Expr) -> list[tuple[str, str, str, pl.Expr]]:
    """Agrees with `identifiers.check_uscc` (the GB 11714 warning aside)."""
    code = v.str.strip_chars().str.to_uppercase()
    shape = code.str.contains(f"^{USCC_CLASS}{{2}}[0-9]{{6}}{USCC_CLASS}{{10}}$")
    pairs = [a + t for a, entry in USCC_AUTHORITIES.items() for t in entry.types]
    division = code.str.slice(2, 6)
    division_ok = (division == NATIONAL_DIVISION_CODE) | code.str.slice(2, 2).is_in(
        sorted(divisions.province_codes()))
    total = pl.sum_horizontal([c * w for c, w in zip(_uscc_chars(code), USCC_WEIGHTS, strict=True)])
    expected = (31 - total % 31) % 31
    actual = _uscc_value(code.str.slice(17, 1).str.to_integer(base=36, strict=False))
    return [
        ("format", "18 characters; positions 3-8 digits, others digits or capitals except I O S V Z",
         "18位；第3至8位为数字，其余为数字或除 I O S V Z 外的大写字母", ~shape),
        ("authority_type", "a registering authority and organisation type defined in GB 32100",
         "登记管理部门和机构类别须为 GB 32100 所定义", ~code.str.slice(0, 2).is_in(pairs)),
        ("division_code", "a division code of a real province (GB/T 2260)", "登记管理机关行政区划码须存在",
         ~division_ok),
        ("check_digit", "the GB 32100 check character", "符合 GB 32100 校验码", expected != actual),
    ]


def division_checks(v: pl.Expr) -> list[tuple[str, str, str, pl.Expr]]:
    """Agrees with `identifiers.check_division_code`: an unknown code of a real province is
    valid there (it may be retired), so it is only a warning here (see `division_unknown`)."""
    s = v.str.strip_chars()
    return [
        ("format", "6 digits (GB/T 2260)", "6位数字（GB/T 2260）", ~s.str.contains(r"^[0-9]{6}$")),
        ("province", "a code of a real province (GB/T 2260)", "省级代码须存在（GB/T 2260）",
         ~s.str.slice(0, 2).is_in(sorted(divisions.province_codes()))),
    ]


def identifier_invalid(v: pl.Expr, validator: str, today: date | None = None) -> pl.Expr:
    """True where a value fails the validator (null stays null): for tests and callers that
    only need the verdict."""
    today = today or date.today()
    checks = {"gb11643": lambda: citizen_checks(v, today), "gb32100": lambda: uscc_checks(v),
              "gb2260": lambda: division_checks(v)}[validator]()
    return pl.any_horizontal([c[3].fill_null(True) for c in checks]) & v.is_not_null()


# --- item checks -----------------------------------------------------------------------------


def _strftime_pattern(fmt: str) -> str:
    """A regular expression for the exact shape of a strftime format: %Y%m%d → 8 digits."""
    widths = {"%Y": "[0-9]{4}", "%m": "[0-9]{2}", "%d": "[0-9]{2}", "%H": "[0-9]{2}",
              "%M": "[0-9]{2}", "%S": "[0-9]{2}"}
    parts = re.split(r"(%[YmdHMS])", fmt)
    return "^" + "".join(widths.get(p, re.escape(p)) for p in parts) + "$"


DEFAULT_FORMATS = {"date": "%Y-%m-%d", "datetime": "%Y-%m-%dT%H:%M:%S"}


def date_format(spec: FieldSpec) -> str:
    return spec.date_format or DEFAULT_FORMATS[spec.type]


def parsed_date(v: pl.Expr, spec: FieldSpec) -> pl.Expr:
    fmt = date_format(spec)
    if spec.type == "date":
        return v.str.to_date(fmt, strict=False)
    return v.str.to_datetime(fmt, strict=False)


def _type_checks(v: pl.Expr, spec: FieldSpec) -> list[tuple[str, str, str, pl.Expr]]:
    if spec.type == "integer":
        return [("type", "an integer", "整数", ~v.str.contains(r"^[+-]?[0-9]+$"))]
    if spec.type == "number":
        return [("type", "a number", "数值", ~v.str.contains(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"))]
    if spec.type == "boolean":
        return [("type", "true/false (or 1/0, 是/否)", "布尔值（true/false、1/0、是/否）",
                 ~v.str.to_lowercase().is_in(["true", "false", "1", "0", "是", "否", "yes", "no"]))]
    if spec.type in ("date", "datetime"):
        fmt = date_format(spec)
        serial = v.str.contains(r"^[0-9]{5}(\.[0-9]+)?$") & ~v.str.contains(_strftime_pattern(fmt))
        shape = v.str.contains(_strftime_pattern(fmt))
        return [
            ("excel_serial_date", "a date, not an Excel serial day number: format the column as text "
             f"{_format_label(fmt)}", f"日期而不是 Excel 日期序号：请把该列设为文本格式 {_format_label(fmt)}",
             serial),
            ("type", f"a real date written {_format_label(fmt)}", f"按 {_format_label(fmt)} 书写的真实日期",
             ~shape | parsed_date(v, spec).is_null()),
        ]
    return []


def _format_label(fmt: str) -> str:
    return fmt.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD").replace("%H", "hh") \
        .replace("%M", "mm").replace("%S", "ss")


def _domain_checks(v: pl.Expr, spec: FieldSpec, today: date) -> list[tuple[str, str, str, pl.Expr]]:
    checks: list[tuple[str, str, str, pl.Expr]] = []
    if spec.validator == "gb11643":
        checks += [("excel_number", "the ID number as text: it was stored as a number in Excel and lost "
                    "its last digits", "以文本保存的身份号码：在 Excel 中被存为数字，末几位已丢失",
                    v.str.contains(EXCEL_SCIENTIFIC) | v.str.contains(r"^[0-9]{15}000$"))]
    if spec.validator:
        fn = {"gb11643": lambda: citizen_checks(v, today), "gb32100": lambda: uscc_checks(v),
              "gb2260": lambda: division_checks(v)}[spec.validator]
        checks += [(f"{spec.validator}.{code}", en, zh, fails) for code, en, zh, fails in fn()]
    if spec.max_length is not None:
        checks.append(("length", f"at most {spec.max_length} characters", f"不超过 {spec.max_length} 个字符",
                       v.str.len_chars() > spec.max_length))
    if spec.min_length is not None:
        checks.append(("length", f"at least {spec.min_length} characters", f"不少于 {spec.min_length} 个字符",
                       v.str.len_chars() < spec.min_length))
    if spec.pattern:
        checks.append(("pattern", f"matches {spec.pattern}", f"符合格式 {spec.pattern}",
                       ~v.str.contains(spec.pattern)))
    if spec.enum is not None:
        source = spec.code_table or "enum"
        shown = ", ".join(spec.enum[:12]) + (" …" if len(spec.enum) > 12 else "")
        checks.append(("code_table", f"a code of {source}: {shown}", f"{source} 中的代码：{shown}",
                       ~v.is_in(spec.enum)))
    if spec.minimum is not None or spec.maximum is not None:
        number = v.str.strip_chars().cast(pl.Float64, strict=False)
        low = number < spec.minimum if spec.minimum is not None else pl.lit(False)
        high = number > spec.maximum if spec.maximum is not None else pl.lit(False)
        checks.append(("range", f"between {spec.minimum} and {spec.maximum}",
                       f"介于 {spec.minimum} 与 {spec.maximum} 之间", low | high))
    return checks


def _coded(spec: FieldSpec) -> bool:
    return bool(spec.validator or spec.pattern or spec.enum is not None or spec.type != "string")


def item_checks(spec: FieldSpec, today: date) -> list[Check]:
    """Completeness and validity of one item, chained so that each cell has one reason."""
    v = pl.col(spec.name)
    present = v.is_not_null()
    checks: list[Check] = []
    if spec.required:
        checks.append(Check("required", "completeness", spec.name, "a value (required item)",
                            "必填项须有值", ~present, [spec.name]))
    chain: list[tuple[str, str, str, pl.Expr]] = []
    if _coded(spec):
        chain.append(("fullwidth", "half-width (ASCII) characters, not full-width ones such as １２３",
                      "半角字符，而不是１２３等全角字符", v.str.contains(FULLWIDTH)))
    chain += _type_checks(v, spec) + _domain_checks(v, spec, today)
    failed_before: pl.Expr | None = None
    for code, en, zh, fails in chain:
        fails = fails.fill_null(True) & present
        own = fails if failed_before is None else fails & ~failed_before
        checks.append(Check(code, "validity", spec.name, en, zh, own, [spec.name],
                            validator=spec.validator if code.startswith(f"{spec.validator}.") else None))
        failed_before = fails if failed_before is None else failed_before | fails
    if spec.validator == "gb2260":
        known = sorted(ref.code for ref in divisions.reference_divisions())
        unknown = present & (failed_before.not_() if failed_before is not None else pl.lit(True)) \
            & ~v.str.strip_chars().is_in(known)
        checks.append(Check("gb2260.unknown", "validity", spec.name,
                            "a code in the reference division list (it may be retired or new)",
                            "参考行政区划表中的代码（可能已撤销或新设）", unknown, [spec.name],
                            severity="warning"))
    return checks


# --- cross-item rules ------------------------------------------------------------------------


def _valid_citizen(v: pl.Expr, today: date) -> pl.Expr:
    return ~identifier_invalid(v, "gb11643", today).fill_null(True)


def _birth_from_id(v: pl.Expr) -> pl.Expr:
    s = v.str.strip_chars()
    return pl.when(s.str.len_chars() == 15).then(pl.lit("19") + s.str.slice(6, 6)).otherwise(s.str.slice(6, 8))


def cross_check(rule: CrossRule, schema: ResourceSchema, today: date,
                references: dict[str, frozenset[str]] | None = None) -> Check | None:
    """None when the rule cannot be evaluated (its reference data is not available)."""
    specs = [schema.field(n) for n in rule.fields]
    cols = [pl.col(n) for n in rule.fields]
    item = "+".join(rule.fields)
    if rule.kind == "id_birth_date":
        birth_spec = specs[1]
        assert birth_spec is not None
        born = parsed_date(cols[1], birth_spec) if birth_spec.type in ("date", "datetime") \
            else cols[1].str.to_date("%Y%m%d", strict=False)
        fails = _valid_citizen(cols[0], today) & born.is_not_null() \
            & (born.dt.strftime("%Y%m%d") != _birth_from_id(cols[0]))
        return Check("id_birth_date", "consistency", item, "the birth date in the ID number",
                     "与身份号码中的出生日期一致", fails.fill_null(False), rule.fields)
    if rule.kind == "id_gender":
        s = cols[0].str.strip_chars()
        odd = s.str.slice(pl.when(s.str.len_chars() == 15).then(14).otherwise(16), 1) \
            .str.to_integer(strict=False) % 2 == 1
        gender = cols[1].str.strip_chars()
        fails = _valid_citizen(cols[0], today) & gender.is_in(["1", "2"]) & (odd != (gender == "1"))
        return Check("id_gender", "consistency", item,
                     "gender code 1 (male) for an odd sequence digit, 2 (female) for an even one",
                     "身份号码顺序码为奇数时性别代码为1（男），偶数时为2（女）", fails.fill_null(False), rule.fields)
    if rule.kind == "date_order":
        start, end = (parsed_date(c, s) if s and s.type in ("date", "datetime") else c
                      for c, s in zip(cols, specs, strict=True))
        return Check("date_order", "consistency", item, f"{rule.fields[1]} on or after {rule.fields[0]}",
                     f"{rule.fields[1]} 不早于 {rule.fields[0]}", (end < start).fill_null(False), rule.fields)
    if rule.kind == "foreign_key":
        values = (references or {}).get(rule.reference or "")
        if values is None:
            return None
        ref = f"{rule.reference}.{rule.reference_field or rule.fields[0]}"
        return Check("foreign_key", "consistency", item, f"a value present in {ref}", f"须存在于 {ref}",
                     (cols[0].is_not_null() & ~cols[0].is_in(list(values))).fill_null(False), rule.fields)
    raise ValueError(rule.kind)


def build_checks(schema: ResourceSchema, present: Iterable[str], today: date,
                 references: dict[str, frozenset[str]] | None = None) -> tuple[list[Check], list[CrossRule]]:
    """The checks that can run on a file with these columns, and the rules that cannot."""
    columns = set(present)
    checks: list[Check] = []
    for spec in schema.fields:
        if spec.name in columns:
            checks += item_checks(spec, today)
    skipped: list[CrossRule] = []
    for rule in schema.rules:
        check = cross_check(rule, schema, today, references) if set(rule.fields) <= columns else None
        if check is None:
            skipped.append(rule)
        else:
            checks.append(check)
    return checks, skipped
