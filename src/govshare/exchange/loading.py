"""Loading a provider's file into a new dataset version, behind the quality gate.

    version = load(db, principal, actor, LoadRequest(resource_id, path, "persons.csv"))

1. A version row is committed first (status `loading`) with a copy of the file, so a failed
   or killed load can be resumed (`resume`: continue after the rows already committed) or
   retried (`retry`: a new version from the same file).
2. One pass over the file: each batch the reader gives is fed to the quality engine's
   incremental checker (`quality.engine.Checker`, the same engine `check_file` runs) and
   written to the version's own table (COPY on PostgreSQL, executemany on SQLite), both in
   threads while the next batch is read; each written piece is committed with the version's
   row counter, so progress survives a crash.
3. Once the last piece is committed, the row and key indexes start building (PostgreSQL, on
   their own connections) while the report is finished and the gate decides (errors in key
   items, duplicate keys, or a score below the dataset's threshold): a rejected version's table
   is dropped when they end; for an accepted one, one transaction computes the change feed,
   points the dataset at the new version and queues webhook deliveries. Until that commit,
   readers keep the previous version.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Index, Table, and_, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor, Outcome
from govshare.core.auth import Principal
from govshare.core.config import get_settings
from govshare.core.db import Database, utcnow
from govshare.core.errors import AppError, Conflict, InvalidInput
from govshare.exchange import subscriptions, tables
from govshare.exchange.datasets import ensure, require_provider_officer
from govshare.exchange.items import Column, columns_for, quality_schema, requestable
from govshare.exchange.models import Change, Dataset, DatasetVersion, GatePolicy, LoadMode, LoadStatus
from govshare.quality.engine import Checker, CheckOptions
from govshare.quality.readers import EXTRA, ROW_INDEX, Source
from govshare.quality.report import QualityReport
from govshare.quality.schema import ResourceSchema
from govshare.quality.service import audit_unreadable, record_check

Progress = Callable[[int, int], None]
STALE_AFTER = timedelta(minutes=2)  # a `loading` version without a heartbeat this long was interrupted
STRUCTURAL = ("empty_file", "no_data", "missing_required_item", "duplicate_header")
CHANGE_CHUNK = 10_000


class Store:
    """Where a load writes: its own transactions on a Database (one per batch, so a crash keeps
    the committed batches for `resume`), or one caller's session (the demo builder, which
    already holds SQLite's write lock, loads inside its own transaction)."""

    def __init__(self, db: Database | None = None, session: Session | None = None) -> None:
        self.db, self._session = db, session

    @contextmanager
    def session(self) -> Iterator[Session]:
        if self.db is not None:
            with self.db.session() as session:
                yield session
        else:
            assert self._session is not None
            yield self._session
            self._session.flush()

    def record(self, actor: Actor, job: _Job, report: QualityReport) -> None:
        """Stores the masked report under this dataset version and audits the check, as the
        quality standards' own entry point does (in its own transaction)."""
        with self.session() as session:
            record_check(session, actor, report, job.schema, job.name,
                         dataset_version_ref=f"{job.schema.resource_code}#{job.table.name}")

    def unreadable(self, actor: Actor, job: _Job, exc: AppError) -> None:
        with self.session() as session:
            audit_unreadable(session, actor, job.name, job.schema, exc)

    def begin(self) -> AbstractContextManager[Connection]:
        if self.db is not None:
            return self.db.engine.begin()
        assert self._session is not None
        return nullcontext(self._session.connection())


@dataclass
class LoadRequest:
    resource_id: int
    path: Path
    name: str
    mode: LoadMode = LoadMode.REPLACE
    format: str | None = None
    encoding: str | None = None
    batch_rows: int = 100_000


def _kept_copy(path: Path, table_name: str, name: str) -> Path:
    """A copy of the source under the node's data directory, for resume and retry."""
    folder = Path(get_settings().data_dir) / "exchange" / "loads"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{table_name}{Path(name).suffix.lower()}"
    shutil.copyfile(path, target)
    return target


