"""Reading what departments hand over: CSV in any of the encodings Chinese offices use, XLSX,
JSON Lines and Parquet, as batches of all-text columns.

Every value is read as text and the schema decides what it must look like: a reader that
guessed types would turn ID numbers into floats and hide exactly the defects the engine is
there to find.

Encodings: a UTF-8 BOM means UTF-8; otherwise strict UTF-8 is tried first, then GB18030 (a
superset of GBK and GB2312). Strict decoding almost never accepts the wrong one: GBK text is
rarely valid UTF-8, and the detection result is reported, so a reader can override it.
"""

from __future__ import annotations

import codecs
import io
import os
import queue
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from govshare.core.errors import InvalidInput

FORMATS = ("csv", "xlsx", "jsonl", "parquet")
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16")
SAMPLE_BYTES = 1 << 20
ROW_INDEX = "__row__"
EXTRA = "__extra__"


@dataclass
class Issue:
    """A problem with the file as a whole (not with one item's values)."""

    code: str
    severity: str  # error | warning | info
    message: str
    message_zh: str
    rows: list[int] = field(default_factory=list)
    count: int = 0


@dataclass
class SourceInfo:
    name: str
    format: str
    size: int
    encoding: str | None = None
    encoding_detected: bool = False
    columns: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def detect_format(name: str, override: str | None = None) -> str:
    if override:
        if override not in FORMATS:
            raise InvalidInput(f"unknown format {override!r}; expected one of {', '.join(FORMATS)}",
                               f"未知的文件格式“{override}”", field="format")
        return override
    suffix = Path(name).suffix.lower().lstrip(".")
    aliases = {"csv": "csv", "txt": "csv", "tsv": "csv", "xlsx": "xlsx", "jsonl": "jsonl",
               "ndjson": "jsonl", "parquet": "parquet"}
    if suffix not in aliases:
        raise InvalidInput(f"{name}: cannot tell the format from the extension .{suffix}; expected "
                           ".csv, .xlsx, .jsonl or .parquet (or give the format)",
                           f"{name}：无法从扩展名判断文件格式，应为 .csv、.xlsx、.jsonl 或 .parquet",
                           field="format")
    return aliases[suffix]


