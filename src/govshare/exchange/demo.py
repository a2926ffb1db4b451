"""Demo exchange: datasets behind the demo catalog's person and legal-person resources, requests in
every state (a few overdue), grants, a revoked one, objections and some calls for the statistics.

Runs after the catalog's demo. The headline scenario of the issue is ready to walk through:
浙江省公安厅 (zj-ga.officer) finds 人社厅's conditional 社会保险参保信息, asks for it, and
人社厅 (zj-rs.officer) has requests waiting with deadline countdowns.
"""

from __future__ import annotations

import csv
import random
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogResource
from govshare.catalog.vocab import ShareType
from govshare.core.audit import Actor
from govshare.core.auth import Principal, Role
from govshare.core.db import utcnow
from govshare.exchange import access_requests, datasets, grants, loading, objections
from govshare.exchange.items import Column, columns_for
from govshare.exchange.models import AccessRequest, GatePolicy, RequestStatus
from govshare.exchange.schemas import ApproveIn, RequestIn
from govshare.orgs.models import Department
from govshare.standards.identifiers import make_citizen_id, make_uscc

ROWS = 400
MAX_DATASETS = 16
KEYS = ("公民身份号码", "统一社会信用代码")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华玉萍红玲芬燕彬斌宇浩凯鹏晨欣怡"
DIVISIONS = ("330102", "330105", "330106", "330203", "330302")
PURPOSES = (("办理户籍迁移时核验参保状态", "户籍窗口受理"), ("最低生活保障资格复核", "低保年审"),
            ("企业开办一件事联办", "一网通办"), ("公积金贷款审批核验", "贷款审核"))


