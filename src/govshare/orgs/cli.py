"""`org`, `user` and `client` commands: the directory from the shell."""

from __future__ import annotations

from pathlib import Path

import typer

from govshare.cli_support import operator, operator_principal, unit_of_work
from govshare.core.auth import Role
from govshare.core.output import FormatOption, emit, fail
from govshare.orgs import clients, departments, divisions, node_keys, users
from govshare.orgs.models import DepartmentKind, DivisionLevel, KeyRetirement
from govshare.orgs.schemas import ClientIn, DepartmentIn, TokenIn, UserIn

org_app = typer.Typer(help="Departments and divisions. 部门与行政区划。", no_args_is_help=True)
user_app = typer.Typer(help="User accounts and roles. 用户与角色。", no_args_is_help=True)
client_app = typer.Typer(help="API clients (business systems) and tokens. 接入应用与令牌。", no_args_is_help=True)


def _dept_row(d) -> dict:  # type: ignore[no-untyped-def]
    return {"id": d.id, "name": d.name, "short_name": d.short_name, "uscc": d.uscc,
            "division_code": d.division_code, "kind": d.kind.value, "active": d.active}


@org_app.command("list")
def org_list(division: str = typer.Option(None, help="division code, e.g. 330100"),
             q: str = typer.Option(None, help="name contains"), fmt: str = FormatOption) -> None:
    """List departments."""
    with unit_of_work() as session:
        rows, _total = departments.list_departments(
            session, division, q, include_inactive=True, limit=100_000
        )
        emit([_dept_row(d) for d in rows], fmt)


@org_app.command("add")
def org_add(name: str, uscc: str = typer.Option(..., help="unified social credit code"),
            division: str = typer.Option(..., help="GB/T 2260 code"),
            kind: DepartmentKind = typer.Option(DepartmentKind.GOVERNMENT),
            short_name: str = typer.Option(None), parent: int = typer.Option(None, help="parent department id"),
            fmt: str = FormatOption) -> None:
    """Create a department; the credit code is checked per GB 32100."""
    with unit_of_work() as session:
        dept = departments.create_department(session, operator(), DepartmentIn(
            name=name, uscc=uscc, division_code=division, kind=kind, short_name=short_name, parent_id=parent))
        emit(_dept_row(dept), fmt)


@org_app.command("show")
def org_show(department: str = typer.Argument(..., help="id, credit code, name or short name"),
             fmt: str = FormatOption) -> None:
    with unit_of_work() as session:
        emit(_dept_row(departments.find_department(session, department)), fmt)


@org_app.command("divisions")
def org_divisions(parent: str = typer.Option(None, help="children of this code"),
                  level: DivisionLevel = typer.Option(None),
                  retired: bool = typer.Option(False, help="include retired"),
                  fmt: str = FormatOption) -> None:
    """List GB/T 2260 divisions."""
    with unit_of_work() as session:
        divisions.ensure_loaded(session, operator())
        rows = divisions.list_divisions(session, parent, level, retired)
        emit([{"code": d.code, "name": d.name, "level": d.level.value, "parent_code": d.parent_code,
               "retired_on": d.retired_on} for d in rows], fmt)


@org_app.command("load-divisions")
def org_load_divisions(fmt: str = FormatOption) -> None:
    """Load the shipped GB/T 2260 release; codes no longer in it are marked retired."""
    with unit_of_work() as session:
        release = divisions.load_reference(session, operator())
        emit({"release": release.id, "source": release.source, "version": release.version,
              "published": release.published, "count": release.count}, fmt)


# --- users ------------------------------------------------------------------------------


def _user_row(u) -> dict:  # type: ignore[no-untyped-def]
    out = users.user_out(u)
    return {"id": out.id, "username": out.username, "display_name": out.display_name,
            "department": out.department_name, "roles": [r.value for r in out.roles],
            "active": out.active, "locked": out.locked}


@user_app.command("list")
def user_list(
    department: str = typer.Option(None, help="department id, code or name"), fmt: str = FormatOption
) -> None:
    with unit_of_work() as session:
        dept_id = departments.find_department(session, department).id if department else None
        rows, _ = users.list_users(session, dept_id, limit=100_000)
        emit([_user_row(u) for u in rows], fmt)


@user_app.command("add")
def user_add(username: str, display_name: str = typer.Option(..., "--name", help="full name"),
             department: str = typer.Option(..., help="department id, code or name"),
             role: list[Role] = typer.Option([], "--role", help="repeat for several roles"),
             password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
             fmt: str = FormatOption) -> None:
    """Create a user. One person never holds two of the three administrator roles."""
    with unit_of_work() as session:
        dept = departments.find_department(session, department)
        user = users.create_user(session, operator(), UserIn(
            username=username, display_name=display_name, department_id=dept.id, password=password, roles=role))
        emit(_user_row(user), fmt)


@user_app.command("roles")
def user_roles(username: str, role: list[Role] = typer.Option([], "--role"), fmt: str = FormatOption) -> None:
    """Replace a user's roles with the ones given."""
    with unit_of_work() as session:
        user = users.set_roles(session, operator(), users.find_user(session, username).id, role)
        emit(_user_row(user), fmt)


@user_app.command("unlock")
def user_unlock(username: str, fmt: str = FormatOption) -> None:
    with unit_of_work() as session:
        emit(_user_row(users.unlock(session, operator(), users.find_user(session, username).id)), fmt)


@user_app.command("disable")
def user_disable(username: str, fmt: str = FormatOption) -> None:
    with unit_of_work() as session:
        emit(_user_row(users.set_active(session, operator(), users.find_user(session, username).id, False)), fmt)


@user_app.command("enable")
def user_enable(username: str, fmt: str = FormatOption) -> None:
    with unit_of_work() as session:
        emit(_user_row(users.set_active(session, operator(), users.find_user(session, username).id, True)), fmt)


