"""The quality engine: check a file against a ResourceSchema, batch by batch.

Memory stays bounded by the batch size: each batch of rows is checked with polars
expressions (rules.py) and only counts, a few sample rows and two 64-bit hashes per row
(for keys and whole-row duplicates) are kept between batches.

    report = check_file("persons.csv", schema, CheckOptions())

    checker = Checker(source, schema, options)  # the same engine, for a caller that reads
    for batch in source.batches(checker.date_formats):  # the file anyway (the exchange loader)
        checker.feed(batch)
    report = checker.finish()

Duplicates are found from the hashes after the last batch (duplicates.py); two different
values sharing a 64-bit hash (odds about 1 in 10^8 for ten million rows) would be reported
as duplicates.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from govshare.core.masking import mask_citizen_id, mask_mobile, mask_name
from govshare.quality.duplicates import Duplicates
from govshare.quality.readers import ROW_INDEX, Issue, Source, read_ahead
from govshare.quality.report import (
    DuplicateResult,
    QualityReport,
    RuleResult,
    Sample,
    dimension_scores,
    overall_score,
)
from govshare.quality.rules import Check, CheckSet, build_checks, parsed_date
from govshare.quality.schema import UPDATE_CYCLE_DAYS, FieldSpec, ResourceSchema, normalise_cycle

Progress = Callable[[int, int], None]  # (rows done, rows expected: an estimate, 0 if unknown)


@dataclass
class CheckOptions:
    encoding: str | None = None  # override the detected encoding of a CSV file
    format: str | None = None  # override the format guessed from the extension
    name: str | None = None  # the file name to report (uploads arrive as temporary files)
    batch_rows: int = 250_000
    samples_per_rule: int = 20
    today: date | None = None
    as_of: datetime | None = None  # "now" for timeliness
    data_as_of: datetime | None = None  # when the data was extracted, if the file has no timestamp item
    references: dict[str, frozenset[str]] | None = None  # foreign-key targets: resource → values
    mask: bool = True
    progress: Progress | None = None
    keep_rows: bool = False  # keep every failing row number (report.failing_rows), for tests and bench


@dataclass
class _State:
    counts: dict[str, int] = field(default_factory=dict)
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    nulls: dict[str, int] = field(default_factory=dict)
    duplicates: Duplicates | None = None
    failing_rows: dict[str, list[pl.Series]] = field(default_factory=dict)
    suspicious: list[pl.DataFrame] = field(default_factory=list)  # rows waiting for the detail checks
    rows: int = 0
    blank: int = 0
    latest: Any = None


def check_file(path: str | Path, schema: ResourceSchema, options: CheckOptions | None = None) -> QualityReport:
    """Check one file against `schema`; never raises for bad data, only for unreadable files."""
    options = options or CheckOptions()
    started = time.perf_counter()
    with Source(path, name=options.name, format=options.format, encoding=options.encoding,
                batch_rows=options.batch_rows) as source:
        checker = Checker(source, schema, options, started)
        for batch in read_ahead(source.batches(checker.date_formats)):
            checker.feed(batch)
        return checker.finish()


class Checker:
    """The engine fed batch by batch, for a caller that reads the file anyway (the exchange
    loader writes the same batches to the database): open it on a Source, `feed` it the source's
    batches in file order, then `finish` into the report `check_file` gives for the same file.

    Any batch size gives the same report: counts and nulls add up, samples keep the first rows,
    and duplicate keys are found after the last batch from the hashes kept across batches."""

    def __init__(self, source: Source, schema: ResourceSchema, options: CheckOptions | None = None,
                 started: float | None = None) -> None:
        schema.validate()
        self.source, self.schema = source, schema
        self.options = options or CheckOptions()
        self._started = started if started is not None else time.perf_counter()
        self.date_formats = {f.name: f.date_format for f in schema.fields if f.date_format}
        self.report = _new_report(source, schema, self.options)
        self._state = _State()
        self._estimate = 0
        if source.empty:
            self.report.issues.append(_issue(Issue(
                "empty_file", "error", f"{source.name} is empty: no header, no rows",
                f"{source.name} 是空文件：没有表头，也没有数据")))
            return
        self._mapping = _header_report(source, schema, self.report)
        self.present = list(self._mapping.values())
        self._state.duplicates = Duplicates(schema.key_sets(), self.present)
        self._checks = build_checks(schema, self.present, self.options.today or date.today(),
                                    self.options.references, excel=source.info.format == "xlsx")
        self.report.skipped_rules = [{"rule": r.kind, "items": r.fields,
                                      "reason": "items or reference data not available"}
                                     for r in self._checks.skipped]

    def feed(self, batch: pl.DataFrame) -> None:
        """Checks one batch as the source gave it (all text, with its ROW_INDEX)."""
        batch = _prepare(batch, self._mapping, self.schema, self.source.info.format)
        _check_batch(batch, self._checks, self.schema, self.present, self._state, self.options)
        if self.options.progress:
            self._estimate = self._estimate or _estimate_rows(self.source, batch.height)
            self.options.progress(self._state.rows, max(self._estimate, self._state.rows))

    def finish(self) -> QualityReport:
        """The report, after the last batch: file-wide issues, duplicates, scores."""
        if not self.source.empty:
            _flush_suspicious(self._checks, self.schema, self.present, self._state, self.options)
            self._file_issues()
            _finish(self.report, self.schema, self._checks, self.present, self._state, self.options)
        self.report.seconds = time.perf_counter() - self._started
        return self.report

    def _file_issues(self) -> None:
        source, report = self.source, self.report
        ragged_count, ragged = source.ragged_rows()
        if ragged_count:
            expected = len(source.info.columns)
            shown = ", ".join(f"row {r} ({n} fields)" for r, n in ragged[:10])
            shown_zh = "、".join(f"第 {r} 行（{n} 个字段）" for r, n in ragged[:10])
            report.issues.append(_issue(Issue(
                "ragged_rows", "error", f"{ragged_count} row(s) do not have the header's {expected} fields: {shown}",
                f"{ragged_count} 行的字段数与表头的 {expected} 个不同：{shown_zh}", rows=[r for r, _ in ragged],
                count=ragged_count)))
        if self._state.rows == 0:
            report.issues.append(_issue(Issue("no_data", "error", f"{source.name} has a header but no data rows",
                                              f"{source.name} 只有表头，没有数据行")))


def _new_report(source: Source, schema: ResourceSchema, options: CheckOptions) -> QualityReport:
    report = QualityReport(
        file={"name": source.name, "format": source.info.format, "size": source.info.size,
              "encoding": source.info.encoding, "columns": source.info.columns},
        schema={"name": schema.name, "resource_code": schema.resource_code,
                "items": [f.name for f in schema.fields]},
        checked_at=datetime.now(UTC), masked=options.mask)
    report.issues = [_issue(i) for i in source.info.issues]
    return report


def _issue(issue: Issue) -> dict[str, Any]:
    return {"code": issue.code, "severity": issue.severity, "message": issue.message,
            "message_zh": issue.message_zh, "rows": issue.rows, "count": issue.count}


def _match_header(columns: list[str], schema: ResourceSchema) -> tuple[dict[str, str], list[str]]:
    """Header column → item name (by item name or by title), and the unknown columns."""
    by_title = {f.title: f.name for f in schema.fields if f.title}
    mapping, unknown = {}, []
    for column in columns:
        if schema.field(column) is not None:
            mapping[column] = column
        elif column in by_title and by_title[column] not in mapping.values():
            mapping[column] = by_title[column]
        else:
            unknown.append(column)
    return mapping, unknown


def _header_report(source: Source, schema: ResourceSchema, report: QualityReport) -> dict[str, str]:
    mapping, unknown = _match_header(source.info.columns, schema)
    present = set(mapping.values())
    missing_required = [f.label() for f in schema.fields if f.required and f.name not in present]
    missing_optional = [f.label() for f in schema.fields if not f.required and f.name not in present]
    if missing_required:
        report.issues.append(_issue(Issue(
            "missing_required_item", "error",
            f"the header lacks required item(s): {', '.join(missing_required)}",
            f"表头缺少必填信息项：{'、'.join(missing_required)}", count=len(missing_required))))
    if missing_optional:
        report.issues.append(_issue(Issue(
            "missing_item", "warning", f"the header lacks item(s): {', '.join(missing_optional)}",
            f"表头缺少信息项：{'、'.join(missing_optional)}")))
    if unknown:
        report.issues.append(_issue(Issue(
            "unknown_item", "warning",
            f"column(s) not in the schema, not checked: {', '.join(unknown)}",
            f"以下列不在模式中，未检查：{'、'.join(unknown)}")))
    return mapping


def _estimate_rows(source: Source, first_batch: int) -> int:
    if source.info.format != "csv" or first_batch < source.batch_rows:
        return first_batch
    return int(source.info.size / 60)  # refined as batches arrive; a progress bar only


def _prepare(batch: pl.DataFrame, mapping: dict[str, str], schema: ResourceSchema, fmt: str) -> pl.DataFrame:
    batch = batch.select(ROW_INDEX, *(pl.col(column).alias(item) for column, item in mapping.items()))
    if fmt == "xlsx":
        batch = batch.with_columns(_excel_date(pl.col(f.name), f).alias(f.name) for f in schema.fields
                                   if f.name in batch.columns and f.type in ("date", "datetime"))
    return batch


def _excel_date(v: pl.Expr, spec: FieldSpec) -> pl.Expr:
    """A cell Excel stored as a real date arrives as 'YYYY-MM-DD 00:00:00': that is a valid
    date, so it is rewritten in the item's format before checking."""
    from govshare.quality.rules import date_format

    real = v.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$")
    as_date = v.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False).dt.strftime(date_format(spec))
    return pl.when(real).then(as_date).otherwise(v)


