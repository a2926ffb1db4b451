"""Validators for the identifiers government data is keyed on, that say what is wrong.

- citizen identity number, GB 11643-1999 (公民身份号码), 18 characters or legacy 15 digits;
- unified social credit code, GB 32100-2015 (统一社会信用代码), with its embedded GB 11714
  organisation code;
- administrative division code, GB/T 2260 (行政区划代码).

Every check returns an `IdentifierCheck` with a list of `Problem`s (English and Chinese) and
the facts that could be read from the value, so an import report or a window clerk can tell
a typo from a retired code. Characters are tested against explicit ASCII ranges because
`str.isdigit()` and regex `\\d` accept full-width and other Unicode digits, which are the
most common paste error in Chinese office data.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from govshare.standards import divisions

KINDS = ("citizen", "uscc", "division")

# --- shared result types ------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    message_zh: str


@dataclass
class IdentifierCheck:
    value: str
    kind: str
    ok: bool
    normalized: str | None
    problems: list[Problem] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return "; ".join(p.message for p in self.problems)

    @property
    def reason_zh(self) -> str:
        return "；".join(p.message_zh for p in self.problems)

    @property
    def warnings(self) -> list[dict[str, str]]:
        return list(self.facts.get("warnings", []))

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "kind": self.kind,
            "ok": self.ok,
            "normalized": self.normalized,
            "problems": [asdict(p) for p in self.problems],
            "facts": self.facts,
        }


def _finish(value: str, kind: str, normalized: str, problems: list[Problem],
            facts: dict[str, Any]) -> IdentifierCheck:
    ok = not problems
    return IdentifierCheck(value=value, kind=kind, ok=ok,
                           normalized=normalized if ok else None,
                           problems=problems, facts=facts)


def _warning(code: str, message: str, message_zh: str) -> dict[str, str]:
    # Warnings live in facts (plain dicts) so that facts stay JSON-serialisable.
    return {"code": code, "message": message, "message_zh": message_zh}


# --- character classes --------------------------------------------------------------------


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


def _is_upper(ch: str) -> bool:
    return "A" <= ch <= "Z"


def _is_fullwidth(ch: str) -> bool:
    # U+FF01..U+FF5E are the full-width forms of ASCII ! .. ~; U+3000 is the ideographic space.
    return "\uff01" <= ch <= "\uff5e" or ch == "\u3000"


def _positions(indexes: Iterable[int]) -> str:
    shown = [str(i + 1) for i in indexes]
    return ", ".join(shown[:6]) + (", …" if len(shown) > 6 else "")


def _positions_zh(indexes: Iterable[int]) -> str:
    shown = [str(i + 1) for i in indexes]
    return "、".join(shown[:6]) + ("……" if len(shown) > 6 else "")


def _char_problems(value: str, allowed: Callable[[int, str], bool], expected_en: str,
                   expected_zh: str) -> list[Problem]:
    """One problem per kind of bad character, naming positions (1-based) and a fix."""
    fullwidth: list[int] = []
    spaces: list[int] = []
    other: list[int] = []
    for i, ch in enumerate(value):
        if allowed(i, ch):
            continue
        if _is_fullwidth(ch):
            fullwidth.append(i)
        elif ch.isspace():
            spaces.append(i)
        else:
            other.append(i)
    problems: list[Problem] = []
    if fullwidth:
        sample = value[fullwidth[0]]
        ascii_form = unicodedata.normalize("NFKC", sample)
        problems.append(Problem(
            "fullwidth",
            f"full-width character(s) at position {_positions(fullwidth)} (e.g. '{sample}'): "
            f"type half-width ASCII instead ('{ascii_form}')",
            f"第{_positions_zh(fullwidth)}位是全角字符（如“{sample}”），请改用半角字符（“{ascii_form}”）",
        ))
    if spaces:
        problems.append(Problem(
            "whitespace",
            f"space inside the value at position {_positions(spaces)}",
            f"第{_positions_zh(spaces)}位含有空格",
        ))
    if other:
        chars = "".join(dict.fromkeys(value[i] for i in other))
        problems.append(Problem(
            "bad_char",
            f"character(s) '{chars}' at position {_positions(other)} not allowed: {expected_en}",
            f"第{_positions_zh(other)}位的字符“{chars}”不允许：{expected_zh}",
        ))
    return problems


# --- division facts shared by the three checks --------------------------------------------

# Residence permits for Hong Kong, Macao and Taiwan residents (港澳台居民居住证, 2018) use the
# GB 11643 layout with these address codes; 830000 is not a GB/T 2260 code.
RESIDENCE_PERMIT_CODES = {
    "810000": ("香港居民居住证", "Hong Kong resident's residence permit"),
    "820000": ("澳门居民居住证", "Macao resident's residence permit"),
    "830000": ("台湾居民居住证", "Taiwan resident's residence permit"),
}

# Bodies registered at national level carry 100000 instead of a GB/T 2260 code.
NATIONAL_DIVISION_CODE = "100000"


def _division_facts(code: str) -> dict[str, Any]:
    ref = divisions.lookup_division(code)
    return {
        "division_code": code,
        "division_name": ref.name if ref else None,
        "division_full_name": divisions.full_name(code),
        "division_known": ref is not None,
        "province": divisions.province_name(code[:2]),
    }


def _province_problem(code: str, what_en: str, what_zh: str) -> Problem:
    return Problem(
        "province",
        f"{what_en} {code}: {code[:2]} is not a province code (GB/T 2260)",
        f"{what_zh} {code} 的省级代码 {code[:2]} 不存在（GB/T 2260）",
    )


# --- GB 11643-1999 citizen identity number ------------------------------------------------

CITIZEN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CITIZEN_CHECK_CHARS = "10X98765432"
# The standard's own example (440524188001010014) is born in 1880, so pre-1900 dates are
# only warned about; anything before 1800 is taken as a typo in the year.
EARLIEST_BIRTH_YEAR = 1800
UNUSUAL_BEFORE_YEAR = 1900


def citizen_id_check_char(first17: str) -> str:
    """Check character (position 18) for the first 17 digits of an identity number."""
    if len(first17) != 17 or not all(_is_digit(c) for c in first17):
        raise ValueError("need exactly 17 ASCII digits / 需要17位半角数字")
    total = sum(int(c) * w for c, w in zip(first17, CITIZEN_WEIGHTS, strict=True))
    return CITIZEN_CHECK_CHARS[total % 11]


def make_citizen_id(division_code: str, birth_date: date, sequence: int) -> str:
    """Build a valid 18-character identity number (for demos and tests)."""
    if len(division_code) != 6 or not all(_is_digit(c) for c in division_code):
        raise ValueError("division code must be 6 ASCII digits / 行政区划代码须为6位半角数字")
    if not 0 <= sequence <= 999:
        raise ValueError("sequence must be 0..999 / 顺序码须在0至999之间")
    first17 = f"{division_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + citizen_id_check_char(first17)


def upgrade_citizen_id(legacy15: str) -> str:
    """The 18-character form of a legacy 15-digit number (year 19yy, check char added)."""
    if len(legacy15) != 15 or not all(_is_digit(c) for c in legacy15):
        raise ValueError("need exactly 15 ASCII digits / 需要15位半角数字")
    first17 = legacy15[:6] + "19" + legacy15[6:]
    return first17 + citizen_id_check_char(first17)


def _birth_problems(digits: str, today: date, facts: dict[str, Any]) -> list[Problem]:
    shown = f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return [Problem("birth_date", f"birth date {shown} is not a real date",
                        f"出生日期 {shown} 不是有效日期")]
    facts["birth_date"] = born.isoformat()
    if born > today:
        return [Problem("birth_future", f"birth date {shown} is in the future",
                        f"出生日期 {shown} 晚于今天")]
    if born.year < EARLIEST_BIRTH_YEAR:
        return [Problem("birth_too_early",
                        f"birth year {born.year} is before {EARLIEST_BIRTH_YEAR}",
                        f"出生年份 {born.year} 早于 {EARLIEST_BIRTH_YEAR} 年")]
    if born.year < UNUSUAL_BEFORE_YEAR:
        facts.setdefault("warnings", []).append(_warning(
            "birth_before_1900", f"born before {UNUSUAL_BEFORE_YEAR}: check the date",
            f"出生于 {UNUSUAL_BEFORE_YEAR} 年以前，请核对出生日期"))
    return []


def _address_problems(code: str, facts: dict[str, Any]) -> list[Problem]:
    facts.update(_division_facts(code))
    if code in RESIDENCE_PERMIT_CODES:
        zh, en = RESIDENCE_PERMIT_CODES[code]
        facts["residence_permit"] = {"zh": zh, "en": en}
        return []
    if code[:2] not in divisions.province_codes():
        return [_province_problem(code, "address code", "地址码")]
    return []


def check_citizen_id(value: str, *, today: date | None = None) -> IdentifierCheck:
    """Explain a citizen identity number (GB 11643-1999), 18 characters or legacy 15 digits.

    A lowercase x check character is accepted and normalised to X. An address code missing
    from the reference divisions is not an error (retired codes stay on old numbers); it is
    reported as facts["division_known"] = False.
    """
    today = today or date.today()
    text = value.strip()
    normalized = text[:17] + text[17:].replace("x", "X") if len(text) == 18 else text
    facts: dict[str, Any] = {}
    problems: list[Problem] = []

    if len(text) not in (15, 18):
        problems.append(Problem(
            "length", f"must be 18 characters (or 15 for a legacy number), got {len(text)}",
            f"长度应为18位（旧版15位），实际为{len(text)}位"))
    last = len(normalized) - 1

    def allowed(i: int, ch: str) -> bool:
        return _is_digit(ch) or (len(normalized) == 18 and i == last and ch == "X")

    problems += _char_problems(normalized, allowed,
                               "expected digits 0-9 (and X as the 18th character)",
                               "应为数字0-9（第18位可为X）")
    if problems:
        return _finish(value, "citizen", normalized, problems, facts)

    legacy = len(normalized) == 15
    birth = "19" + normalized[6:12] if legacy else normalized[6:14]
    sequence = normalized[12:15] if legacy else normalized[14:17]
    problems += _address_problems(normalized[:6], facts)
    problems += _birth_problems(birth, today, facts)
    facts["gender"] = "male" if int(sequence[-1]) % 2 else "female"
    facts["sequence"] = sequence
    if legacy:
        facts["legacy_15"] = True
        facts["upgraded_18"] = upgrade_citizen_id(normalized)
    else:
        expected = citizen_id_check_char(normalized[:17])
        facts["check_char"] = expected
        if normalized[17] != expected:
            problems.append(Problem(
                "check_char",
                f"check character should be {expected}, got {normalized[17]}",
                f"校验码应为 {expected}，实际为 {normalized[17]}"))
    return _finish(value, "citizen", normalized, problems, facts)


# --- GB 32100-2015 unified social credit code ---------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUES = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_EXCLUDED = {
    "I": "1", "O": "0", "S": "5", "V": "U", "Z": "2",
}  # letters the standard leaves out because they are read as these characters

GB11714_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class RegisteringAuthority:
    zh: str
    en: str
    types: dict[str, tuple[str, str]]  # organisation type code -> (zh, en)


_OTHER = ("其他", "Other")

# GB 32100-2015 appendix: registering authority (position 1) and the organisation types it
# may assign (position 2). A and N were added for military and rural collective bodies.
USCC_AUTHORITIES: dict[str, RegisteringAuthority] = {
    "1": RegisteringAuthority("机构编制", "Institutional staffing (bianzhi) office", {
        "1": ("机关", "Government organ"),
        "2": ("事业单位", "Public institution"),
        "3": ("中央编办直接管理机构编制的群众团体",
              "Mass organisation staffed directly by the central staffing office"),
        "9": _OTHER,
    }),
    "2": RegisteringAuthority("外交", "Foreign affairs", {
        "1": ("外国常驻新闻机构", "Resident office of a foreign news organisation"),
        "9": _OTHER,
    }),
    "3": RegisteringAuthority("司法行政", "Judicial administration", {
        "1": ("律师执业机构", "Law firm"),
        "2": ("公证处", "Notary office"),
        "3": ("基层法律服务所", "Grassroots legal service office"),
        "4": ("司法鉴定机构", "Forensic expertise institution"),
        "5": ("仲裁委员会", "Arbitration commission"),
        "9": _OTHER,
    }),
    "4": RegisteringAuthority("文化", "Culture", {
        "1": ("外国在华文化中心", "Foreign cultural centre in China"),
        "9": _OTHER,
    }),
    "5": RegisteringAuthority("民政", "Civil affairs", {
        "1": ("社会团体", "Social organisation"),
        "2": ("民办非企业单位", "Private non-enterprise unit"),
        "3": ("基金会", "Foundation"),
        "9": _OTHER,
    }),
    "6": RegisteringAuthority("旅游", "Tourism", {
        "1": ("外国旅游部门常驻代表机构", "Resident office of a foreign tourism authority"),
        "2": ("港澳台地区旅游部门常驻内地（大陆）代表机构",
              "Resident mainland office of a Hong Kong, Macao or Taiwan tourism authority"),
        "9": _OTHER,
    }),
    "7": RegisteringAuthority("宗教", "Religious affairs", {
        "1": ("宗教活动场所", "Venue for religious activities"),
        "2": ("宗教院校", "Religious school"),
        "9": _OTHER,
    }),
    "8": RegisteringAuthority("工会", "Trade unions", {
        "1": ("基层工会", "Grassroots trade union"),
        "9": _OTHER,
    }),
    "9": RegisteringAuthority("工商", "Industry and commerce (market regulation)", {
        "1": ("企业", "Enterprise"),
        "2": ("个体工商户", "Individual business"),
        "3": ("农民专业合作社", "Farmers' specialised cooperative"),
    }),
    "A": RegisteringAuthority("中央军委改革和编制办公室",
                              "Reform and Organisation Office of the Central Military Commission", {
        "1": ("军队事业单位", "Military public institution"),
        "9": _OTHER,
    }),
    "N": RegisteringAuthority("农业", "Agriculture and rural affairs", {
        "1": ("组级集体经济组织", "Group-level collective economic organisation"),
        "2": ("村级集体经济组织", "Village-level collective economic organisation"),
        "3": ("乡镇级集体经济组织", "Township-level collective economic organisation"),
        "9": _OTHER,
    }),
    "Y": RegisteringAuthority("其他", "Other", {
        "1": ("其他（不再具体划分机构类别）", "Other (no further classification)"),
    }),
}


def _uscc_value(ch: str) -> int:
    try:
        return USCC_VALUES[ch]
    except KeyError:
        raise ValueError(f"{ch!r} is not in the code's alphabet / 不是统一代码允许的字符") from None


def uscc_check_char(first17: str) -> str:
    """Check character (position 18) of a unified social credit code: C18 = 31 − (Σ mod 31)."""
    if len(first17) != 17:
        raise ValueError("need exactly 17 characters / 需要17个字符")
    total = sum(_uscc_value(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _gb11714_value(ch: str) -> int:
    if _is_digit(ch):
        return ord(ch) - ord("0")
    if _is_upper(ch):
        return ord(ch) - ord("A") + 10
    raise ValueError(f"{ch!r} is not a digit or capital letter / 不是数字或大写字母")


def gb11714_check_char(body8: str) -> str:
    """Check character of a GB 11714 organisation code: C9 = 11 − (Σ mod 11); 10→X, 11→0."""
    if len(body8) != 8:
        raise ValueError("need exactly 8 characters / 需要8个字符")
    total = sum(_gb11714_value(c) * w for c, w in zip(body8, GB11714_WEIGHTS, strict=True))
    remainder = 11 - total % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def make_uscc(authority: str, org_type: str, division_code: str, org_code_body8: str) -> str:
    """Build a valid unified social credit code (for demos and tests)."""
    entry = USCC_AUTHORITIES.get(authority)
    if entry is None or org_type not in entry.types:
        raise ValueError(f"authority/type {authority}{org_type} not in GB 32100 / "
                         "未定义的登记管理部门或机构类别")
    if len(division_code) != 6 or not all(_is_digit(c) for c in division_code):
        raise ValueError("division code must be 6 ASCII digits / 行政区划代码须为6位半角数字")
    if len(org_code_body8) != 8 or any(c not in USCC_VALUES for c in org_code_body8):
        raise ValueError("organisation code body must be 8 characters of the code's alphabet / "
                         "组织机构代码本体须为8位允许字符")
    first17 = authority + org_type + division_code + org_code_body8
    first17 += gb11714_check_char(org_code_body8)
    return first17 + uscc_check_char(first17)


def _uscc_allowed(i: int, ch: str) -> bool:
    return _is_digit(ch) if 2 <= i <= 7 else ch in USCC_VALUES


def _uscc_char_problems(code: str) -> list[Problem]:
    excluded = [i for i, ch in enumerate(code) if ch in USCC_EXCLUDED]
    problems: list[Problem] = []
    if excluded:
        letters = "".join(dict.fromkeys(code[i] for i in excluded))
        looks = ", ".join(f"{c}→{USCC_EXCLUDED[c]}?" for c in letters)
        problems.append(Problem(
            "excluded_letter",
            f"letter(s) '{letters}' at position {_positions(excluded)} are not used in the code "
            f"(GB 32100 leaves out I O S V Z; mistyped {looks})",
            f"第{_positions_zh(excluded)}位的字母“{letters}”不在统一代码中使用"
            f"（不使用 I O S V Z；可能是 {looks}）"))
    rest = "".join("0" if ch in USCC_EXCLUDED else ch for ch in code)
    problems += _char_problems(
        rest, _uscc_allowed,
        "positions 3-8 take digits, the others digits or capitals except I O S V Z",
        "第3至8位应为数字，其余为数字或除 I O S V Z 以外的大写字母")
    return problems


def _uscc_structure(code: str, facts: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    authority = USCC_AUTHORITIES.get(code[0])
    if authority is None:
        problems.append(Problem(
            "authority",
            f"registering authority code '{code[0]}' (position 1) is not defined in GB 32100",
            f"登记管理部门代码“{code[0]}”（第1位）未在 GB 32100 中定义"))
    else:
        facts["registering_authority"] = {"code": code[0], "zh": authority.zh,
                                          "en": authority.en}
        org_type = authority.types.get(code[1])
        if org_type is None:
            problems.append(Problem(
                "organisation_type",
                f"organisation type '{code[1]}' (position 2) is not defined for registering "
                f"authority {code[0]} ({authority.en})",
                f"机构类别代码“{code[1]}”（第2位）未为登记管理部门 {code[0]}"
                f"（{authority.zh}）定义"))
        else:
            facts["organisation_type"] = {"code": code[1], "zh": org_type[0], "en": org_type[1]}

    division = code[2:8]
    if division == NATIONAL_DIVISION_CODE:
        facts.update(division_code=division, division_name="全国（中央）",
                     division_full_name="全国（中央）", division_known=True, province=None)
    else:
        facts.update(_division_facts(division))
        if division[:2] not in divisions.province_codes():
            problems.append(_province_problem(division, "division code", "登记管理机关行政区划码"))
    return problems


def _gb11714_warning(code: str, facts: dict[str, Any]) -> None:
    org = code[8:17]
    facts["organisation_code"] = org
    facts["organisation_code_display"] = f"{org[:8]}-{org[8]}"
    expected = gb11714_check_char(org[:8])
    if org[8] != expected:
        # Real registers hold codes that fail this check; callers import them but must see it.
        facts.setdefault("warnings", []).append(_warning(
            "gb11714_check_char",
            f"organisation code {org[:8]}-{org[8]} fails its GB 11714 check: check character "
            f"should be {expected}, got {org[8]}",
            f"组织机构代码 {org[:8]}-{org[8]} 未通过 GB 11714 校验：校验码应为 {expected}，"
            f"实际为 {org[8]}"))


def check_uscc(value: str) -> IdentifierCheck:
    """Explain a unified social credit code (GB 32100-2015).

    A wrong GB 11714 check character (position 17) is a warning in facts["warnings"], since
    real registers contain such codes; a wrong position-18 check character is an error.
    Lowercase letters are accepted and normalised to capitals.
    """
    text = value.strip()
    code = "".join(ch.upper() if "a" <= ch <= "z" else ch for ch in text)
    facts: dict[str, Any] = {}
    problems: list[Problem] = []
    if len(code) != 18:
        problems.append(Problem("length", f"must be 18 characters, got {len(code)}",
                                f"长度应为18位，实际为{len(code)}位"))
    problems += _uscc_char_problems(code)
    if problems:
        return _finish(value, "uscc", code, problems, facts)

    problems += _uscc_structure(code, facts)
    _gb11714_warning(code, facts)
    expected = uscc_check_char(code[:17])
    facts["check_char"] = expected
    if code[17] != expected:
        problems.append(Problem(
            "check_char", f"check character should be {expected}, got {code[17]}",
            f"校验码应为 {expected}，实际为 {code[17]}"))
    return _finish(value, "uscc", code, problems, facts)


# --- GB/T 2260 administrative division code -----------------------------------------------


def check_division_code(value: str) -> IdentifierCheck:
    """Explain a 6-digit administrative division code (GB/T 2260).

    An unknown code with a real province prefix is valid (it may be retired); the answer
    says so in facts["division_known"].
    """
    code = value.strip()
    facts: dict[str, Any] = {}
    problems: list[Problem] = []
    if len(code) != 6:
        problems.append(Problem("length", f"must be 6 digits, got {len(code)} characters",
                                f"应为6位数字，实际为{len(code)}位"))
    problems += _char_problems(code, lambda _i, ch: _is_digit(ch), "expected digits 0-9",
                               "应为数字0-9")
    if problems:
        return _finish(value, "division", code, problems, facts)

    facts["level"] = divisions.level_of(code)
    facts.update(_division_facts(code))
    ref = divisions.lookup_division(code)
    facts["parent_code"] = ref.parent_code if ref else None
    if code[:2] not in divisions.province_codes():
        problems.append(_province_problem(code, "division code", "行政区划代码"))
    elif not facts["division_known"]:
        facts.setdefault("warnings", []).append(_warning(
            "division_unknown",
            f"{code} is not in the reference divisions ({divisions.SOURCE.get('published')}); "
            "it may be retired or new",
            f"{code} 不在参考行政区划表中（{divisions.SOURCE.get('published')}），"
            "可能已撤销或为新设"))
    return _finish(value, "division", code, problems, facts)


# --- dispatch ------------------------------------------------------------------------------


def detect_kind(value: str) -> str:
    """Guess which identifier a value is from its shape: "citizen", "uscc" or "division".

    Shape is judged on the NFKC form so that a full-width number is still recognised (and then
    told it is full-width). An 18-character all-digit value could be either kind: the one that
    validates wins; when neither does, the one whose layout fits better is explained, so that
    a citizen number with a wrong date is not reported as a malformed credit code.
    """
    shape = unicodedata.normalize("NFKC", value).strip().upper()
    if len(shape) == 6:
        return "division"
    if len(shape) == 15:
        return "citizen"
    if len(shape) == 18 and all(_is_digit(c) for c in shape[:17]):
        if check_citizen_id(shape).ok:
            return "citizen"
        if check_uscc(shape).ok:
            return "uscc"
        return "citizen" if _citizen_layout_score(shape) >= _uscc_layout_score(shape) else "uscc"
    if len(shape) == 18:
        return "uscc"
    return "citizen" if shape[:17].isdigit() else "uscc"


def _citizen_layout_score(shape: str) -> int:
    provinces = divisions.province_codes()
    return (
        (shape[:2] in provinces or shape[:6] in RESIDENCE_PERMIT_CODES)
        + (EARLIEST_BIRTH_YEAR <= int(shape[6:10]) <= date.today().year)
        + ("01" <= shape[10:12] <= "12")
        + (shape[17] in "0123456789X")
    )


def _uscc_layout_score(shape: str) -> int:
    authority = USCC_AUTHORITIES.get(shape[0])
    return (
        (authority is not None and shape[1] in authority.types)
        + (shape[2:4] in divisions.province_codes() or shape[2:8] == NATIONAL_DIVISION_CODE)
        + (shape[17] in USCC_VALUES and shape[17] not in "0123456789X")
    )


def check_identifier(value: str, kind: str = "auto") -> IdentifierCheck:
    """Check `value` as `kind` (citizen, uscc, division) or, with "auto", as its shape suggests."""
    if kind == "auto":
        kind = detect_kind(value)
    checks: dict[str, Callable[[str], IdentifierCheck]] = {
        "citizen": check_citizen_id, "uscc": check_uscc, "division": check_division_code,
    }
    if kind not in checks:
        raise ValueError(f"unknown kind {kind!r}; expected auto or one of {', '.join(KINDS)}")
    return checks[kind](value)
