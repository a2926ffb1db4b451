"""`govshare opendata …`: feature datasets, set access and de-identification, export DCAT and
Data Packages, see usage. Every change is audited under the console operator."""

from __future__ import annotations

from pathlib import Path

import typer

from govshare.core.output import FormatOption, emit, fail

opendata_app = typer.Typer(help="Open-data portal. 数据开放。", no_args_is_help=True)
export_app = typer.Typer(help="Export DCAT-AP 3 or Data Packages.", no_args_is_help=True)
opendata_app.add_typer(export_app, name="export")
BASE_URL = typer.Option("http://127.0.0.1:8000", "--base-url", help="the portal's public address, for links")


@opendata_app.command("feature")
def feature_command(
    code: str, off: bool = typer.Option(False, "--off", help="stop featuring it"), fmt: str = FormatOption
) -> None:
    """Feature a published resource on the portal's home page."""
    from govshare.cli_support import operator, unit_of_work
    from govshare.opendata import releases

    with unit_of_work() as session:
        release = releases.feature(session, operator(), releases.resource_by_code(session, code), not off)
        emit({"code": code, "featured": release.featured}, fmt)


@opendata_app.command("access")
def access_command(
    code: str, access: str = typer.Argument(..., help="open or registered"), fmt: str = FormatOption
) -> None:
    """Release a resource openly, or only to registered accounts that accepted the agreement."""
    from govshare.cli_support import operator, unit_of_work
    from govshare.opendata import releases
    from govshare.opendata.models import Access

    if access not in {a.value for a in Access}:
        fail("access must be open or registered")
    with unit_of_work() as session:
        release = releases.set_access(session, operator(), releases.resource_by_code(session, code), Access(access))
        emit({"code": code, "access": release.access.value}, fmt)


def _rule(text: str):  # type: ignore[no-untyped-def]
    from govshare.opendata.deidentify import ItemRule
    from govshare.opendata.models import Method

    item, _, spec = text.partition("=")
    method, _, keep = spec.partition(":")
    if not item or method not in {m.value for m in Method}:
        fail(f"{text!r}: expected ITEM=suppress|generalise[:N]|pseudonymise")
    return ItemRule(item, Method(method), int(keep) if keep.isdigit() else None)


@opendata_app.command("deid")
def deid_command(
    code: str,
    rule: list[str] = typer.Option([], "--rule", "-r", help="ITEM=suppress|generalise[:N]|pseudonymise"),
    fmt: str = FormatOption,
) -> None:
    """Set the de-identification of a resource's items (replaces its rules); lists what is still missing."""
    from govshare.cli_support import operator, unit_of_work
    from govshare.opendata import deidentify, releases

    with unit_of_work() as session:
        resource = releases.resource_by_code(session, code)
        if rule:
            deidentify.configure(session, operator(), resource, [_rule(r) for r in rule])
        rules = deidentify.rules_for(session, resource.id)
        emit(
            {
                "code": code,
                "rules": [r.as_dict() for r in rules.values()],
                "missing": deidentify.missing_rules(resource, rules),
            },
            fmt,
        )


@export_app.command("dcat")
def export_dcat(
    output: Path = typer.Option(..., "--output", "-o"),
    serialisation: str = typer.Option("ttl", "--as", help="ttl, jsonld or rdf"),
    base_url: str = BASE_URL,
) -> None:
    """The whole open catalog as DCAT-AP 3 in one file."""
    from sqlalchemy import select

    from govshare.catalog.models import CatalogResource
    from govshare.cli_support import unit_of_work
    from govshare.core.config import get_settings
    from govshare.opendata import dcat, metadata, visibility

    if serialisation not in dcat.SERIALISATIONS:
        fail("--as must be ttl, jsonld or rdf")
    with unit_of_work() as session:
        found = session.scalars(select(CatalogResource).where(visibility.open_clause()).order_by(CatalogResource.code))
        metas = [metadata.build(session, r) for r in found]
        body, _media = dcat.serialise(dcat.catalog_graph(base_url, get_settings().node.name, metas), serialisation)
    output.write_bytes(body)
    typer.echo(f"{len(metas)} datasets → {output}")


@export_app.command("datapackage")
def export_datapackage(
    code: str, output: Path = typer.Option(..., "--output", "-o", help="a folder"), base_url: str = BASE_URL
) -> None:
    """datapackage.json and data.csv of one open dataset (de-identified), ready for `frictionless validate`."""
    from govshare.cli_support import unit_of_work
    from govshare.opendata import datapackage, metadata, visibility

    with unit_of_work() as session:
        meta = metadata.build(session, visibility.get_open(session, code))
        path = datapackage.export(session.get_bind(), meta, base_url, output)  # type: ignore[arg-type]
    typer.echo(str(path))


@opendata_app.command("stats")
def stats_command(days: int = typer.Option(30, min=1, max=366), fmt: str = FormatOption) -> None:
    """Views, downloads and API calls per day, and the most used datasets."""
    from govshare.cli_support import unit_of_work
    from govshare.opendata import usage

    with unit_of_work() as session:
        data = {"daily": usage.daily(session, days), "top": usage.top(session)}
    if fmt == "json":
        emit(data, fmt)
    else:
        emit(data["top"], fmt, title="top datasets")
        emit([d for d in data["daily"] if any(d[k] for k in usage.KINDS)], fmt, title="daily")


COMMANDS = [("opendata", opendata_app)]