SUSPICIOUS = "__suspicious__"


def _fail_names(checks: list[Check], kind: str) -> list[str]:
    """Names for the checks' verdict columns, apart from the file's items and plan columns."""
    return [f"__{kind}:{i}" for i in range(len(checks))]


def _verdicts(checks: list[Check], names: list[str]) -> list[pl.Expr]:
    """One boolean column per check, True where a row fails it."""
    return [check.fail.alias(name) for check, name in zip(checks, names, strict=True)]


def _check_batch(batch: pl.DataFrame, checks: CheckSet, schema: ResourceSchema,
                 present: list[str], state: _State, options: CheckOptions) -> None:
    # A column without nulls (its count is kept with the column) means no blank row to look for.
    may_be_blank = bool(present) and all(batch[c].null_count() for c in present)
    blank = pl.all_horizontal(pl.col(c).is_null() for c in present) if present else pl.lit(False)
    blank_count = batch.select(blank.sum()).item() if may_be_blank else 0
    if blank_count:
        state.blank += blank_count
        batch = batch.filter(~blank)
    state.rows += batch.height
    if batch.height == 0:
        return
    # The verdicts join the fast plan's query, and one pass adds up them and the nulls.
    names = _fail_names(checks.row_checks, "row")
    suspicious = pl.any_horizontal(checks.suspicious).fill_null(False) if checks.suspicious else pl.lit(False)
    full = checks.fast.apply(batch, then=[*_verdicts(checks.row_checks, names), suspicious.alias(SUSPICIOUS)])
    totals = full.select(*(pl.col(n).sum() for n in names), pl.col(SUSPICIOUS).sum(),
                         *(pl.col(c).null_count().alias(f"__nulls:{c}") for c in present)).row(0)
    _count(full, checks.row_checks, names, totals[:len(names)], schema, state, options)
    if totals[len(names)] and (checks.detail_checks or checks.remainders):
        kept = [ROW_INDEX, *present, *_suspicious_reads(checks, present)]
        state.suspicious.append(full.filter(pl.col(SUSPICIOUS)).select(kept))
        if sum(rows.height for rows in state.suspicious) >= SUSPICIOUS_ROWS:
            _flush_suspicious(checks, schema, present, state, options)
    for name, nulls in zip(present, totals[len(names) + 1:], strict=True):
        state.nulls[name] = state.nulls.get(name, 0) + int(nulls)
    assert state.duplicates is not None
    state.duplicates.add(batch)
    stamp = schema.field(schema.timestamp_field or "")
    if stamp is not None and stamp.name in present and stamp.type in ("date", "datetime"):
        latest = batch.select(parsed_date(pl.col(stamp.name), stamp).max()).item()
        if latest is not None and (state.latest is None or latest > state.latest):
            state.latest = latest