@user_app.command("reset-2fa")
def user_reset_second_factor(username: str, fmt: str = FormatOption) -> None:
    """Clear an administrator's authenticator enrolment (a lost phone); they enrol again."""
    from govshare.orgs import second_factor

    with unit_of_work() as session:
        user = users.find_user(session, username)
        second_factor.reset(session, operator(), user)
        emit(_user_row(user), fmt)


@user_app.command("passwd")
def user_passwd(username: str,
                password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True)) -> None:
    """Set a new password (checked for complexity)."""
    with unit_of_work() as session:
        users.set_password(session, operator(), users.find_user(session, username).id, password)
    typer.echo("password changed")


# --- clients ----------------------------------------------------------------------------


@client_app.command("list")
def client_list(fmt: str = FormatOption) -> None:
    with unit_of_work() as session:
        found = clients.list_clients(session, operator_principal())
        rows = [clients.client_out(c).model_dump(mode="json") for c in found]
        emit(rows if fmt == "json" else [
            {"id": r["id"], "name": r["name"], "department": r["department_name"], "active": r["active"],
             "active_tokens": sum(t["state"] == "active" for t in r["tokens"])} for r in rows], fmt)


@client_app.command("add")
def client_add(name: str, department: str = typer.Option(..., help="department id, code or name"),
               description: str = typer.Option(""), fmt: str = FormatOption) -> None:
    """Register a department's business system."""
    with unit_of_work() as session:
        dept = departments.find_department(session, department)
        client = clients.register_client(session, operator_principal(), operator(),
                                         ClientIn(name=name, description=description, department_id=dept.id))
        emit({"id": client.id, "name": client.name, "department": dept.name}, fmt)


@client_app.command("token")
def client_token(client_id: int, scope: list[str] = typer.Option(..., "--scope"),
                 days: int = typer.Option(90), label: str = typer.Option(""), fmt: str = FormatOption) -> None:
    """Issue a token. It is printed once; only its hash is kept."""
    with unit_of_work() as session:
        token, row = clients.issue_token(session, operator_principal(), operator(), client_id,
                                         TokenIn(scopes=scope, days=days, label=label))
        emit({"token": token, "id": row.id, "scopes": row.scopes, "expires_at": row.expires_at}, fmt)


@client_app.command("revoke")
def client_revoke(token_id: int, fmt: str = FormatOption) -> None:
    """Revoke a token; the next call with it is refused."""
    with unit_of_work() as session:
        row = clients.revoke_token(session, operator_principal(), operator(), token_id)
        emit({"id": row.id, "revoked_at": row.revoked_at}, fmt)


# --- this node ---------------------------------------------------------------------------

node_app = typer.Typer(help="This node's identity and signing key. 本节点与签名密钥。", no_args_is_help=True)


@node_app.command("key")
def node_key(fmt: str = FormatOption) -> None:
    """Show the node's public signing key (created on first use)."""
    from govshare.core.signing import public_key_info

    emit(public_key_info(), fmt)


@node_app.command("verify-receipt")
def node_verify_receipt(
    receipt_file: Path = typer.Argument(..., help="the receipt: JSON, or the X-Govshare-Receipt header value"),
    content: Path = typer.Option(None, help="the content the receipt covers, to check its hash too"),
    public_key: str = typer.Option(None, help="the signing node's public key (base64); default: this node's key "
                                   "named by the receipt's key id, from its key history"),
    fmt: str = FormatOption,
) -> None:
    """Check a signed receipt; exit 1 with the reason when it does not hold."""
    import base64
    import binascii
    import json

    from govshare.core.signing import Receipt, verify_receipt

    if not receipt_file.exists():
        fail(f"{receipt_file}: no such file")
    text = receipt_file.read_text(encoding="utf-8").strip()
    try:
        receipt = Receipt(**json.loads(text)) if text.startswith("{") else Receipt.from_header(text)
        key = base64.b64decode(public_key) if public_key else None
    except (ValueError, TypeError, binascii.Error) as exc:
        fail(f"{receipt_file}: not a govshare receipt ({exc})")
    body = content.read_bytes() if content else None
    if key is not None:
        check = verify_receipt(receipt, key, body)
    else:
        with unit_of_work() as session:
            check = node_keys.check_receipt(session, receipt, body)
    emit({**check.as_dict(), "request_id": receipt.request_id, "resource": receipt.resource,
          "issued_at": receipt.issued_at, "node": receipt.node, "key_id": receipt.key_id}, fmt)
    if not check.ok:
        fail(check.reason)


# --- the node's key history ------------------------------------------------------------------

keys_app = typer.Typer(help="The node's signing keys: history and rotation. 节点签名密钥。", no_args_is_help=True)


@keys_app.command("list")
def keys_list(fmt: str = FormatOption) -> None:
    """Every signing key the node has used: suite, validity, why it was retired."""
    with unit_of_work() as session:
        emit([node_keys.key_out(row) for row in node_keys.history(session, operator())], fmt)


@keys_app.command("rotate")
def keys_rotate(
    reason: KeyRetirement = typer.Option(KeyRetirement.ROTATED, help="rotated (on schedule) or compromised (leaked: "
                                         "what the old key signed stops verifying)"),
    note: str = typer.Option("", help="a note kept with the retired key"),
    fmt: str = FormatOption,
) -> None:
    """Replace the key of the suite in use with a new one; the old one keeps verifying what it signed."""
    with unit_of_work() as session:
        row = node_keys.rotate(session, operator(), reason, note)
        emit(node_keys.key_out(row), fmt)


COMMANDS = [("org", org_app), ("user", user_app), ("client", client_app), ("node", node_app), ("keys", keys_app)]
