"""`govshare exchange …`: load datasets, follow requests and grants, call a node as a business
system, deliver webhooks, flag overdue requests, verify receipts."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from govshare.cli_support import database, operator, operator_principal, unit_of_work
from govshare.core.errors import AppError
from govshare.core.output import FormatOption, emit, fail, to_json
from govshare.exchange.models import LoadMode

exchange_app = typer.Typer(help="Sharing exchange: datasets, requests, grants, data calls. 共享交换。",
                           no_args_is_help=True)


def _resource_id(session, reference: str) -> int:  # type: ignore[no-untyped-def]
    """A resource by id or by code (前段码/后段码)."""
    from govshare.catalog.resources import find_by_code, get_resource

    if reference.isdigit():
        return get_resource(session, operator_principal(), int(reference)).id
    return find_by_code(session, operator_principal(), reference).id


def _with_progress(work):  # type: ignore[no-untyped-def]
    columns = (TextColumn("[bold]loading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("rows", total=None)
        return work(lambda done, total: bar.update(task, completed=done, total=total))


def _run_load(work) -> None:  # type: ignore[no-untyped-def]
    try:
        version = _with_progress(work)
    except AppError as exc:
        fail(f"{exc.message}{f' [{exc.field}]' if exc.field else ''}")
    return version


@exchange_app.command("load")
def load_command(
    resource: str = typer.Argument(..., help="resource id or code"),
    file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="CSV (UTF-8/BOM/GBK/GB18030), XLSX, JSONL, Parquet"),
    mode: LoadMode = typer.Option(LoadMode.REPLACE, help="replace: full; upsert: by key items"),
    key: list[str] = typer.Option(None, "--key", help="key item (repeat for a composite key); saved on the dataset"),
    file_format: str = typer.Option(None, "--file-format", help="override the format guessed from the extension"),
    encoding: str = typer.Option(None, help="override the detected CSV encoding"),
    batch_rows: int = typer.Option(100_000, min=100, help="rows per committed batch"),
    fmt: str = FormatOption,
) -> None:
    """Load a file into a new version of the resource's dataset, behind the quality gate."""
    from govshare.exchange import datasets, loading

    with unit_of_work() as session:
        resource_id = _resource_id(session, resource)
        if key:
            datasets.configure(session, operator_principal(), operator(), resource_id,
                               datasets.DatasetSettings(key_items=list(key)))
    request = loading.LoadRequest(resource_id, file, file.name, mode, file_format, encoding, batch_rows)
    version = _run_load(lambda progress: loading.load(database(), operator_principal(), operator(), request,
                                                      progress))
    _show_version(version, fmt)


def _show_version(version, fmt: str) -> None:  # type: ignore[no-untyped-def]
    from govshare.exchange.datasets import version_out

    out = version_out(version)
    emit({k: v for k, v in out.items() if k != "quality_rules"}, fmt)
    if version.status.value not in ("live",):
        fail(f"load {version.id} {version.status.value}: {version.error}")


@exchange_app.command("loads")
def loads_command(resource: str = typer.Argument(..., help="resource id or code"), fmt: str = FormatOption) -> None:
    """The loads (versions) of a resource's dataset, newest first."""
    from govshare.exchange import datasets

    with unit_of_work() as session:
        rows = datasets.versions(session, operator_principal(), _resource_id(session, resource))
        emit([{k: v for k, v in datasets.version_out(r).items() if k != "quality_rules"} for r in rows], fmt)


@exchange_app.command("resume")
def resume_command(version: int = typer.Argument(...), force: bool = typer.Option(False, help="even if it looks alive"),
                   fmt: str = FormatOption) -> None:
    """Continue a failed or interrupted load after the rows it had committed."""
    from govshare.exchange import loading

    result = _run_load(lambda progress: loading.resume(database(), operator_principal(), operator(), version, force,
                                                       progress))
    _show_version(result, fmt)


@exchange_app.command("retry")
def retry_command(version: int = typer.Argument(...), fmt: str = FormatOption) -> None:
    """Load the kept file of a failed, interrupted or rejected load again, as a new version."""
    from govshare.exchange import loading

    result = _run_load(lambda progress: loading.retry(database(), operator_principal(), operator(), version, progress))
    _show_version(result, fmt)


@exchange_app.command("requests")
def requests_command(status: str = typer.Option(None, help="pending, approved, narrowed, refused, escalated …"),
                     fmt: str = FormatOption) -> None:
    """Access requests, with deadlines and overdue flags."""
    from govshare.exchange import access_requests

    with unit_of_work() as session:
        rows = access_requests.list_requests(session, operator_principal(), "all", status)
        keys = ("id", "kind", "resource_id", "consumer_id", "provider_id", "status", "due_on", "working_days_left",
                "overdue", "grant_id")
        emit([{k: access_requests.request_out(session, r)[k] for k in keys} for r in rows], fmt)


