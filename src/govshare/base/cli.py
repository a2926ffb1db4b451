"""`govshare base …` (libraries: catalog, generate, load, export files) and `govshare cert …`
(certificate types, issue, verify, revoke, render)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from govshare.cli_support import database, operator, operator_principal, unit_of_work
from govshare.core.errors import AppError
from govshare.core.output import FormatOption, emit, err_console, fail

base_app = typer.Typer(
    help="Base libraries: population, legal persons, spatial, credit. 基础信息库。", no_args_is_help=True
)
cert_app = typer.Typer(help="Electronic certificates: issue, verify, revoke. 电子证照。", no_args_is_help=True)
COMMANDS = [("base", base_app), ("cert", cert_app)]

SCALES = ("tiny", "small", "medium", "large")


def progress_bar():  # type: ignore[no-untyped-def]
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,  # stdout stays clean for --format json
        transient=True,
    )


def stepper(bar):  # type: ignore[no-untyped-def]
    """A build step callback that keeps one bar per step."""
    tasks: dict[str, int] = {}

    def step(name: str, done: int, total: int) -> None:
        if name not in tasks:
            tasks[name] = bar.add_task(name, total=total)
        bar.update(tasks[name], completed=done, total=max(total, done))

    return step


def _guard(work):  # type: ignore[no-untyped-def]
    try:
        return work()
    except AppError as exc:
        fail(f"{exc.message}{f' [{exc.field}]' if exc.field else ''}")
    except ValueError as exc:
        fail(str(exc))


@base_app.command("boundaries")
def boundaries_command(
    geojson: Path = typer.Argument(..., help="GeoJSON FeatureCollection, one feature per division"),
    source: str = typer.Option(..., help="where the boundaries come from (who published them)"),
    licence: str = typer.Option(..., help="the licence under which this node may share them"),
    date: str = typer.Option(..., help="publication or retrieval date, YYYY-MM-DD"),
    province: str = typer.Option("330000", help="province division code"),
    fmt: str = FormatOption,
) -> None:
    """Load division boundaries into the spatial library (a new version), recording their source."""
    import datetime as dt

    from govshare.base import boundaries

    try:
        dt.date.fromisoformat(date)
    except ValueError:
        fail(f"--date {date!r}: expected YYYY-MM-DD")
    if not geojson.exists():
        fail(f"{geojson}: no such file")
    provenance = boundaries.Provenance(source.strip(), licence.strip(), date)
    version = _guard(lambda: boundaries.load(database(), operator(), geojson, provenance, province))
    emit({"version": version.number, "status": version.status.value, "rows": version.rows_live}, fmt)


@base_app.command("init")
def init_command(
    province: str = typer.Option("330000", help="province division code"), fmt: str = FormatOption
) -> None:
    """Catalog the base libraries and certificate types (idempotent)."""
    from govshare.base.build import prepare
    from govshare.base.libraries import LIBRARIES, resource_of

    _guard(lambda: prepare(database(), operator(), province))
    with unit_of_work() as session:
        emit(
            [
                {"library": lib.key, "name": lib.name, "code": (r := resource_of(session, lib.key)) and r.code}
                for lib in LIBRARIES
            ],
            fmt,
        )


@base_app.command("generate")
def generate_command(
    scale: str = typer.Option("small", help=f"one of {', '.join(SCALES)}; large = 1,000,000 persons"),
    seed: int = typer.Option(2017, help="the same seed makes the same province"),
    province: str = typer.Option("330000"),
    out: Path = typer.Option(None, help="write the frames as files here instead of loading them"),
    file_format: str = typer.Option("parquet", "--file-format", help="parquet or csv (with --out)"),
    fmt: str = FormatOption,
) -> None:
    """Generate the province's base data; load it through the exchange (or write files)."""
    from govshare.base.build import build_province
    from govshare.base.generator import Scale, generate, write_files

    chosen = _guard(lambda: Scale.of(scale))
    if out is not None:
        if file_format not in ("parquet", "csv"):
            fail("--file-format must be parquet or csv")
        emit(write_files(generate(chosen, seed, province), str(out), file_format), fmt)
        return
    with progress_bar() as bar:
        summary = _guard(lambda: build_province(database(), operator(), chosen, seed, province, stepper(bar)))
    emit(
        {
            "scale": summary.scale,
            "rows": summary.rows,
            "certificates": summary.certificates,
            "seconds": summary.seconds,
        },
        fmt,
    )