def _new_version(session: Session, actor: Actor, dataset: Dataset, columns: list[Column], mode: LoadMode,
                 path: Path, name: str, fmt: str | None) -> DatasetVersion:
    number = (session.scalar(select(func.max(DatasetVersion.number))
                             .where(DatasetVersion.dataset_id == dataset.id)) or 0) + 1
    name_in_db = tables.table_name(dataset.id, number)
    from govshare.quality.readers import detect_format

    version = DatasetVersion(
        dataset_id=dataset.id, number=number, status=LoadStatus.LOADING, mode=mode, table_name=name_in_db,
        columns=[c.as_dict() for c in columns], key_items=list(dataset.key_items), source_name=name,
        source_path=str(_kept_copy(path, name_in_db, name)), source_format=detect_format(name, fmt),
        loaded_by=actor.name)
    session.add(version)
    session.flush()
    audit.record(session, actor, "exchange.load.start", object_type="dataset_version", object_id=version.id,
                 details={"resource_id": dataset.resource_id, "number": number, "mode": mode.value, "source": name})
    return version


def load(db: Database, principal: Principal, actor: Actor, request: LoadRequest,
         progress: Progress | None = None) -> DatasetVersion:
    return _load(Store(db), principal, actor, request, progress)


def load_in_session(session: Session, principal: Principal, actor: Actor, request: LoadRequest) -> DatasetVersion:
    """The same load inside the caller's transaction (nothing is committed here)."""
    return _load(Store(session=session), principal, actor, request, None)


def _load(store: Store, principal: Principal, actor: Actor, request: LoadRequest,
          progress: Progress | None) -> DatasetVersion:
    with store.session() as session:
        resource = requestable(session, principal, request.resource_id)
        require_provider_officer(principal, resource)
        dataset = ensure(session, resource)
        if request.mode == LoadMode.UPSERT and not dataset.key_items:
            raise InvalidInput("an upsert load needs the dataset's key items; set them first",
                               "增量更新须先设置数据集的主键信息项", field="mode")
        version = _new_version(session, actor, dataset, columns_for(resource), request.mode, request.path,
                               request.name, request.format)
        version_id = version.id
    return _run(store, actor, version_id, request.format, request.encoding, request.batch_rows, progress)


def _loadable(session: Session, principal: Principal, version_id: int) -> DatasetVersion:
    version = session.get(DatasetVersion, version_id)
    if version is None:
        raise Conflict(f"load {version_id} does not exist", f"装载任务 {version_id} 不存在", code="not_found")
    dataset = session.get(Dataset, version.dataset_id)
    assert dataset is not None
    resource = requestable(session, principal, dataset.resource_id)
    require_provider_officer(principal, resource)
    return version


def interrupted(version: DatasetVersion) -> bool:
    return version.status == LoadStatus.LOADING and utcnow() - version.heartbeat_at > STALE_AFTER


def resume(db: Database, principal: Principal, actor: Actor, version_id: int, force: bool = False,
           progress: Progress | None = None, batch_rows: int = 100_000) -> DatasetVersion:
    """Continue a failed or interrupted load after the rows it had committed."""
    with db.session() as session:
        version = _loadable(session, principal, version_id)
        resumable = version.status == LoadStatus.FAILED or interrupted(version) or (
            force and version.status == LoadStatus.LOADING)
        if not resumable or not Path(version.source_path).exists():
            raise Conflict(f"load {version_id} is {version.status.value}: only a failed or interrupted load "
                           "with its kept file can be resumed", f"装载任务 {version_id} 状态为 {version.status.value}，"
                           "只有失败或中断的装载可以续传", field="version_id")
        version.status = LoadStatus.LOADING
        version.error = ""
        version.heartbeat_at = utcnow()
        audit.record(session, actor, "exchange.load.resume", object_type="dataset_version", object_id=version.id,
                     details={"after_rows": version.rows_loaded})
    return _run(Store(db), actor, version_id, None, None, batch_rows, progress)


