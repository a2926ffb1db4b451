"""A realistic, reproducible demo province.

One province (浙江省, 330000) with three cities (杭州 330100, 宁波 330200, 温州 330300):
the provincial data authority and the departments that hold the plan's key domains, the same
core departments in each city, users for every role, and each department's business
systems as API clients. Credit codes are valid GB 32100 codes of government organs
(registering authority 1 机构编制, type 1 机关 or 2 事业单位) with valid GB 11714 organisation codes.

The same seed always builds the same province. Each capability adds its own data through a
`govshare.<capability>.demo.build(session, actor, rng)` function, called after the directory.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.capabilities import collect
from govshare.core.audit import Actor
from govshare.core.auth import Role
from govshare.orgs import clients, departments, divisions, users
from govshare.orgs.bootstrap import ADMIN_ACCOUNTS
from govshare.orgs.models import Department, DepartmentKind, User
from govshare.orgs.schemas import ClientIn, DepartmentIn, DepartmentUpdate, UserIn
from govshare.standards.identifiers import make_uscc

DEMO_PASSWORD = "Demo@2017share"
PROVINCE = ("330000", "浙江省", "zj")
CITIES = (("330100", "杭州市", "hz"), ("330200", "宁波市", "nb"), ("330300", "温州市", "wz"))

# (name at province level, name at city level or None, short name, login code, kind, systems)
DEPARTMENTS: tuple[tuple[str, str | None, str, str, DepartmentKind, tuple[str, ...]], ...] = (
    ("浙江省大数据发展管理局", "{city}数据资源管理局", "数据局", "dsj", DepartmentKind.GOVERNMENT,
     ("政务数据共享交换平台", "一体化在线政务服务平台")),
    ("浙江省发展和改革委员会", "{city}发展和改革委员会", "发改委", "fgw", DepartmentKind.GOVERNMENT,
     ("投资项目在线审批监管平台", "价格监测系统")),
    ("浙江省公安厅", "{city}公安局", "公安", "ga", DepartmentKind.GOVERNMENT,
     ("人口信息管理系统", "交通管理综合应用平台")),
    ("浙江省民政厅", "{city}民政局", "民政", "mz", DepartmentKind.GOVERNMENT,
     ("婚姻登记信息系统", "社会组织管理信息系统")),
    ("浙江省人力资源和社会保障厅", "{city}人力资源和社会保障局", "人社", "rs", DepartmentKind.GOVERNMENT,
     ("社会保险信息系统", "就业创业服务平台")),
    ("浙江省市场监督管理局", "{city}市场监督管理局", "市监", "sj", DepartmentKind.GOVERNMENT,
     ("企业登记注册系统", "国家企业信用信息公示系统（浙江）")),
    ("浙江省教育厅", "{city}教育局", "教育", "jy", DepartmentKind.GOVERNMENT, ("学籍管理系统",)),
    ("浙江省自然资源厅", "{city}自然资源和规划局", "自然资源", "zr", DepartmentKind.GOVERNMENT,
     ("不动产登记信息平台", "国土空间基础信息平台")),
    ("浙江省交通运输厅", None, "交通", "jt", DepartmentKind.GOVERNMENT, ("道路运输管理系统",)),
    ("浙江省文化和旅游厅", None, "文旅", "wl", DepartmentKind.GOVERNMENT, ("旅游监测服务平台",)),
    ("浙江省卫生健康委员会", "{city}卫生健康委员会", "卫健", "wj", DepartmentKind.GOVERNMENT,
     ("全民健康信息平台",)),
    ("浙江省能源局", None, "能源", "ny", DepartmentKind.GOVERNMENT, ("能源运行监测系统",)),
    ("浙江省公共资源交易中心", "{city}公共资源交易中心", "公共资源交易", "gzy", DepartmentKind.INSTITUTION,
     ("公共资源交易平台",)),
    ("浙江省信用中心", None, "信用", "xy", DepartmentKind.INSTITUTION, ("信用浙江平台",)),
    ("浙江省住房公积金监管中心", "{city}住房公积金管理中心", "公积金", "gjj", DepartmentKind.INSTITUTION,
     ("住房公积金业务系统",)),
    ("浙江省税务局", None, "税务", "sw", DepartmentKind.GOVERNMENT, ("电子税务局",)),
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯鹏晨欣怡佳琪梓涵子轩浩然"
    "雨桐思远嘉怡俊杰志强建国海燕晓东丹丹文博立新春梅"
)


@dataclass
class DemoSummary:
    departments: int = 0
    users: int = 0
    clients: int = 0
    logins: list[dict[str, Any]] = field(default_factory=list)


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


# GB 32100 organisation type under registering authority 1 (机构编制): 1 机关, 2 事业单位.
ORG_TYPE = {DepartmentKind.GOVERNMENT: "1", DepartmentKind.INSTITUTION: "2"}


def _organ_uscc(rng: random.Random, division_code: str, kind: DepartmentKind) -> str:
    # Organisation codes of organs and institutions (GB 11714) are mostly digits: 00 + six.
    return make_uscc("1", ORG_TYPE[kind], division_code, f"00{rng.randrange(10**6):06d}")


def _units() -> list[tuple[str, str, str, str, DepartmentKind, tuple[str, ...]]]:
    """(name, short name, division, login prefix, kind, systems) for every demo department."""
    units = []
    for name, city_name, short, code, kind, systems in DEPARTMENTS:
        units.append((name, "省" + short, PROVINCE[0], f"{PROVINCE[2]}-{code}", kind, systems))
        if city_name:
            for division, city, city_code in CITIES:
                units.append((city_name.format(city=city), city[:2] + short, division,
                              f"{city_code}-{code}", kind, systems[:1]))
    return units


def build_demo(session: Session, actor: Actor, seed: int = 2017) -> DemoSummary:
    """Builds the demo province once; a second call only reports the log-ins."""
    rng = random.Random(seed)
    divisions.ensure_loaded(session, actor)
    summary = DemoSummary()
    if session.scalar(select(User.id).where(User.username == "admin")) is None:
        _build(session, actor, rng)
        # Each capability adds its own demo data (its demo.build), in capability order.
        for build in collect("demo", "build"):
            build(session, actor, random.Random(seed))
    summary.departments = len(session.scalars(select(Department.id)).all())
    summary.users = len(session.scalars(select(User.id)).all())
    summary.clients = len(clients.list_clients(session, _platform_principal()))
    summary.logins = [
        {"username": u, "role": r.value, "department": "浙江省大数据发展管理局"} for u, _n, r in ADMIN_ACCOUNTS
    ] + [
        {"username": f"zj-{code}.{suffix}", "role": role, "department": dept}
        for code, dept in (("rs", "浙江省人力资源和社会保障厅"), ("ga", "浙江省公安厅"))
        for suffix, role in (("officer", "data_officer"), ("reviewer", "reviewer"), ("user", "consumer"))
    ]
    return summary


def _platform_principal():  # type: ignore[no-untyped-def]
    from govshare.cli_support import operator_principal

    return operator_principal()


def _build(session: Session, actor: Actor, rng: random.Random) -> None:
    authority_id: int | None = None
    provincial: dict[str, int] = {}
    for name, short, division, login, kind, systems in _units():
        parent_id = provincial.get(login.split("-", 1)[1]) if division != PROVINCE[0] else None
        dept = departments.create_department(session, actor, DepartmentIn(
            name=name, short_name=short, uscc=_organ_uscc(rng, division, kind), division_code=division,
            kind=kind, parent_id=parent_id))
        if division == PROVINCE[0]:
            provincial[login.split("-", 1)[1]] = dept.id
        authority_id = authority_id or dept.id
        _staff(session, actor, rng, dept, login)
        for system in systems:
            clients.register_client(session, _platform_principal(), actor, ClientIn(
                name=system, description=f"{name}的{system}", department_id=dept.id))
    assert authority_id is not None
    for username, display_name, role in ADMIN_ACCOUNTS:
        users.create_user(session, actor, UserIn(username=username, display_name=display_name,
                                                 department_id=authority_id, password=DEMO_PASSWORD,
                                                 roles=[role]))


def _staff(session: Session, actor: Actor, rng: random.Random, dept: Department, login: str) -> None:
    ids = {}
    for suffix, role in (("officer", Role.DATA_OFFICER), ("reviewer", Role.REVIEWER), ("user", Role.CONSUMER)):
        user = users.create_user(session, actor, UserIn(
            username=f"{login}.{suffix}", display_name=_person_name(rng), department_id=dept.id,
            password=DEMO_PASSWORD, roles=[role]))
        ids[role] = user.id
    departments.update_department(session, actor, dept.id, DepartmentUpdate(
        data_officer_id=ids[Role.DATA_OFFICER], reviewer_id=ids[Role.REVIEWER]))