def detect_encoding(sample: bytes, name: str = "file") -> str:
    """utf-8-sig, utf-16, utf-8 or gb18030 (reported as gbk when it is plain GBK)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gbk", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    raise InvalidInput(f"{name}: the encoding is neither UTF-8 nor GBK/GB18030; save it as UTF-8 or "
                       "give the encoding",
                       f"{name}：文件编码既不是 UTF-8 也不是 GBK/GB18030，请另存为 UTF-8 或指定编码",
                       field="encoding")


def _line_of(path: Path, offset: int) -> int:
    with path.open("rb") as fh:
        return fh.read(offset).count(b"\n") + 1


def transcode(path: Path, encoding: str, target: Path, name: str) -> None:
    """Rewrites the file as UTF-8 in chunks, so memory stays bounded for any size."""
    decoder = codecs.getincrementaldecoder(encoding)()
    done = 0
    with path.open("rb") as src, target.open("wb") as out:
        while chunk := src.read(8 << 20):
            try:
                out.write(decoder.decode(chunk).encode("utf-8"))
            except UnicodeDecodeError as exc:
                offset = done + exc.start
                line = _line_of(path, offset)
                raise InvalidInput(
                    f"{name}: line {line} (byte {offset}) is not valid {encoding}; the file mixes "
                    "encodings. Save it again in one encoding", f"{name}：第 {line} 行（第 {offset} 字节）"
                    f"不是有效的 {encoding} 编码，文件混用了多种编码，请统一编码后重新保存",
                    field="encoding", details={"line": line, "byte": offset}) from exc
            done += len(chunk)
        out.write(decoder.decode(b"", final=True).encode("utf-8"))


class Source:
    """A file opened for checking: `info`, then `batches()` of all-text DataFrames with the
    spreadsheet row number of each row in ROW_INDEX (the header is row 1)."""

    def __init__(self, path: str | Path, *, name: str | None = None, format: str | None = None,
                 encoding: str | None = None, batch_rows: int = 250_000, chunk_bytes: int = 8 << 20) -> None:
        self.path = Path(path)
        self.name = name or self.path.name
        self.batch_rows = batch_rows
        self.chunk_bytes = chunk_bytes
        self._ragged: list[tuple[int, int]] = []
        self._ragged_count = 0
        self.info = SourceInfo(name=self.name, format=detect_format(self.name, format),
                               size=self.path.stat().st_size)
        self._encoding_override = encoding
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self._csv_path = self.path
        self.empty = self.info.size == 0
        if not self.empty:
            self._open()

    def close(self) -> None:
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- opening -----------------------------------------------------------------------

    def _open(self) -> None:
        opener = {"csv": self._open_csv, "xlsx": self._open_xlsx, "jsonl": self._open_jsonl,
                  "parquet": self._open_parquet}[self.info.format]
        opener()
        self.info.columns = [c.strip() for c in self.info.columns]
        self._header_issues()
        self.info.columns = _unique_names(self.info.columns)

    def _open_csv(self) -> None:
        with self.path.open("rb") as fh:
            sample = fh.read(SAMPLE_BYTES)
        if self._encoding_override:
            encoding = self._encoding_override.lower().replace("_", "-")
            if encoding not in ENCODINGS:
                raise InvalidInput(f"unknown encoding {encoding!r}; expected one of {', '.join(ENCODINGS)}",
                                   f"未知的编码“{encoding}”", field="encoding")
        else:
            encoding = detect_encoding(sample, self.name)
            self.info.encoding_detected = True
        self.info.encoding = encoding
        if encoding != "utf-8":
            self._tmpdir = tempfile.TemporaryDirectory(prefix="govshare-quality-")
            self._csv_path = Path(self._tmpdir.name) / "utf8.csv"
            transcode(self.path, encoding, self._csv_path, self.name)
        header = self._first_line()
        self.info.columns = _csv_fields(header)
        if self.info.encoding_detected and encoding != "utf-8":
            label = {"utf-8-sig": "UTF-8 with BOM", "gbk": "GBK", "gb18030": "GB18030",
                     "utf-16": "UTF-16"}[encoding]
            self.info.issues.append(Issue("encoding", "info", f"encoding detected: {label}",
                                          f"检测到文件编码：{label}"))

    def _first_line(self) -> str:
        with self._csv_path.open("r", encoding="utf-8", errors="strict", newline="") as fh:
            try:
                return fh.readline().rstrip("\r\n")
            except UnicodeDecodeError as exc:
                raise InvalidInput(f"{self.name}: the header is not valid {self.info.encoding}",
                                   f"{self.name}：表头不是有效的 {self.info.encoding} 编码",
                                   field="encoding") from exc

    def _open_xlsx(self) -> None:
        try:
            frame = pl.read_excel(self.path, infer_schema_length=0)
        except Exception as exc:  # the Excel engine raises its own exception types
            raise InvalidInput(f"{self.name}: not a readable XLSX workbook ({type(exc).__name__})",
                               f"{self.name}：不是可读取的 XLSX 工作簿", field="file") from exc
        self._frame = frame
        self.info.columns = list(frame.columns)
        self.empty = frame.width == 0

    def _open_jsonl(self) -> None:
        try:
            self._lazy = pl.scan_ndjson(self.path, infer_schema_length=1000)
            self.info.columns = list(self._lazy.collect_schema().names())
        except Exception as exc:  # polars raises ComputeError with the line in the message
            raise InvalidInput(f"{self.name}: not valid JSON Lines ({exc})", f"{self.name}：不是有效的 JSON Lines",
                               field="file") from exc

    def _open_parquet(self) -> None:
        try:
            self._lazy = pl.scan_parquet(self.path)
            self.info.columns = list(self._lazy.collect_schema().names())
        except Exception as exc:
            raise InvalidInput(f"{self.name}: not a Parquet file ({exc})", f"{self.name}：不是 Parquet 文件",
                               field="file") from exc

    def _header_issues(self) -> None:
        seen: set[str] = set()
        dupes = [c for c in self.info.columns if c in seen or seen.add(c)]  # type: ignore[func-returns-value]
        if dupes:
            self.info.issues.append(Issue(
                "duplicate_header", "error", f"the header repeats column(s): {', '.join(dupes)}",
                f"表头重复列：{'、'.join(dupes)}"))
        blank = [i + 1 for i, c in enumerate(self.info.columns) if not c]
        if blank and self.info.format == "csv":
            self.info.issues.append(Issue(
                "blank_header", "warning", f"column(s) {blank} have no name in the header",
                f"第 {blank} 列表头为空"))

    # --- reading -------------------------------------------------------------------------

    def batches(self, date_formats: dict[str, str] | None = None) -> Iterator[pl.DataFrame]:
        if self.empty:
            return iter(())
        if self.info.format == "csv":
            return self._csv_batches()
        if self.info.format == "xlsx":
            return self._xlsx_batches()
        return self._typed_batches(date_formats or {})

    def _csv_chunks(self) -> Iterator[bytes]:
        """The file after its header in pieces of about `chunk_bytes`, each ending at a line
        break outside quotes: memory holds one piece at a time, whatever the file size (the
        streaming CSV reader of polars reads ahead as far as it likes when checks are slower).

        The partial row after a piece's last line break is read again with the next piece
        (a seek back) rather than carried over and joined to it: joining copied every piece
        twice, which cost more than the reading itself."""
        with self._csv_path.open("rb") as fh:
            fh.readline()
            size = self.chunk_bytes
            while block := fh.read(size):
                if len(block) < size:  # the rest of the file
                    if block.strip():
                        yield block if block.endswith(b"\n") else block + b"\n"
                    return
                cut = _line_end(block)
                fh.seek(cut - len(block), os.SEEK_CUR)
                if not cut:  # one row longer than a piece: read it again with room for it
                    size *= 2
                    continue
                size = self.chunk_bytes
                yield block if cut == len(block) else block[:cut]

    def _csv_batches(self) -> Iterator[pl.DataFrame]:
        schema = {n: pl.String for n in self.info.columns} | {EXTRA: pl.String}
        first_row = 2
        for chunk in self._csv_chunks():
            try:
                frame = pl.read_csv(chunk, has_header=False, schema=schema, missing_columns="insert",
                                    truncate_ragged_lines=True)
            except pl.exceptions.PolarsError as exc:
                raise InvalidInput(f"{self.name}: cannot be read as CSV near row {first_row} "
                                   f"({str(exc).splitlines()[0]})",
                                   f"{self.name}：第 {first_row} 行附近无法按 CSV 读取", field="file") from exc
            if not self._surely_even(chunk, frame):
                self._count_ragged(chunk, first_row)
            yield frame.select(pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64).alias(ROW_INDEX),
                               pl.all())
            first_row += frame.height

    def _surely_even(self, chunk: bytes, frame: pl.DataFrame) -> bool:
        """True when no row can have a field count other than the header's, decided in
        microseconds: no quotes, no field beyond the header's, and exactly the expected number
        of commas (a short row could only hide behind a long one, which the extra column shows)."""
        if b'"' in chunk or frame[EXTRA].null_count() != frame.height:
            return False
        return count_byte(chunk, b",") == (len(self.info.columns) - 1) * count_byte(chunk, b"\n")

    def _count_ragged(self, chunk: bytes, first_row: int, limit: int = 20) -> None:
        """Rows whose field count differs from the header's, counted on the raw lines with quoted
        sections removed (commas inside quotes do not count). Assumes no line breaks inside quotes."""
        lines = pl.read_csv(chunk, has_header=False, separator="\x1f", quote_char=None,
                            schema={"line": pl.String}).with_row_index("row", offset=first_row)
        text = pl.col("line").fill_null("")
        fields = text.str.replace_all('"[^"]*"', "").str.count_matches(",", literal=True) + 1
        bad = lines.filter((fields != len(self.info.columns)) & (text.str.strip_chars() != ""))
        self._ragged_count += bad.height
        room = limit - len(self._ragged)
        if bad.height and room > 0:
            self._ragged += [(int(r), int(n)) for r, n in bad.head(room).select(
                "row", fields.alias("n")).rows()]

    def ragged_rows(self) -> tuple[int, list[tuple[int, int]]]:
        """(count, first rows as (row, fields)) of the CSV rows `batches()` has read so far."""
        return self._ragged_count, self._ragged

    def _xlsx_batches(self) -> Iterator[pl.DataFrame]:
        frame = self._frame.with_row_index(ROW_INDEX, offset=2).with_columns(pl.col(ROW_INDEX).cast(pl.Int64))
        frame = frame.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in self.info.columns)
        # A sheet is at most 1,048,576 rows, read whole by the Excel engine; slice it anyway so
        # the engine's batches have one shape for every format.
        for start in range(0, frame.height, self.batch_rows):
            yield frame.slice(start, self.batch_rows)

    def _typed_batches(self, date_formats: dict[str, str]) -> Iterator[pl.DataFrame]:
        schema = self._lazy.collect_schema()
        exprs = [_as_text(name, dtype, date_formats.get(name)) for name, dtype in schema.items()]
        lazy = self._lazy.select(exprs).with_row_index(ROW_INDEX, offset=2 if self.info.format != "jsonl" else 1)
        try:
            yield from _coalesce(lazy.with_columns(pl.col(ROW_INDEX).cast(pl.Int64)).collect_batches(
                chunk_size=self.batch_rows), self.batch_rows)
        except pl.exceptions.PolarsError as exc:
            raise InvalidInput(f"{self.name}: cannot be read ({str(exc).splitlines()[0]})",
                               f"{self.name}：无法读取", field="file") from exc


def _coalesce(batches: Iterator[pl.DataFrame], rows: int) -> Iterator[pl.DataFrame]:
    """Batches of about `rows` rows: the streaming engine hands out morsels of any size, and
    checking thousands of tiny batches costs far more than a few large ones."""
    pending: list[pl.DataFrame] = []
    held = 0
    for batch in batches:
        pending.append(batch)
        held += batch.height
        if held >= rows:
            yield pl.concat(pending, rechunk=True)
            pending, held = [], 0
    if pending:
        yield pl.concat(pending, rechunk=True)


def _as_text(name: str, dtype: Any, fmt: str | None) -> pl.Expr:
    """A typed column as the text the schema describes: dates in the item's format."""
    col = pl.col(name)
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        return col.dt.strftime(fmt or ("%Y-%m-%d" if dtype == pl.Date else "%Y-%m-%dT%H:%M:%S")).alias(name)
    if isinstance(dtype, pl.Struct | pl.List):
        return col.struct.json_encode().alias(name) if isinstance(dtype, pl.Struct) \
            else col.cast(pl.List(pl.String)).list.join(",").alias(name)
    return col.cast(pl.String).alias(name)