@exchange_app.command("grants")
def grants_command(resource: str = typer.Option(None, help="resource id or code"), fmt: str = FormatOption) -> None:
    """Grants and their state (active, expired, revoked)."""
    from govshare.exchange import grants

    with unit_of_work() as session:
        resource_id = _resource_id(session, resource) if resource else None
        rows = grants.list_grants(session, operator_principal(), "all", resource_id)
        keys = ("id", "resource_id", "consumer_id", "client_id", "items", "operations", "state", "ends_on")
        emit([{k: grants.grant_out(g)[k] for k in keys} for g in rows], fmt)


@exchange_app.command("revoke")
def revoke_command(grant: int = typer.Argument(...), reason: str = typer.Option(..., help="why"),
                   fmt: str = FormatOption) -> None:
    """Revoke a grant; the consumer's next call is refused."""
    from govshare.exchange import grants

    with unit_of_work() as session:
        emit(grants.grant_out(grants.revoke(session, operator_principal(), operator(), grant, reason)), fmt)


@exchange_app.command("overdue")
def overdue_command(fmt: str = FormatOption) -> None:
    """Flag overdue requests and escalate them to the authority (run daily, or let `serve` do it)."""
    _run_job("overdue", fmt)


@exchange_app.command("deliver")
def deliver_command(limit: int = typer.Option(100, min=1), fmt: str = FormatOption) -> None:
    """Send the webhook deliveries that are due (run every minute from a timer, or let `serve` do it)."""
    from govshare.exchange import subscriptions

    # Each delivery is claimed before it is sent: safe alongside the workers inside `serve`.
    emit(subscriptions.deliver_due(database(), operator(), limit), fmt)


def _run_job(name: str, fmt: str) -> None:
    from govshare.core.config import get_settings
    from govshare.exchange import worker

    try:
        result = worker.run_job(database(), get_settings(), name, operator(), worker.holder_name(), force=True)
    except worker.JobFailed as exc:
        fail(str(exc))
    if result is None:
        fail(f"job {name} is running in another worker right now (its lease is held); try again later")
    emit(result, fmt)


@exchange_app.command("jobs")
def jobs_command(fmt: str = FormatOption) -> None:
    """The background jobs: when each last ran, who holds it, its last result or error."""
    from sqlalchemy import select

    from govshare.exchange.models import JobLease

    with unit_of_work() as session:
        rows = session.scalars(select(JobLease).order_by(JobLease.name)).all()
        emit([{"name": j.name, "holder": j.holder, "lease_until": j.lease_until, "last_started_at": j.last_started_at,
               "last_finished_at": j.last_finished_at, "last_result": j.last_result, "last_error": j.last_error}
              for j in rows], fmt)


@exchange_app.command("stats")
def stats_command(by: str = typer.Option("day", help="resource, provider, consumer, client, day, operation"),
                  days: int = typer.Option(30, min=1), fmt: str = FormatOption) -> None:
    """Call statistics."""
    from govshare.exchange import stats

    with unit_of_work() as session:
        emit(stats.summary(session, operator_principal(), by, days), fmt)


@exchange_app.command("call")
def call_command(
    base_url: str = typer.Argument(..., help="the node, e.g. https://share.example.gov.cn"),
    resource: int = typer.Argument(..., help="resource id"),
    operation: str = typer.Argument(..., help="query, verify, download or changes"),
    purpose: str = typer.Option(..., help="用途: what the call serves"),
    body: str = typer.Option("{}", help="JSON: filter/items/limit for query, values for verify"),
    token_env: str = typer.Option("GOVSHARE_TOKEN", help="environment variable holding the API token"),
    receipt: Path = typer.Option(None, help="save the answer's receipt here"),
    output: Path = typer.Option(None, help="save the answer's body here"),
    fmt: str = FormatOption,
) -> None:
    """Call a node's data API as a business system and check the answer's receipt."""
    import os

    import httpx

    from govshare.exchange.remote import call_remote

    token = os.environ.get(token_env)
    if not token:
        fail(f"set {token_env} to the API token")
    try:
        result = call_remote(base_url, resource, operation, purpose, json.loads(body), token)
    except (ValueError, httpx.HTTPError) as exc:
        fail(f"call failed: {exc}")
    if receipt:
        receipt.write_text(result.receipt or "", encoding="utf-8")
    if output:
        output.write_bytes(result.content)
    emit(result.summary(), fmt)
    if not result.ok:
        fail(result.reason)


@exchange_app.command("verify-receipt")
def verify_receipt_command(
    receipt_file: Path = typer.Argument(..., help="the receipt: JSON, or the X-Govshare-Receipt header value"),
    content: Path = typer.Option(None, help="the content the receipt covers, to check its hash too"),
    public_key: str = typer.Option(None, help="the signing node's public key (base64); default: this node's"),
    fmt: str = FormatOption,
) -> None:
    """Check a data answer's receipt (the same check as `govshare node verify-receipt`)."""
    from govshare.orgs.cli import node_verify_receipt

    node_verify_receipt(receipt_file, content, public_key, fmt)


COMMANDS = [("exchange", exchange_app)]

__all__ = ["COMMANDS", "exchange_app", "to_json"]
