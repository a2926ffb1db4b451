"""The exchange's periodic background work, run inside `govshare serve` (and by the CLI for cron).

Jobs: `deliver` (webhook pushes that are due, with their retries) and `overdue` (flag and
escalate overdue access requests; drop rate counters of past windows). Every app worker runs
a `JobWorker` thread; a job runs only in the worker that takes its lease in `exchange_job` (a
conditional UPDATE: one winner on SQLite and on PostgreSQL, whatever the number of processes or
machines), and only when its interval has passed since the last run. A worker that dies holding
a lease loses it after `jobs.lease_seconds`. Deliveries are additionally claimed one by one
(`subscriptions.deliver_due`), so a cron run alongside the worker never pushes twice either.

Why not a separate queue (huey with SQLite or Redis): see docs/exchange.md, "Background work".
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from govshare.core.audit import Actor
from govshare.core.config import Settings
from govshare.core.db import Database, utcnow
from govshare.exchange.models import JobLease

log = logging.getLogger("govshare.exchange.worker")
ACTOR_NAME = "exchange-worker"


def deliver_job(db: Database, actor: Actor) -> dict[str, Any]:
    from govshare.exchange import subscriptions

    return subscriptions.deliver_due(db, actor, limit=500)


def overdue_job(db: Database, actor: Actor) -> dict[str, Any]:
    from govshare.exchange import access_requests, limits

    with db.session() as session:
        flagged = access_requests.flag_overdue(session, actor)
        pruned = limits.prune(session)
    return {"flagged": flagged, "pruned_counters": pruned}


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Database, Actor], dict[str, Any]]
    every: Callable[[Settings], float]  # seconds between runs


JOBS = (
    Job("deliver", deliver_job, lambda s: s.jobs.deliver_every_seconds),
    Job("overdue", overdue_job, lambda s: s.jobs.overdue_every_seconds),
)
BY_NAME = {job.name: job for job in JOBS}


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _ensure_row(db: Database, name: str) -> None:
    with db.session() as session:
        if session.get(JobLease, name) is not None:
            return
    try:
        with db.session() as session:
            session.add(JobLease(name=name, holder="", last_error=""))
    except IntegrityError:  # another worker inserted it first
        pass


def take_lease(db: Database, name: str, holder: str, every: float, lease_seconds: int) -> bool:
    """True when this holder now runs the job: nobody holds it and it is due."""
    _ensure_row(db, name)
    now = utcnow()
    with db.session() as session:
        taken = session.execute(update(JobLease).where(
            JobLease.name == name,
            or_(JobLease.lease_until.is_(None), JobLease.lease_until < now),
            or_(JobLease.last_started_at.is_(None), JobLease.last_started_at <= now - timedelta(seconds=every)),
        ).values(holder=holder, lease_until=now + timedelta(seconds=lease_seconds), last_started_at=now)
            .execution_options(synchronize_session=False))
        return taken.rowcount == 1


def _finish(db: Database, name: str, holder: str, result: dict[str, Any] | None, error: str) -> None:
    with db.session() as session:
        session.execute(update(JobLease).where(JobLease.name == name, JobLease.holder == holder).values(
            lease_until=None, last_finished_at=utcnow(), last_result=result, last_error=error[:2000])
            .execution_options(synchronize_session=False))


def run_job(db: Database, settings: Settings, name: str, actor: Actor, holder: str,
            force: bool = False) -> dict[str, Any] | None:
    """Runs one job under its lease; None when another worker holds it (or, unless forced, it is
    not due yet). An error is logged and recorded on the lease, never raised into the loop."""
    job = BY_NAME[name]
    if not take_lease(db, name, holder, 0 if force else job.every(settings), settings.jobs.lease_seconds):
        return None
    result: dict[str, Any] | None = None
    error = ""
    try:
        result = job.run(db, actor)
    except Exception as exc:  # noqa: BLE001 - one failed run must not stop the worker
        log.exception("background job %s failed; it runs again at its next interval", name)
        error = f"{type(exc).__name__}: {exc}"
    _finish(db, name, holder, result, error)
    if error:
        raise JobFailed(name, error)
    return result


class JobFailed(RuntimeError):
    def __init__(self, name: str, error: str) -> None:
        super().__init__(f"job {name} failed: {error}")
        self.job = name
        self.error = error


def run_due(db: Database, settings: Settings, actor: Actor, holder: str) -> dict[str, Any]:
    """One round: every job whose interval has passed and whose lease is free; results by name."""
    done: dict[str, Any] = {}
    for job in JOBS:
        try:
            result = run_job(db, settings, job.name, actor, holder)
        except JobFailed as exc:
            done[job.name] = {"error": exc.error}
            continue
        if result is not None:
            done[job.name] = result
    return done


class JobWorker:
    """A daemon thread that runs `run_due` every tick until stopped."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.holder = holder_name()
        self.actor = Actor.system(ACTOR_NAME)
        self.tick = max(0.05, min(job.every(settings) for job in JOBS) / 2)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="exchange-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                run_due(self.db, self.settings, self.actor, self.holder)
            except Exception:  # the database may be briefly unavailable: try again next tick
                log.exception("background jobs round failed; retrying")
            self._stop.wait(self.tick)


def start(settings: Settings, database: Database) -> Callable[[], None] | None:
    """App-lifespan hook (web.app): starts this worker's job thread; returns how to stop it."""
    if not settings.jobs.in_app:
        return None
    worker = JobWorker(database, settings)
    worker.start()
    return worker.stop
