"""The `govshare` command. One sub-command group per capability; every command that prints
data takes --format json, and failures exit non-zero with a one-line reason."""

from __future__ import annotations

import os

import typer

from govshare.capabilities import collect
from govshare.cli_support import database, operator, unit_of_work
from govshare.core.config import get_settings, reset_settings_cache
from govshare.core.output import FormatOption, emit, err_console, fail
from govshare.standards.cli import id_app

app = typer.Typer(
    help="govshare: 政务信息系统整合共享平台 — catalog, share, open and audit government data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Effective settings. 配置。", no_args_is_help=True)
db_app = typer.Typer(help="Database schema. 数据库。", no_args_is_help=True)

app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(id_app, name="id")
for commands in collect("cli", "COMMANDS"):
    for name, group in commands:
        app.add_typer(group, name=name)


@config_app.command("show")
def config_show(fmt: str = FormatOption) -> None:
    """Print the effective settings; secrets and passwords are hidden."""
    emit(get_settings().public_view(), fmt)


@db_app.command("upgrade")
def db_upgrade(fmt: str = FormatOption) -> None:
    """Apply every pending migration."""
    from govshare.core import migrate

    db = database()
    emit({"backend": db.backend, "revision": migrate.current_revision(db.engine)}, fmt)


@db_app.command("current")
def db_current(fmt: str = FormatOption) -> None:
    from govshare.core import migrate
    from govshare.core.db import get_database

    db = get_database()
    emit({"backend": db.backend, "revision": migrate.current_revision(db.engine)}, fmt)


@app.command()
def init(
    authority: str = typer.Option("省大数据发展管理局", help="name of the data authority running this node"),
    uscc: str = typer.Option(..., prompt="统一社会信用代码 / credit code",
                             help="the authority's unified social credit code (GB 32100)"),
    fmt: str = FormatOption,
) -> None:
    """Create the database, load divisions, and create the three separate administrators.
    Their passwords are printed once."""
    from govshare.orgs.bootstrap import initialize_node

    with unit_of_work() as session:
        dept, creds = initialize_node(session, operator(), authority, uscc)
        emit([{"username": c.username, "password": c.password, "role": c.role.value,
               "department": dept.name} for c in creds], fmt)


@app.command()
def serve(host: str = typer.Option(None), port: int = typer.Option(None)) -> None:
    """Run the web application (migrations are applied first)."""
    import uvicorn

    from govshare.web.app import create_app

    settings = get_settings()
    database()
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port,
                proxy_headers=True, log_level="info")


@app.command()
def demo(
    no_serve: bool = typer.Option(False, "--no-serve", help="build the demo data and stop"),
    port: int = typer.Option(None),
    host: str = typer.Option(None),
    seed: int = typer.Option(2017, help="random seed: the same seed builds the same province"),
    scale: str = typer.Option("small", help="base data: small (5,000 persons), medium (100,000), "
                              "large (1,000,000 persons, 100,000 legal persons)"),
    fmt: str = FormatOption,
) -> None:
    """Build a realistic demo province (once), print the log-ins, and serve it."""
    if scale not in ("tiny", "small", "medium", "large"):
        fail(f"--scale must be small, medium or large, not {scale!r}")
    from govshare.demo.generator import DEMO_PASSWORD, build_demo

    if "GOVSHARE_POLICY__ADMIN_TWO_FACTOR" not in os.environ:
        # A demo is tried by people without an authenticator app at hand; a real node keeps
        # the administrators' second factor on (the default).
        os.environ["GOVSHARE_POLICY__ADMIN_TWO_FACTOR"] = "false"
        reset_settings_cache()
        err_console.print("demo: administrators' two-step verification is off "
                          "(GOVSHARE_POLICY__ADMIN_TWO_FACTOR=true turns it on)")
    if "GOVSHARE_POLICY__OUTBOUND__ALLOWED_NETWORKS" not in os.environ:
        # Lets a demo's webhooks and interface endpoints point at a receiver on this machine; a
        # real node allows loopback only if it lists it (docs/operations.md, outbound policy).
        os.environ["GOVSHARE_POLICY__OUTBOUND__ALLOWED_NETWORKS"] = '["127.0.0.0/8", "::1/128"]'
        reset_settings_cache()
        err_console.print("demo: webhooks and interface endpoints may target loopback (127.0.0.0/8, ::1)")
    with unit_of_work() as session:
        summary = build_demo(session, operator(), seed=seed, scale=scale)
    emit(summary.logins, fmt, title=f"demo log-ins (password {DEMO_PASSWORD})")
    if fmt != "json":
        typer.echo(f"{summary.departments} departments, {summary.users} users, {summary.clients} clients")
    if not no_serve:
        serve(host, port)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        fail("interrupted", code=130)


if __name__ == "__main__":
    main()