SUSPICIOUS_ROWS = 65_536  # suspicious rows gathered before their detail checks run


def _suspicious_reads(checks: CheckSet, present: list[str]) -> list[str]:
    """The fast plan's columns that the remainders and the cleared verdicts read: all that is
    kept of a suspicious row besides its number and values."""
    roots = {name for expr in [*(c.fail for c in checks.remainders), *checks.cleared.values()]
             for name in expr.meta.root_names()}
    return sorted(roots - {ROW_INDEX, *present})


def _flush_suspicious(checks: CheckSet, schema: ResourceSchema, present: list[str], state: _State,
                      options: CheckOptions) -> None:
    """The suspicious rows gathered so far (at most about SUSPICIOUS_ROWS, their values and a
    few plan columns, so memory stays bounded), checked in detail at once: the
    detail query's fixed cost, about 2 ms of planning and small work whatever the rows, is
    paid once for them rather than once per batch, and few rows are suspicious in most files."""
    if not state.suspicious:
        return
    rows = pl.concat(state.suspicious)
    state.suspicious = []
    _check_suspicious(rows, [ROW_INDEX, *present], checks, schema, state, options)


def _check_suspicious(rows: pl.DataFrame, columns: list[str], checks: CheckSet, schema: ResourceSchema,
                      state: _State, options: CheckOptions) -> None:
    """The detail checks (on the file's own columns) and the cross-item rules' remainders (on
    the fast columns too) for the rows the fast verdicts did not clear, in one query: the
    remainders' verdicts first, then the fast columns give way to the detail plan's.

    A row is here when any of its items is suspicious; its other items' values, which their
    fast verdicts cleared and the detail checks would pass (tests/quality/test_rules_agree.py),
    are blanked for the detail checks, so that each item's costly checks (regular expressions,
    date parsing) only read the values that need them. Samples show the values as they are."""
    remainders = _fail_names(checks.remainders, "remainder")
    details = _fail_names(checks.detail_checks, "detail")
    unclear = [pl.when(~checks.cleared[c]).then(pl.col(c)).alias(c) if c in checks.cleared else pl.col(c)
               for c in columns]
    lazy = rows.lazy().with_columns(_verdicts(checks.remainders, remainders)).select(*unclear, *remainders)
    frame = checks.detail.extend(lazy).with_columns(_verdicts(checks.detail_checks, details)).collect()
    totals = frame.select(pl.col(n).sum() for n in [*details, *remainders]).row(0)
    _count(frame, checks.detail_checks, details, totals[:len(details)], schema, state, options, values=rows)
    _count(frame, checks.remainders, remainders, totals[len(details):], schema, state, options, values=rows)