def retry(db: Database, principal: Principal, actor: Actor, version_id: int,
          progress: Progress | None = None) -> DatasetVersion:
    """A new version from the file of a failed, interrupted or rejected load."""
    with db.session() as session:
        old = _loadable(session, principal, version_id)
        if old.status in (LoadStatus.LIVE, LoadStatus.SUPERSEDED) or not Path(old.source_path).exists():
            raise Conflict(f"load {version_id} is {old.status.value}; nothing to retry",
                           f"装载任务 {version_id} 状态为 {old.status.value}，无需重试", field="version_id")
        dataset = session.get(Dataset, old.dataset_id)
        resource = requestable(session, principal, dataset.resource_id)  # type: ignore[union-attr]
        if old.status == LoadStatus.LOADING:
            old.status = LoadStatus.FAILED
            old.error = "interrupted; retried as a new version"
        version = _new_version(session, actor, dataset, columns_for(resource), old.mode,  # type: ignore[arg-type]
                               Path(old.source_path), old.source_name, old.source_format)
        version_id = version.id
    return _run(Store(db), actor, version_id, None, None, 100_000, progress)


# --- the run ---------------------------------------------------------------------------------


@dataclass
class _Job:
    version_id: int
    dataset_id: int
    table: Table
    columns: list[Column]
    schema: ResourceSchema
    keys: list[str]
    path: str
    name: str
    format: str
    encoding: str | None
    batch_rows: int
    skip: int


def _job(db: Store, version_id: int, encoding: str | None, batch_rows: int) -> _Job:
    from govshare.catalog.models import CatalogResource

    with db.session() as session:
        version = session.get(DatasetVersion, version_id)
        dataset = session.get(Dataset, version.dataset_id)  # type: ignore[union-attr]
        resource = session.get(CatalogResource, dataset.resource_id)  # type: ignore[union-attr]
        columns = [Column.from_dict(c) for c in version.columns]  # type: ignore[union-attr]
        keys = list(version.key_items)  # type: ignore[union-attr]
        key_columns = [c.column for c in columns if c.item in keys]
        return _Job(version_id, dataset.id, tables.table_for(version.table_name, columns, key_columns),  # type: ignore
                    columns, quality_schema(resource, keys), keys, version.source_path,  # type: ignore
                    version.source_name, version.source_format, encoding, batch_rows, version.rows_loaded)  # type: ignore


def _run(db: Store, actor: Actor, version_id: int, fmt: str | None, encoding: str | None, batch_rows: int,
         progress: Progress | None) -> DatasetVersion:
    job = _job(db, version_id, encoding, batch_rows)
    indexes = _Indexes(db, job.table)
    try:
        try:
            with db.begin() as conn:
                if job.skip == 0:  # a fresh start owns its name, whatever an older attempt left behind
                    tables.drop(conn, job.table.name)
                tables.create(conn, job.table)
            report = _one_pass(db, job, progress, indexes.start)
        except AppError as exc:
            db.unreadable(actor, job, exc)
            _fail(db, actor, job, exc.message)
            raise
        except Exception as exc:
            _fail(db, actor, job, f"{type(exc).__name__}: {str(exc)[:500]}")
            raise
        db.record(actor, job, report)
        reasons = gate_reasons(report, db, job)
        if reasons:
            indexes.abandon()  # cancelled, and ended before the table is dropped
            return _reject(db, actor, job, report, reasons)
        indexes.wait()
        return _publish(db, actor, job, report)
    finally:
        indexes.settle()


def _one_pass(db: Store, job: _Job, progress: Progress | None, written_all: Callable[[], None]) -> QualityReport:
    """Reads the file once. Each batch goes to the quality engine (its own thread) and to the
    writers while this thread reads the next batch: polars and the database driver release
    the GIL, so reading, checking and writing overlap. A resumed load checks every row again
    (the report covers the whole file) and writes only the rows after those committed.
    `written_all` is called once every row is committed, before the report is finished."""
    options = CheckOptions(name=job.name, format=job.format, encoding=job.encoding, batch_rows=job.batch_rows)
    with Source(job.path, name=job.name, format=job.format, encoding=job.encoding,
                batch_rows=job.batch_rows) as source:
        checker = Checker(source, job.schema, options)
        if source.empty:
            return checker.finish()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="quality-gate") as checks, \
                _writer_pool(db) as writes, _typing_pool(db) as typing:
            writer = _Writer(db, job, source, writes, typing, progress, checker.date_formats)
            checked: Future[None] | None = None
            written: list[Future[None]] = []
            for batch in source.batches(checker.date_formats):
                # Queued before anything is waited for, so a writer that finishes a piece finds
                # the next one waiting instead of idling until the checker is done too.
                queued = writer.submit(batch)
                if checked is not None:  # the engine takes the batches one after the other, in order
                    checked.result()
                checked = checks.submit(checker.feed, batch)
                _wait(written)  # the writers hold at most two batches: bounded memory
                written = queued
            if writer.last is not None:
                writer.last.result()  # the last piece commits after all others
            written_all()
            if checked is not None:
                checked.result()
        return checker.finish()


