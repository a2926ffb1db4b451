"""The vectorised identifier checks agree with the scalar validators, value by value, and the
fast verdict never clears a value the detailed checks would fail."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from govshare.quality.rules import (
    Plan,
    citizen_check_value,
    citizen_fast_ok,
    digit_interval,
    fast_ok,
    fast_pattern_ok,
    identifier_invalid,
    item_checks,
    ymd_key,
)
from govshare.quality.schema import FieldSpec
from govshare.standards.identifiers import (
    CITIZEN_WEIGHTS,
    EARLIEST_BIRTH_YEAR,
    check_citizen_id,
    check_division_code,
    check_uscc,
    make_citizen_id,
    make_uscc,
)

TODAY = date.today()
DIGITS = "0123456789"
ID_CHARS = DIGITS + "Xx １２ Ａ+-_aAbc"
USCC_CHARS = DIGITS + "ABCDEFGHJKLMNPQRTUWXYIOSVZa ０"

divisions = st.sampled_from(["110105", "330102", "440524", "810000", "990101", "000000", "330199"])


@st.composite
def citizen_numbers(draw: st.DrawFn) -> str:
    """Valid numbers, then some mutated: a digit, the check char, length, odd characters."""
    born = draw(st.dates(min_value=date(1790, 1, 1), max_value=date(2030, 12, 31)))
    value = make_citizen_id(draw(divisions), born, draw(st.integers(0, 999)))
    mutation = draw(st.sampled_from(["none", "digit", "check", "cut", "char", "legacy", "lower", "space"]))
    i = draw(st.integers(0, 17))
    if mutation == "digit":
        value = value[:i] + draw(st.sampled_from(DIGITS)) + value[i + 1:]
    elif mutation == "check":
        value = value[:17] + draw(st.sampled_from(DIGITS + "X"))
    elif mutation == "cut":
        value = value[:draw(st.integers(0, 19))]
    elif mutation == "char":
        value = value[:i] + draw(st.sampled_from(ID_CHARS)) + value[i + 1:]
    elif mutation == "legacy":
        value = value[:6] + value[8:17]
    elif mutation == "lower":
        value = value.lower()
    elif mutation == "space":
        value = f" {value} "
    return value


def _vectorised(values: list[str], validator: str) -> list[bool]:
    return identifier_invalid(pl.Series("v", values), validator, TODAY).to_list()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(citizen_numbers(), min_size=1, max_size=40))
def test_citizen_ids_agree_with_the_scalar_validator(values: list[str]) -> None:
    expected = [not check_citizen_id(v, today=TODAY).ok for v in values]
    assert _vectorised(values, "gb11643") == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=ID_CHARS, min_size=0, max_size=19), min_size=1, max_size=30))
def test_arbitrary_text_agrees_as_citizen_id(values: list[str]) -> None:
    assert _vectorised(values, "gb11643") == [not check_citizen_id(v, today=TODAY).ok for v in values]


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    authority = draw(st.sampled_from(["1", "5", "9", "Y", "A", "N"]))
    org_type = draw(st.sampled_from(["1", "2", "3", "9"]))
    body = draw(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8))
    try:
        value = make_uscc(authority, org_type, draw(divisions), body)
    except ValueError:
        value = authority + org_type + draw(divisions) + body + "00"
    i = draw(st.integers(0, 17))
    mutation = draw(st.sampled_from(["none", "char", "cut", "lower", "check"]))
    if mutation == "char":
        value = value[:i] + draw(st.sampled_from(USCC_CHARS)) + value[i + 1:]
    elif mutation == "cut":
        value = value[:draw(st.integers(0, 19))]
    elif mutation == "lower":
        value = value.lower()
    elif mutation == "check":
        value = value[:17] + draw(st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXY"))
    return value


@settings(max_examples=300, deadline=None)
@given(st.lists(credit_codes(), min_size=1, max_size=40))
def test_credit_codes_agree_with_the_scalar_validator(values: list[str]) -> None:
    assert _vectorised(values, "gb32100") == [not check_uscc(v).ok for v in values]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(divisions, st.text(alphabet=DIGITS + "３ a", max_size=7)), min_size=1, max_size=30))
def test_division_codes_agree_with_the_scalar_validator(values: list[str]) -> None:
    assert _vectorised(values, "gb2260") == [not check_division_code(v).ok for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(citizen_numbers(), min_size=1, max_size=40))
def test_fast_verdict_never_clears_an_invalid_number(values: list[str]) -> None:
    plan = Plan()
    ok = citizen_fast_ok("v", TODAY, plan)
    cleared = plan.apply(pl.DataFrame({"v": values})).select(ok.alias("ok"))["ok"].to_list()
    for value, fast in zip(values, cleared, strict=True):
        if fast:
            assert check_citizen_id(value, today=TODAY).ok, value


def _fast_cleared(values: list[str]) -> list[bool]:
    plan = Plan()
    ok = citizen_fast_ok("v", TODAY, plan)
    return plan.apply(pl.DataFrame({"v": values}, schema={"v": pl.String})).select(ok.alias("ok"))["ok"].to_list()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=ID_CHARS, min_size=16, max_size=19), min_size=1, max_size=30))
def test_fast_verdict_never_clears_odd_text(values: list[str]) -> None:
    """Signs, spaces, letters and full-width digits never pass the parse-based shape test."""
    for value, fast in zip(values, _fast_cleared(values), strict=True):
        if fast:
            assert check_citizen_id(value, today=TODAY).ok, value


@settings(max_examples=200, deadline=None)
@given(st.lists(citizen_numbers(), min_size=1, max_size=40))
def test_fast_verdict_clears_every_valid_modern_number(values: list[str]) -> None:
    """The fast path is only worth having if it clears the good numbers (upper-case X)."""
    for value, fast in zip(values, _fast_cleared(values), strict=True):
        result = check_citizen_id(value, today=TODAY)
        if result.ok and len(value) == 18 and value == value.strip() and "x" not in value:
            assert fast, value


def test_the_check_value_reads_the_weights_as_powers_of_two() -> None:
    """citizen_check_value relies on weight i being 2^(17-i) mod 11 (13 ≡ 2 mod 11)."""
    assert list(CITIZEN_WEIGHTS) == [pow(2, 17 - i, 11) for i in range(17)]
    first17 = ["11010519491231002", "44052418800101001", "99999999999999999", "00000000000000000",
               "81000020000101000"]  # the last overflows if doubled before reducing
    got = (
        pl.DataFrame({"v": first17}).select(citizen_check_value(pl.col("v")).alias("v"))["v"].to_list())
    weighted = [sum(int(d) * w for d, w in zip(v, CITIZEN_WEIGHTS, strict=True)) for v in first17]
    assert got == [(12 - t % 11) % 11 for t in weighted]


def test_the_standards_examples() -> None:
    good = ["11010519491231002X", "440524188001010014"]
    assert _vectorised(good + ["11010519491231002x", "110105194912310021"], "gb11643") == [False, False, False, True]
    assert _vectorised(["91350100M000100Y43", "91350100M000100Y44"], "gb32100") == [False, True]


DATE_CHARS = DIGITS + " +-１０"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.dates(min_value=date(1, 1, 1)).map(lambda d: f"{d.year:04d}{d.month:02d}{d.day:02d}"),
                          st.text(alphabet=DATE_CHARS, min_size=6, max_size=10)), min_size=1, max_size=40))
@example(["00 011", "20000201"])  # the parse reads year 0; months times 100 outgrow an 8-bit integer
def test_the_integer_date_reading_agrees_with_the_date_parse(values: list[str]) -> None:
    """ymd_key clears only text the date parse reads as the same date, and clears every real
    YYYYMMDD date of the years it covers."""
    # The parsed day as numbers: the parse can give year 0 (from "00 011"), which a Python date
    # cannot hold.
    day = pl.col("v").str.to_date("%Y%m%d", strict=False)
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String}).select(
        ymd_key(pl.col("v")).alias("key"), day.dt.year().alias("year"),
        (day.dt.year().cast(pl.Int64) * 10_000 + day.dt.month().cast(pl.Int64) * 100
         + day.dt.day().cast(pl.Int64)).alias("ymd"))
    for value, key, year, ymd in zip(values, frame["key"], frame["year"], frame["ymd"], strict=True):
        if key is not None:
            assert ymd is not None and key == ymd, value
        elif len(value) == 8 and value.isascii() and value.isdigit() and year is not None:
            assert not EARLIEST_BIRTH_YEAR <= year <= 2199, value


@pytest.mark.parametrize(("pattern", "interval"), [
    ("^1[3-9][0-9]{9}$", (11, 13_000_000_000, 19_999_999_999)), ("^[1-9][0-9]{5}$", (6, 100_000, 999_999)),
    ("^12$", (2, 12, 12)), ("^[0-9]{6}$", None), ("^1[0-9][3-9]$", None), ("^[0-9A-Z]{18}$", None),
    ("1[3-9][0-9]{9}", None), ("^[1-9][0-9]{18}$", None)])
def test_digit_patterns_read_as_integer_intervals(pattern: str, interval: tuple[int, int, int] | None) -> None:
    assert digit_interval(pattern) == interval


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=DIGITS + " +-１.e", min_size=9, max_size=13), min_size=1, max_size=40))
def test_the_fast_pattern_test_never_clears_what_the_pattern_refuses(values: list[str]) -> None:
    pattern = "^1[3-9][0-9]{9}$"
    cleared = pl.DataFrame({"v": values}).select(fast_pattern_ok(pl.col("v"), pattern).alias("ok"))["ok"]
    for value, ok in zip(values, cleared, strict=True):
        assert bool(ok) == bool(re.fullmatch("1[3-9][0-9]{9}", value)), value


def _any_item_fails(spec: FieldSpec, values: list[str]) -> tuple[list[bool], list[bool]]:
    """(fast verdict, any detailed check failing) of each value of one item."""
    fast, detail = Plan(), Plan()
    ok = fast_ok(spec, TODAY, fast)
    checks = item_checks(spec, TODAY, detail)
    assert ok is not None and checks
    frame = pl.DataFrame({spec.name: values}, schema={spec.name: pl.String})
    cleared = fast.apply(frame).select(ok.fill_null(False).alias("ok"))["ok"].to_list()
    failed = detail.apply(frame).select(pl.any_horizontal([c.fail for c in checks]).alias("f"))["f"].to_list()
    return cleared, failed


ITEMS = [
    FieldSpec("id", validator="gb11643"), FieldSpec("id17", validator="gb11643", max_length=17),
    FieldSpec("division", validator="gb2260"), FieldSpec("division1", validator="gb2260", pattern="^1[0-9]+$"),
    FieldSpec("born", type="date", date_format="%Y%m%d"), FieldSpec("day", type="date"),
    FieldSpec("at", type="datetime"), FieldSpec("mobile", pattern="^1[3-9][0-9]{9}$"),
    FieldSpec("code", pattern="^[A-Z]{2}[0-9]+$", max_length=6, min_length=3),
    FieldSpec("gender", enum=["0", "1", "2", "9"]), FieldSpec("count", type="integer", minimum=0, maximum=500),
    FieldSpec("amount", type="number", minimum=-1.5), FieldSpec("name", max_length=4),
]
ITEM_CHARS = DIGITS + "Xx-:T .+e１ＡAZ张"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ITEMS), st.lists(st.one_of(
    citizen_numbers(), divisions, st.dates(min_value=date(1700, 1, 1)).map(lambda d: d.strftime("%Y%m%d")),
    st.dates().map(str), st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S")),
    st.text(alphabet=ITEM_CHARS, max_size=20), st.sampled_from(["0", "1", "2", "9", "13912345678", "AB12"])),
    min_size=1, max_size=30))
def test_the_fast_verdict_never_clears_what_a_detailed_check_fails(spec: FieldSpec, values: list[str]) -> None:
    """The engine's premise: a value its fast verdict clears passes every detailed check of its
    item, so the detailed checks may skip it (and do, even on a row another item made suspicious)."""
    for value, cleared, failed in zip(values, *_any_item_fails(spec, values), strict=True):
        assert not (cleared and failed), (spec.name, value)


def test_an_id_items_own_rules_join_its_validators_fast_verdict() -> None:
    """A valid ID number is not cleared by the fast verdict when the item adds a rule it breaks."""
    good = make_citizen_id("330102", date(1980, 5, 17), 31)
    cleared, failed = _any_item_fails(FieldSpec("id17", validator="gb11643", max_length=17), [good])
    assert (cleared, failed) == ([False], [True])
    assert _any_item_fails(FieldSpec("id", validator="gb11643"), [good]) == ([True], [False])