def _count(frame: pl.DataFrame, checks: list[Check], names: list[str], totals: tuple[Any, ...],
           schema: ResourceSchema, state: _State, options: CheckOptions, values: pl.DataFrame | None = None) -> None:
    """Adds up each check's failures (`totals`, in the checks' order), keeps their rows
    and samples; the checks' verdicts are the columns `names` of `frame`, the rows' numbers
    and values those of `values` (the same rows in the same order; `frame` itself if None)."""
    values = frame if values is None else values
    for check, name, count in zip(checks, names, totals, strict=True):
        if not count:
            continue
        state.counts[check.id] = state.counts.get(check.id, 0) + int(count)
        flag = frame[name]
        if options.keep_rows:
            state.failing_rows.setdefault(check.id, []).append(values[ROW_INDEX].filter(flag))
        _collect_samples(values, flag, check, schema, state, options)


def _collect_samples(batch: pl.DataFrame, flag: pl.Series, check: Check, schema: ResourceSchema,
                     state: _State, options: CheckOptions) -> None:
    """Keeps the rule's first rows in file order: a rule's failures can arrive out of order
    (a cross-item rule's remainder comes after its fast form in each batch)."""
    kept, limit = state.samples.setdefault(check.id, []), options.samples_per_rule
    if len(kept) >= limit and kept[-1].row < batch[ROW_INDEX][0]:
        return  # the rule's samples were all taken before this batch's first row
    index = flag.arg_true().head(limit)
    rows = batch[ROW_INDEX].gather(index).to_list()
    if not rows or (len(kept) >= limit and kept[-1].row < rows[0]):
        return
    values = batch.select(check.columns).gather(index).rows()
    for row, vals in zip(rows, values, strict=True):
        en, zh = _explain(check, vals)
        shown = "; ".join(_mask(v, schema.field(c), options.mask) for c, v in zip(check.columns, vals, strict=True))
        kept.append(Sample(row=row, item=check.item, rule=check.rule, value=shown if any(
            v is not None for v in vals) else None, expected_en=en, expected_zh=zh))
    kept.sort(key=lambda sample: sample.row)
    del kept[limit:]