def _line_end(block: bytes) -> int:
    """The end of the block's last complete row: after its last line break outside quotes
    (0 when there is none)."""
    cut = block.rfind(b"\n") + 1
    if b'"' in block:  # a memchr: most files have no quotes to count
        while cut and count_byte(block, b'"', cut) % 2:  # inside a quoted value: back up a line
            cut = block.rfind(b"\n", 0, cut - 1) + 1
    return cut


def count_byte(data: bytes, byte: bytes, end: int | None = None) -> int:
    """How often `byte` occurs in data[:end]. numpy compares 8 MB in about 0.4 ms, six times
    faster than bytes.count, and a reading thread that counts with bytes.count holds the
    interpreter lock all along, stalling the checking thread's Python."""
    return int(np.count_nonzero(np.frombuffer(data, np.uint8, count=len(data) if end is None else end) == byte[0]))


def _unique_names(columns: list[str]) -> list[str]:
    out, seen = [], {}
    for i, c in enumerate(columns):
        name = c or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}__{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def _csv_fields(line: str) -> list[str]:
    import csv

    if not line.strip():
        return []
    return next(csv.reader(io.StringIO(line)))


def stream_to_file(stream: Any, suffix: str, directory: str | None = None) -> Path:
    """Copies an uploaded stream to a temporary file in 1 MB chunks (the caller deletes it)."""
    fd, name = tempfile.mkstemp(suffix=suffix, prefix="govshare-upload-", dir=directory)
    with os.fdopen(fd, "wb") as out:
        while chunk := stream.read(1 << 20):
            out.write(chunk)
    return Path(name)


def read_ahead(batches: Iterator[pl.DataFrame], depth: int = 1) -> Iterator[pl.DataFrame]:
    """The same batches, the next `depth` of them parsed in a second thread while the caller
    works on the current one. Parsing and checking are both polars work that releases the GIL,
    so on two cores they overlap instead of taking turns; memory holds `depth` more batches.

    An error while reading reaches the caller at the batch where it happened; a caller that
    stops early (an exception, a `break`) stops the reading thread too."""
    ahead: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for batch in batches:
                if not hand_over(("batch", batch)):
                    return
            hand_over(("end", None))
        except BaseException as exc:  # handed to the caller, raised there
            hand_over(("error", exc))

    reader = threading.Thread(target=read, name="govshare-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            kind, value = ahead.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        reader.join()