def _person(i: int, rng: random.Random) -> dict[str, Any]:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
    sequence = rng.randrange(1, 999)
    return {"id": make_citizen_id(rng.choice(DIVISIONS), born, sequence), "born": born,
            "gender": "1" if sequence % 2 else "2",
            "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))}


def _value(column: Column, who: dict[str, Any], i: int, rng: random.Random) -> str:
    name = column.item
    fixed = {"公民身份号码": who["id"], "姓名": who["name"], "性别": who["gender"],
             "出生日期": who["born"].strftime("%Y%m%d"), "法定代表人": who["name"],
             "统一社会信用代码": make_uscc("9", "1", rng.choice(DIVISIONS), f"{rng.randrange(10**8):08d}"),
             "机构名称": "浙江" + rng.choice(("之江", "钱塘", "甬江")) + rng.choice(("科技", "贸易")) + "有限公司",
             "住所": f"浙江省杭州市西湖区文三路{rng.randrange(1, 999)}号", "民族": "01"}
    if name in fixed:
        return fixed[name]
    if column.type == "date":
        return (date(2015, 1, 1) + timedelta(days=rng.randrange(3000))).isoformat()
    if column.type == "number":
        return str(rng.randrange(100, 20_000))
    limit = column.length or 20
    return (f"{name[:2]}{i:06d}")[:limit]


def _file(columns: list[Column], rng: random.Random, folder: Path, n: int) -> Path:
    path = folder / f"demo-{n}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.item for c in columns])
        for i in range(ROWS):
            who = _person(i, rng)
            writer.writerow([_value(c, who, i, rng) for c in columns])
    return path


def _candidates(session: Session) -> list[CatalogResource]:
    rows = session.scalars(select(CatalogResource).where(CatalogResource.published_version_id.is_not(None))
                           .order_by(CatalogResource.id)).all()
    keyed = [r for r in rows if any(c.item in KEYS for c in columns_for(r))]
    conditional = [r for r in keyed if r.share_type == ShareType.CONDITIONAL]
    others = [r for r in keyed if r.share_type != ShareType.CONDITIONAL]
    chosen = conditional[:MAX_DATASETS // 2] + others[:MAX_DATASETS // 2]
    headline = next((r for r in keyed if r.name == "社会保险参保信息"), None)
    return ([headline] if headline and headline not in chosen else []) + chosen


def _admin(actor: Actor) -> Principal:
    return Principal(kind="user", name=actor.name, department_id=None, roles=frozenset({Role.PLATFORM_ADMIN}))


def _load(session: Session, actor: Actor, rng: random.Random, resources: list[CatalogResource]) -> None:
    admin = _admin(actor)
    with tempfile.TemporaryDirectory(prefix="govshare-demo-") as folder:
        for n, resource in enumerate(resources):
            columns = columns_for(resource)
            key = next(c.item for c in columns if c.item in KEYS)
            datasets.configure(session, admin, actor, resource.id, datasets.DatasetSettings(
                key_items=[key], gate=GatePolicy.KEY_ERRORS))
            path = _file(columns, rng, Path(folder), n)
            loading.load_in_session(session, admin, actor, loading.LoadRequest(resource.id, path, path.name))


def _as(dept: Department, actor: Actor, *roles: Role) -> tuple[Principal, Actor]:
    principal = Principal(kind="user", name=f"demo:{dept.short_name or dept.name}", department_id=dept.id,
                          roles=frozenset(roles))
    return principal, Actor(name=principal.name, department_id=dept.id)


def _requests(session: Session, actor: Actor, rng: random.Random, resources: list[CatalogResource]) -> None:
    """Requests from other provincial departments in every state; a few overdue."""
    provincial = session.scalars(select(Department).where(Department.division_code == "330000")
                                 .order_by(Department.id)).all()
    fates = ("pending", "approved", "narrowed", "refused", "escalated", "withdrawn", "overdue", "revoked")
    n = 0
    for resource in resources:
        consumers = [d for d in provincial if d.id != resource.provider_id]
        for consumer in rng.sample(consumers, k=min(3, len(consumers))):
            fate = fates[n % len(fates)]
            n += 1
            _one_request(session, actor, rng, resource, consumer, fate)


def _one_request(session: Session, actor: Actor, rng: random.Random, resource: CatalogResource,
                 consumer: Department, fate: str) -> None:
    principal, consumer_actor = _as(consumer, actor, Role.DATA_OFFICER)
    purpose, scenario = rng.choice(PURPOSES)
    items = [c.item for c in columns_for(resource)]
    kind = "coordination" if resource.share_type == ShareType.NOT_SHARED else "access"
    found = access_requests.submit(session, principal, consumer_actor, RequestIn(
        resource_id=resource.id, kind=kind, purpose=purpose, scenario=scenario, items=items,
        legal_basis="《浙江省公共数据条例》第二十七条" if kind == "coordination" else ""))
    if found.status != RequestStatus.PENDING:
        return  # unconditional (granted) or in coordination
    provider = session.get(Department, resource.provider_id)
    officer, officer_actor = _as(provider, actor, Role.DATA_OFFICER)  # type: ignore[arg-type]
    if fate == "overdue":
        _backdate(found, days=rng.randrange(16, 30))
    elif fate in ("approved", "revoked"):
        access_requests.approve(session, officer, officer_actor, found.id, ApproveIn())
        if fate == "revoked":
            grants.revoke(session, officer, officer_actor, found.grant_id, "申请部门业务已调整")  # type: ignore
    elif fate == "narrowed":
        access_requests.approve(session, officer, officer_actor, found.id, ApproveIn(
            items=items[:3], masked_items=items[1:2], note="按最小必要原则，仅提供核验所需信息项"))
    elif fate in ("refused", "escalated"):
        access_requests.refuse(session, officer, officer_actor, found.id, "申请用途与本资源共享条件不符")
        if fate == "escalated":
            access_requests.escalate(session, principal, consumer_actor, found.id, "履行法定职责所必需，请数据局协调")
    elif fate == "withdrawn":
        access_requests.withdraw(session, principal, consumer_actor, found.id)


def _backdate(found: AccessRequest, days: int) -> None:
    found.submitted_at = utcnow() - timedelta(days=days)
    found.due_on = (utcnow() - timedelta(days=days - 14)).date()


def _objections(session: Session, actor: Actor) -> None:
    from govshare.exchange.models import Grant, GrantStatus

    grant = session.scalar(select(Grant).where(Grant.status == GrantStatus.ACTIVE).order_by(Grant.id))
    dataset = datasets.find(session, grant.resource_id) if grant else None
    if grant is None or dataset is None or not dataset.live_version_id:
        return
    consumer = session.get(Department, grant.consumer_id)
    principal, consumer_actor = _as(consumer, actor, Role.DATA_OFFICER)  # type: ignore[arg-type]
    resource = session.get(CatalogResource, grant.resource_id)
    live = datasets.live(session, resource)  # type: ignore[arg-type]
    key = dataset.key_items[0]
    value = session.execute(select(live.table.c[live.column(key).column]).limit(1)).scalar_one()
    item = next(i for i in grant.items if i != key)
    objections.raise_objection(session, principal, consumer_actor, resource.id, {key: value}, item,  # type: ignore
                               "当事人反映该信息与实际情况不符")


def build(session: Session, actor: Actor, rng: random.Random) -> None:
    resources = _candidates(session)
    if not resources:
        return
    _load(session, actor, rng, resources)
    _requests(session, actor, rng, resources)
    access_requests.flag_overdue(session, actor)
    _objections(session, actor)