def _explain(check: Check, values: tuple[Any, ...]) -> tuple[str, str]:
    """The rule's expectation, plus the exact reason for this value where one can be given."""
    en, zh = check.expected_en, check.expected_zh
    value = values[0]
    if check.validator and value is not None:
        from govshare.standards.identifiers import check_identifier

        kind = {"gb11643": "citizen", "gb32100": "uscc", "gb2260": "division"}[check.validator]
        result = check_identifier(str(value), kind)
        if result.problems:
            return f"{en} — {result.reason}", f"{zh}——{result.reason_zh}"
    if check.rule == "excel_serial_date" and value is not None:
        from datetime import timedelta

        from govshare.quality.rules import EXCEL_EPOCH

        try:
            shown = (EXCEL_EPOCH + timedelta(days=int(float(value)))).isoformat()
        except (ValueError, OverflowError):
            return en, zh
        return f"{en} — Excel day {value} is {shown}", f"{zh}——Excel 序号 {value} 即 {shown}"
    return en, zh


def _mask(value: Any, spec: FieldSpec | None, mask: bool) -> str:
    if value is None:
        return ""
    text = str(value)
    if not mask or spec is None or not spec.personal:
        return text
    maskers = {"citizen_id": mask_citizen_id, "name": mask_name, "mobile": mask_mobile,
               "address": lambda s: s[:6] + "*" * max(0, len(s) - 6)}
    return maskers.get(spec.personal, lambda s: s[:1] + "*" * (len(s) - 1))(text)


def _duplicate_samples(result: DuplicateResult, limit: int) -> list[Sample]:
    item = "+".join(result.key) or "*"
    rule = "unique_key" if result.key else "duplicate_row"
    what = f"unique values of {item}" if result.key else "no two identical rows"
    what_zh = f"{item} 的值不重复" if result.key else "不得有完全相同的行"
    samples = []
    for rows in result.examples:
        for row in rows[1:]:
            samples.append(Sample(row=row, item=item, rule=rule, value=f"= row {rows[0]}",
                                  expected_en=f"{what}: same as row {rows[0]}",
                                  expected_zh=f"{what_zh}：与第 {rows[0]} 行相同"))
    return samples[:limit]


