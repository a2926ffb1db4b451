"""A small world most tests start from: the data authority with its three administrators,
and two departments each with a data officer and a consumer."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from govshare.core.audit import Actor
from govshare.core.auth import Role
from govshare.core.db import Database
from govshare.orgs import departments, users
from govshare.orgs.models import Department, DepartmentKind
from govshare.orgs.schemas import DepartmentIn, UserIn
from govshare.standards.identifiers import make_uscc

PASSWORD = "Test@2017share"
SETUP = Actor.system("test-setup")


def organ_uscc(division: str, n: int) -> str:
    return make_uscc("1", "1", division, f"00{n:06d}")


@dataclass
class World:
    authority: Department
    hr: Department  # 人社厅
    police: Department  # 公安厅


def make_department(db: Database, name: str, division: str, n: int) -> Department:
    with db.session() as session:
        return departments.create_department(session, SETUP, DepartmentIn(
            name=name, uscc=organ_uscc(division, n), division_code=division, kind=DepartmentKind.GOVERNMENT))


def make_user(db: Database, username: str, department_id: int, *roles: Role) -> int:
    with db.session() as session:
        return users.create_user(session, SETUP, UserIn(
            username=username, display_name=username, department_id=department_id, password=PASSWORD,
            roles=list(roles))).id


def build_world(db: Database) -> World:
    authority = make_department(db, "浙江省大数据发展管理局", "330000", 1)
    hr = make_department(db, "浙江省人力资源和社会保障厅", "330000", 2)
    police = make_department(db, "浙江省公安厅", "330000", 3)
    make_user(db, "admin", authority.id, Role.PLATFORM_ADMIN)
    make_user(db, "secadmin", authority.id, Role.SECURITY_ADMIN)
    make_user(db, "auditor", authority.id, Role.AUDIT_ADMIN)
    for prefix, dept in (("hr", hr), ("police", police)):
        make_user(db, f"{prefix}.officer", dept.id, Role.DATA_OFFICER)
        make_user(db, f"{prefix}.user", dept.id, Role.CONSUMER)
    return World(authority, hr, police)


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Signs in through the API; returns headers carrying the CSRF token for writes."""
    response = client.post("/api/v1/session", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    page = client.get("/", headers={"accept": "text/html"})
    token = page.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    return {"x-csrf-token": token}