@base_app.command("load")
def load_command(
    library: str = typer.Argument(..., help="person, social_security, marriage, education, legal_persons, credit"),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV, XLSX or Parquet"),
    fmt: str = FormatOption,
) -> None:
    """Load a lead department's file; any bad row refuses the whole file (rows listed)."""
    from govshare.base import credit, legal_persons, loading, population
    from govshare.exchange.datasets import version_out

    def work():  # type: ignore[no-untyped-def]
        frame = loading.read_table(file)
        db, actor = database(), operator()
        if library == "person":
            return [population.load_persons(db, actor, frame)]
        if library in population.LINKED:
            return [population.load_linked(db, actor, library, frame)]
        if library == "legal_persons":
            return list(legal_persons.load_legal_persons(db, actor, frame).values())
        if library == "credit":
            return [credit.load_credit(db, actor, frame)]
        raise ValueError(f"unknown library {library!r}")

    try:
        versions = work()
    except AppError as exc:
        if fmt == "json" and isinstance(exc.details, dict):
            typer.echo(json.dumps({"error": exc.message, "details": exc.details}, ensure_ascii=False), err=True)
        fail(f"{exc.message}{f' [{exc.field}]' if exc.field else ''}")
    except ValueError as exc:
        fail(str(exc))
    out = [{k: v for k, v in version_out(v).items() if k != "quality_rules"} for v in versions]
    emit(out, fmt)
    bad = [v for v in versions if v.status.value != "live"]
    if bad:
        fail(f"load {bad[0].id} {bad[0].status.value}: {bad[0].error}")


@cert_app.command("types")
def types_command(fmt: str = FormatOption) -> None:
    from govshare.base import certificates

    with unit_of_work() as session:
        emit(
            [
                {
                    "code": t.code,
                    "name": t.name,
                    "issuer_id": t.issuer_id,
                    "holder": t.holder_kind,
                    "items": ", ".join(i["name"] for i in t.items),
                }
                for t in certificates.list_types(session)
            ],
            fmt,
        )


@cert_app.command("issue")
def issue_command(
    type_code: str = typer.Argument(..., help="certificate type code, e.g. 0101"),
    holder_code: str = typer.Argument(..., help="ID number or credit code"),
    holder_name: str = typer.Argument(...),
    data: str = typer.Option(..., help="the items as JSON"),
    grade: str = typer.Option("A", help="trust grade A-D"),
    fmt: str = FormatOption,
) -> None:
    """Issue and sign a certificate (as the node operator)."""
    from govshare.base import certificates

    try:
        items = json.loads(data)
    except ValueError:
        fail("--data must be a JSON object")
    with unit_of_work() as session:
        cert = certificates.issue(
            session,
            operator_principal(),
            operator(),
            certificates.IssueRequest(type_code, holder_code, holder_name, items, grade),
        )
        emit({"identifier": cert.identifier, "suite": cert.suite, "signature": cert.signature}, fmt)


@cert_app.command("verify")
def verify_command(identifier: str, fmt: str = FormatOption) -> None:
    """Verify a certificate by identifier; exits non-zero unless it is valid."""
    from govshare.base import certificates

    with unit_of_work() as session:
        result = certificates.verify(session, identifier)
        emit(result.out("zh" if fmt == "text" else "en"), fmt)
    if not result.ok:
        fail(f"{result.status}: {'; '.join(en for en, _ in result.reasons)}")


@cert_app.command("revoke")
def revoke_command(identifier: str, reason: str = typer.Option(..., help="why"), fmt: str = FormatOption) -> None:
    from govshare.base import certificates

    with unit_of_work() as session:
        cert = certificates.revoke(session, operator_principal(), operator(), identifier, reason)
        emit({"identifier": cert.identifier, "status": cert.status}, fmt)


@cert_app.command("render")
def render_command(
    identifier: str, out: Path = typer.Argument(..., help="file to write (.pdf, .ofd or .html)")
) -> None:
    """Write the rendered copy (PDF, OFD or HTML, with the QR code of the identifier)."""
    from govshare.base import certificates, copies
    from govshare.base.models import CertificateType

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in copies.MEDIA_TYPES:
        fail(f"{out}: the file name must end in .pdf, .ofd or .html")
    with unit_of_work() as session:
        cert = certificates.find(session, identifier)
        if cert is None:
            fail(f"certificate {identifier} does not exist")
        content, _media = copies.render(cert, session.get(CertificateType, cert.type_id), session, fmt)  # type: ignore[arg-type]
        out.write_bytes(content)
    typer.echo(str(out))