def _timeliness(schema: ResourceSchema, state: _State, options: CheckOptions) -> dict[str, Any] | None:
    cycle = normalise_cycle(schema.update_cycle)
    allowed = UPDATE_CYCLE_DAYS.get(cycle or "") if cycle else None
    if allowed is None:
        return None
    now = options.as_of or datetime.now(UTC)
    latest, source = state.latest, "item"
    if latest is None and options.data_as_of is not None:
        latest, source = options.data_as_of, "data_as_of"
    if latest is None:
        return {"cycle": cycle, "allowed_days": allowed, "ok": True, "score": None,
                "note": "no timestamp item and no extraction date: not evaluated"}
    latest_date = latest.date() if isinstance(latest, datetime) else latest
    age = (now.date() - latest_date).days
    ok = age <= allowed
    score = 100.0 if ok else round(max(0.0, 100.0 * allowed / age), 2)
    return {"cycle": cycle, "allowed_days": allowed, "latest": latest_date.isoformat(), "age_days": age,
            "source": source, "ok": ok, "score": score}


def _finish(report: QualityReport, schema: ResourceSchema, checks: CheckSet, present: list[str],
            state: _State, options: CheckOptions) -> None:
    report.rows, report.blank_rows = state.rows, state.blank
    if state.blank:
        report.issues.append(_issue(Issue("blank_rows", "info", f"{state.blank} blank row(s) skipped",
                                          f"跳过 {state.blank} 个空行", count=state.blank)))
    seen: dict[str, RuleResult] = {}
    for check in checks.all_checks:
        if check.id in seen:  # min and max length share an id
            continue
        checked = state.rows if check.dimension != "validity" else state.rows - state.nulls.get(check.item, 0)
        seen[check.id] = RuleResult(check.id, check.rule, check.dimension, check.item, check.severity,
                                    state.counts.get(check.id, 0), checked, check.expected_en, check.expected_zh)
    missing = [f for f in schema.fields if f.required and f.name not in present]
    for spec in missing:  # a missing required column: every row lacks the value
        seen[f"required:{spec.name}"] = RuleResult(f"required:{spec.name}", "required", "completeness", spec.name,
                                                   "error", state.rows, state.rows, "a value (required item)",
                                                   "必填项须有值")
    report.rules = list(seen.values())
    report.items = [{"item": f.name, "title": f.title, "element": f.element, "present": f.name in present,
                     "nulls": state.nulls.get(f.name, state.rows if f.name not in present else 0),
                     "null_rate": round(state.nulls.get(f.name, 0) / state.rows, 4) if state.rows else None}
                    for f in schema.fields]
    assert state.duplicates is not None
    report.duplicates = state.duplicates.results(options.keep_rows)
    # In file order: a rule's rows arrive from its fast form and, later, from its remainder.
    report.failing_rows = {rule: pl.concat(parts).sort().to_list() for rule, parts in state.failing_rows.items()}
    report.samples = [s for samples in state.samples.values() for s in samples]
    for result in report.duplicates:
        report.samples += _duplicate_samples(result, options.samples_per_rule)
    report.samples.sort(key=lambda s: (s.row, s.item))
    report.timeliness = _timeliness(schema, state, options)
    required_cells = state.rows * sum(1 for f in schema.fields if f.required)
    validated = {c.item for c in checks.detail_checks}
    validity_cells = sum(state.rows - state.nulls.get(name, 0) for name in validated)
    cross = state.rows * sum(1 for c in checks.row_checks if c.dimension == "consistency")
    report.dimensions = dimension_scores(report, required_cells, validity_cells, cross)
    report.score = overall_score(report.dimensions)