def _wait(futures: list[Future[None]]) -> None:
    for future in futures:
        future.result()


def _writer_pool(db: Store) -> AbstractContextManager[ThreadPoolExecutor | None]:
    """PostgreSQL: two connections COPY at once (the server parses each on its own core).
    SQLite has one writer at a time: one thread. A caller's session: its own thread only."""
    if db.db is None:
        return nullcontext(None)
    workers = 2 if db.db.engine.dialect.name == "postgresql" else 1
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="load-writer")


def _typing_pool(db: Store) -> AbstractContextManager[ThreadPoolExecutor | None]:
    """One thread that types each piece as it is queued, so a writer that finishes a piece
    starts the next one's COPY at once instead of typing it first while its connection waits."""
    if db.db is None:
        return nullcontext(None)
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="load-typing")


class _Writer:
    """Writes the reader's batches into the version's table in pieces of `batch_rows`, each
    committed with the version's row counter. Pieces are written side by side but commit in
    file order (each waits for the one before it), so the committed rows are always the first
    `rows_loaded` of the file, which is what a resume skips."""

    def __init__(self, db: Store, job: _Job, source: Source, pool: ThreadPoolExecutor | None,
                 typing: ThreadPoolExecutor | None, progress: Progress | None,
                 date_formats: dict[str, str]) -> None:
        self.db, self.job, self.pool, self.typing, self.progress = db, job, pool, typing, progress
        self.mapping = _header_mapping(source.info.columns, job.schema)
        self.present = list(self.mapping.values())
        self.date_formats = date_formats  # the schema's, as the checker reads them
        self.estimate = max(1, source.info.size // 60)
        self.seen = 0
        self.last: Future[None] | None = None  # the piece queued last

    def submit(self, batch: pl.DataFrame) -> list[Future[None]]:
        """The batch's pieces, queued (or written here and now in a caller's session, whose
        connection belongs to this thread)."""
        batch = batch.drop(EXTRA, ROW_INDEX, strict=False).select(list(self.mapping)).rename(self.mapping)
        if self.present:  # blank lines are skipped, as the quality engine does
            batch = batch.filter(~pl.all_horizontal(pl.col(c).is_null() for c in self.present))
        queued = []
        for start, size in _pieces(batch.height, self.job.batch_rows):
            piece = batch.slice(start, size)
            first, self.seen = self.seen, self.seen + piece.height
            if self.seen <= self.job.skip:
                continue
            piece = piece.slice(max(0, self.job.skip - first))
            self.last = self._run(piece, max(first, self.job.skip) + 1, self.seen, self.last)
            queued.append(self.last)
        return queued

    def _run(self, piece: pl.DataFrame, first_row: int, seen: int, before: Future[None] | None) -> Future[None]:
        typing = (self.job.columns, self.date_formats)
        if self.pool is not None and self.typing is not None:
            typed = self.typing.submit(tables.typed_batch, piece, *typing, first_row=first_row)
            return self.pool.submit(self._write, typed.result, seen, before)
        done: Future[None] = Future()
        done.set_result(self._write(lambda: tables.typed_batch(piece, *typing, first_row=first_row), seen, before))
        return done

    def _write(self, typed_piece: Callable[[], pl.DataFrame], seen: int, before: Future[None] | None) -> None:
        job = self.job
        typed = typed_piece()  # a failure to type raises here, before anything is written
        with self.db.begin() as conn:
            _commit_without_waiting(conn)
            tables.write(conn, job.table, typed)
            if before is not None:  # raises if it failed: these rows are then rolled back too
                before.result()
            conn.execute(update(DatasetVersion).where(DatasetVersion.id == job.version_id).values(
                rows_loaded=DatasetVersion.rows_loaded + typed.height, rows_read=seen, heartbeat_at=utcnow()))
        if self.progress:
            self.progress(seen, max(self.estimate, seen))


def _pieces(rows: int, most: int) -> list[tuple[int, int]]:
    """(start, size) of as few pieces of at most `most` rows as cover `rows`, all of one size
    (give or take a row): the two writers then finish a batch together, where a 100,000 and a
    55,000-row piece left one of them idle for a third of every batch."""
    count = max(1, -(-rows // most))
    size, extra = divmod(rows, count)
    bounds, start = [], 0
    for n in range(count):
        length = size + (1 if n < extra else 0)
        bounds.append((start, length))
        start += length
    return bounds


def _commit_without_waiting(conn: Connection) -> None:
    """A piece's commit does not wait for its WAL to reach the disk (PostgreSQL). A server crash
    can then lose the last pieces committed, but only a tail of them and each with its own row
    counter (commits are replayed in order), so `rows_loaded` is still the prefix of the file
    that is in the table, and a resume loads the rest. The transaction that makes a version
    live commits synchronously, which also makes every piece and index before it durable."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")


def _header_mapping(columns: list[str], schema: ResourceSchema) -> dict[str, str]:
    by_title = {f.title: f.name for f in schema.fields if f.title}
    mapping: dict[str, str] = {}
    for column in columns:
        item = column if schema.field(column) is not None else by_title.get(column)
        if item and item not in mapping.values():
            mapping[column] = item
    return mapping


def gate_reasons(report: QualityReport, db: Store, job: _Job) -> list[str]:
    with db.session() as session:
        dataset = session.get(Dataset, job.dataset_id)
        gate, min_score = dataset.gate, dataset.min_score  # type: ignore[union-attr]
    reasons = [i["message"] for i in report.issues if i["severity"] == "error" and i["code"] in STRUCTURAL]
    if gate in (GatePolicy.KEY_ERRORS, GatePolicy.BOTH):
        for rule in report.rules:
            if rule.severity == "error" and rule.item in job.keys and rule.failures:
                reasons.append(f"key item {rule.item}: {rule.failures} value(s) fail {rule.rule} "
                               f"(expected {rule.expected_en})")
        for dup in report.duplicates:
            if dup.key and sorted(dup.key) == sorted(job.keys) and dup.surplus_rows:
                reasons.append(f"key {'+'.join(dup.key)}: {dup.surplus_rows} duplicate row(s)")
    if gate in (GatePolicy.SCORE, GatePolicy.BOTH) and report.score < min_score:
        reasons.append(f"quality score {report.score:.1f} is below the dataset's threshold {min_score:.1f}")
    return reasons


def _report_fields(version: DatasetVersion, report: QualityReport) -> None:
    version.quality_report = report.to_dict()
    version.quality_score = report.score
    version.quality_errors = report.errors
    version.rows_read = report.rows
    version.finished_at = utcnow()


def _fail(db: Store, actor: Actor, job: _Job, message: str) -> None:
    with db.session() as session:
        version = session.get(DatasetVersion, job.version_id)
        version.status = LoadStatus.FAILED  # type: ignore[union-attr]
        version.error = message  # type: ignore[union-attr]
        version.finished_at = utcnow()  # type: ignore[union-attr]
        audit.record(session, actor, "exchange.load", object_type="dataset_version", object_id=job.version_id,
                     outcome=Outcome.FAILURE, details={"error": message[:500], "rows_loaded": version.rows_loaded})


def _reject(db: Store, actor: Actor, job: _Job, report: QualityReport, reasons: list[str]) -> DatasetVersion:
    with db.begin() as conn:
        tables.drop(conn, job.table.name)
    with db.session() as session:
        version = session.get(DatasetVersion, job.version_id)
        _report_fields(version, report)  # type: ignore[arg-type]
        version.status = LoadStatus.REJECTED  # type: ignore[union-attr]
        version.error = "; ".join(reasons)[:4000]  # type: ignore[union-attr]
        Path(version.source_path).unlink(missing_ok=True)  # type: ignore[union-attr]
        audit.record(session, actor, "exchange.load", object_type="dataset_version", object_id=job.version_id,
                     outcome=Outcome.FAILURE, details={"rejected": reasons[:10], "score": report.score})
        return version  # type: ignore[return-value]


class _Indexes:
    """The version table's row and key indexes. On PostgreSQL they start as soon as the last
    piece is committed, side by side on two connections (each CREATE INDEX sorts in its own
    server process, and they only share the table's SHARE lock), and build while this process
    finishes the quality report and asks the gate: the server sorts on one core while the report
    is computed on the other. SQLite (and a caller's session) builds them in `wait`."""

    def __init__(self, db: Store, table: Table) -> None:
        self.db, self.table = db, table
        self._pool: ThreadPoolExecutor | None = None
        self._builds: list[Future[None]] = []
        self._backends: list[int] = []  # the server processes of the builds begun
        self._abandoned = False

    def start(self) -> None:
        if self.db.db is None or self.db.db.engine.dialect.name != "postgresql":
            return
        self._pool = ThreadPoolExecutor(max_workers=len(self.table.indexes), thread_name_prefix="load-index")
        self._builds = [self._pool.submit(self._build, ix) for ix in self.table.indexes]

    def _build(self, ix: Index) -> None:
        if self._abandoned:
            return
        with self.db.begin() as conn:
            self._backends.append(conn.connection.driver_connection.info.backend_pid)  # type: ignore[union-attr]
            _commit_without_waiting(conn)  # the switch to live, after them, waits for the disk
            tables.index(conn, self.table, ix)

    def wait(self) -> None:
        """Until the indexes exist; a failed build raises here."""
        if self._pool is None:
            with self.db.begin() as conn:
                tables.index(conn, self.table)
            return
        _wait(self._builds)

    def abandon(self) -> None:
        """A rejected version's table is dropped: its builds are cancelled, not waited for.
        Only a server process still running a CREATE INDEX is signalled, so a connection that
        has gone back to the pool is never touched."""
        self._abandoned = True
        if self._pool is not None and self._backends:
            with self.db.db.engine.connect() as conn:  # type: ignore[union-attr]
                conn.execute(text(
                    "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid = ANY(:pids)"
                    " AND state = 'active' AND query ILIKE 'CREATE%INDEX%'"), {"pids": list(self._backends)})
        self.settle()

    def settle(self) -> None:
        """Until no build runs any more, whatever their outcome (a rejected or failed load)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def _publish(db: Store, actor: Actor, job: _Job, report: QualityReport) -> DatasetVersion:
    """Makes the indexed version live (after `_Indexes.wait`)."""
    with db.session() as session:
        dataset = session.scalars(select(Dataset).where(Dataset.id == job.dataset_id).with_for_update()).one()
        version = session.get(DatasetVersion, job.version_id)
        previous = session.get(DatasetVersion, dataset.live_version_id) if dataset.live_version_id else None
        conn = session.connection()
        old = _old_table(previous) if previous else None
        if version.mode == LoadMode.UPSERT and old is not None:  # type: ignore[union-attr]
            _merge_previous(conn, job, old, previous)  # type: ignore[arg-type]
        if version.mode == LoadMode.UPSERT and old is not None:  # type: ignore[union-attr]
            version.rows_live = conn.execute(select(func.count()).select_from(job.table)).scalar_one()  # type: ignore
        else:  # a full replace holds exactly the rows the batches committed (read, not counted)
            version.rows_live = conn.execute(select(DatasetVersion.rows_loaded).where(  # type: ignore[union-attr]
                DatasetVersion.id == job.version_id)).scalar_one()
        first_seq = dataset.change_seq + 1
        if old is not None and job.keys:
            version.changes = _record_changes(session, dataset, version, job, old, previous)  # type: ignore
        _report_fields(version, report)  # type: ignore[arg-type]
        version.status = LoadStatus.LIVE  # type: ignore[union-attr]
        if previous is not None:
            previous.status = LoadStatus.SUPERSEDED
        dataset.live_version_id = version.id  # type: ignore[union-attr]
        Path(version.source_path).unlink(missing_ok=True)  # type: ignore[union-attr]
        if version.changes:  # type: ignore[union-attr]
            subscriptions.enqueue(session, dataset, first_seq, dataset.change_seq)
        audit.record(session, actor, "exchange.load", object_type="dataset_version", object_id=version.id,  # type: ignore
                     details={"resource_id": dataset.resource_id, "number": version.number,  # type: ignore
                              "rows": version.rows_live, "changes": version.changes,  # type: ignore
                              "score": report.score, "mode": version.mode.value})  # type: ignore
        keep = {version.id, previous.id if previous else None}  # type: ignore[union-attr]
        result = version
    _drop_old_tables(db, job.dataset_id, keep)
    return result  # type: ignore[return-value]


def _old_table(previous: DatasetVersion) -> tuple[Table, list[Column]]:
    columns = [Column.from_dict(c) for c in previous.columns]
    return tables.table_for(previous.table_name, columns), columns  # type: ignore[return-value]


def _key_pairs(job: _Job, old_columns: list[Column]) -> list[tuple[str, str]]:
    new_by_item = {c.item: c.column for c in job.columns}
    old_by_item = {c.item: c.column for c in old_columns}
    missing = [k for k in job.keys if k not in old_by_item]
    if missing:
        raise Conflict(f"the previous version lacks key item(s) {', '.join(missing)}",
                       f"上一版本缺少主键信息项 {'、'.join(missing)}", field="key_items")
    return [(new_by_item[k], old_by_item[k]) for k in job.keys]


def _merge_previous(conn, job: _Job, old: tuple[Table, list[Column]], previous: DatasetVersion) -> None:  # type: ignore[no-untyped-def]
    """Upsert: the previous version's rows whose key the new file does not carry are kept."""
    old_table, old_columns = old
    pairs = _key_pairs(job, old_columns)
    old_by_item = {c.item: c.column for c in old_columns}
    copied = [c for c in job.columns if c.item in old_by_item]
    newer = job.table.alias("newer")
    superseded = select(newer.c[ROW_KEY]).where(and_(*[newer.c[n] == old_table.c[o] for n, o in pairs]))
    after = conn.execute(select(func.coalesce(func.max(job.table.c[ROW_KEY]), 0))).scalar_one()
    rows = select(old_table.c[ROW_KEY] + after, *[old_table.c[old_by_item[c.item]] for c in copied]) \
        .where(~superseded.exists())
    conn.execute(insert(job.table).from_select([ROW_KEY, *[c.column for c in copied]], rows))


ROW_KEY = tables.ROW


def _record_changes(session: Session, dataset: Dataset, version: DatasetVersion, job: _Job,
                    old: tuple[Table, list[Column]], previous: DatasetVersion | None) -> int:
    """Keys added or changed (upsert) and keys gone (delete) since the previous version."""
    old_table, old_columns = old
    pairs = _key_pairs(job, old_columns)
    old_by_item = {c.item: c.column for c in old_columns}
    new, prior = job.table, old_table
    joined = and_(*[new.c[n] == prior.c[o] for n, o in pairs])
    differs = [new.c[c.column].is_distinct_from(prior.c[old_by_item[c.item]]) for c in job.columns
               if c.item in old_by_item]
    upserts = select(*[new.c[n] for n, _ in pairs]).select_from(new.outerjoin(prior, joined)) \
        .where(or_(prior.c[tables.ROW].is_(None), *differs)).distinct()
    deletes = select(*[prior.c[o] for _, o in pairs]).select_from(prior.outerjoin(new, joined)) \
        .where(new.c[tables.ROW].is_(None)).distinct()
    conn = session.connection()
    count = 0
    for op, query in (("upsert", upserts), ("delete", deletes)):
        result = conn.execute(query)
        while chunk := result.fetchmany(CHANGE_CHUNK):
            rows = [{"dataset_id": dataset.id, "seq": dataset.change_seq + i + 1, "version_number": version.number,
                     "op": op, "key": [_plain(v) for v in row]} for i, row in enumerate(chunk)]
            conn.execute(insert(Change), rows)
            dataset.change_seq += len(rows)
            count += len(rows)
    return count


def _plain(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value  # type: ignore[union-attr]


def _drop_old_tables(db: Store, dataset_id: int, keep: set[int | None]) -> None:
    """Tables of versions older than the previous one: nobody reads them any more."""
    with db.session() as session:
        old = session.scalars(select(DatasetVersion).where(
            DatasetVersion.dataset_id == dataset_id, DatasetVersion.status == LoadStatus.SUPERSEDED,
            DatasetVersion.id.not_in([k for k in keep if k is not None]))).all()
        names = [v.table_name for v in old]
    for name in names:
        with db.begin() as conn:
            tables.drop(conn, name)
