"""The base libraries as catalog resources of the base catalog (基础信息资源目录).

Each library is one published catalog resource owned by its lead department (牵头部门),
shared unconditionally (the catalog's `base_unconditional` cross-check refuses anything else),
whose rows are the exchange dataset behind it, keyed by the library's key items. Nothing here
stores rows: `ensure_libraries` compiles, submits and publishes the entries through the
catalog's own workflow and sets the dataset's key items through the exchange.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.catalog import workflow
from govshare.catalog.models import CatalogResource
from govshare.catalog.schemas import ItemIn, ResourceIn
from govshare.catalog.vocab import CatalogKind, DataType, ResourceFormat, ShareMode, ShareType, UpdateCycle
from govshare.core.audit import Actor
from govshare.core.auth import Principal, Role
from govshare.exchange import datasets
from govshare.orgs.models import Department

S, N, D = DataType.STRING, DataType.NUMBER, DataType.DATE


@dataclass(frozen=True)
class Item:
    name: str
    type: DataType = S
    length: int | None = None
    element: str = ""  # the standards registry's data element (DE0101 …), when there is one


@dataclass(frozen=True)
class Library:
    key: str  # how code refers to it: person, enterprise …
    domain: str  # population | legal_person | spatial | credit
    class_code: str  # 前段码 in the base catalog
    name: str
    lead: str  # a word of the lead department's name
    items: tuple[Item, ...]
    key_items: tuple[str, ...]
    summary: str
    cycle: UpdateCycle = UpdateCycle.DAILY


CITIZEN = Item("公民身份号码", S, 18, "DE0101")
NAME = Item("姓名", S, 50, "DE0102")
LEGAL_ITEMS = (
    Item("统一社会信用代码", S, 18, "DE0201"),
    Item("机构名称", S, 200, "DE0202"),
    Item("机构类型代码", S, 2, "DE0203"),
    Item("法定代表人公民身份号码", S, 18, "DE0101"),
    Item("法定代表人姓名", S, 50, "DE0204"),
    Item("注册资本（万元）", N, 18, "DE0205"),
    Item("住所", S, 200, "DE0107"),
    Item("行政区划代码", S, 6, "DE0106"),
    Item("成立日期", D, 8),
    Item("登记状态", S, 1),
)

LIBRARIES: tuple[Library, ...] = (
    Library(
        "person",
        "population",
        "101001",
        "自然人基础信息库",
        "公安",
        (
            CITIZEN,
            NAME,
            Item("性别代码", S, 1, "DE0103"),
            Item("民族代码", S, 2, "DE0104"),
            Item("出生日期", D, 8, "DE0105"),
            Item("户籍行政区划代码", S, 6, "DE0106"),
            Item("住址", S, 200, "DE0107"),
            Item("人员状态", S, 1),
            Item("户号", S, 11),
            Item("与户主关系代码", S, 2),
        ),
        ("公民身份号码",),
        "自然人（人口）基础信息：公民身份号码、姓名、性别、民族、出生日期、户籍地、住址、"
        "人员状态（1 在世 2 死亡 3 出境）、户号及与户主关系。",
    ),
    Library(
        "social_security",
        "population",
        "101002",
        "社会保险参保基础信息库",
        "人力资源和社会保障",
        (
            CITIZEN,
            NAME,
            Item("参保险种", S, 3),
            Item("参保状态", S, 1),
            Item("参保日期", D, 8),
            Item("参保地行政区划代码", S, 6, "DE0106"),
            Item("单位统一社会信用代码", S, 18),
        ),
        ("公民身份号码",),
        "自然人的社会保险参保信息（110 职工基本养老保险、120 城乡居民养老保险），由人力资源和社会保障部门采集。",
    ),
    Library(
        "marriage",
        "population",
        "101003",
        "婚姻登记基础信息库",
        "民政",
        (
            CITIZEN,
            NAME,
            Item("婚姻状况代码", S, 2),
            Item("配偶公民身份号码", S, 18, "DE0101"),
            Item("配偶姓名", S, 50),
            Item("登记日期", D, 8),
            Item("登记机关行政区划代码", S, 6, "DE0106"),
        ),
        ("公民身份号码",),
        "婚姻登记信息（GB/T 2261.2 婚姻状况代码：20 已婚），由民政部门采集。",
    ),
    Library(
        "education",
        "population",
        "101004",
        "学历教育基础信息库",
        "教育",
        (
            CITIZEN,
            NAME,
            Item("学历代码", S, 2),
            Item("毕业院校", S, 100),
            Item("专业", S, 100),
            Item("毕业日期", D, 8),
            Item("学位证书编号", S, 16),
        ),
        ("公民身份号码",),
        "最高学历信息（GB/T 4658 学历代码），由教育部门采集。",
    ),
    Library(
        "enterprise",
        "legal_person",
        "102001",
        "企业法人基础信息库",
        "市场监督管理",
        LEGAL_ITEMS,
        ("统一社会信用代码",),
        "企业登记基础信息，按统一社会信用代码共享，由市场监督管理部门采集。",
    ),
    Library(
        "social_organisation",
        "legal_person",
        "102001",
        "社会组织法人基础信息库",
        "民政",
        LEGAL_ITEMS,
        ("统一社会信用代码",),
        "社会团体、民办非企业单位和基金会的登记基础信息，由民政部门采集。",
    ),
    Library(
        "institution",
        "legal_person",
        "102001",
        "事业单位法人基础信息库",
        "机构编制",
        LEGAL_ITEMS,
        ("统一社会信用代码",),
        "事业单位登记基础信息，由机构编制部门采集。",
    ),
    Library(
        "division",
        "spatial",
        "103001",
        "行政区划空间地理基础信息库",
        "自然资源",
        (
            Item("行政区划代码", S, 6, "DE0106"),
            Item("区划名称", S, 50),
            Item("区划级别", S, 20),
            Item("上级行政区划代码", S, 6),
            Item("中心点经度", N, 10),
            Item("中心点纬度", N, 10),
            Item("坐标说明", S, 200),
            Item("边界", S, 100_000),
        ),
        ("行政区划代码",),
        "行政区划及其中心点坐标（近似，CGCS2000），边界以 GeoJSON 提供（暂缺时为空）。",
        UpdateCycle.YEARLY,
    ),
    Library(
        "credit",
        "credit",
        "104001",
        "公共信用记录基础信息库",
        "信用",
        (
            Item("记录编号", S, 14),
            Item("主体类别", S, 1),
            Item("主体代码", S, 18),
            Item("主体名称", S, 200),
            Item("记录类别", S, 20),
            Item("记录内容", S, 500),
            Item("认定机关", S, 100),
            Item("决定日期", D, 8),
            Item("有效期至", D, 8),
        ),
        ("记录编号",),
        "自然人和法人的公共信用记录：表彰（守信激励）、行政处罚、失信被执行人名单；主体代码为公民身份号码或统一社会信用代码。",
    ),
)
BY_KEY = {library.key: library for library in LIBRARIES}
# The registering authority (GB 32100 position 1) tells which legal-person library holds a code.
LEGAL_BY_AUTHORITY = {"9": "enterprise", "5": "social_organisation", "1": "institution"}
LEAD_DEPARTMENTS = {
    "公安": "公安厅",
    "人力资源和社会保障": "人力资源和社会保障厅",
    "民政": "民政厅",
    "教育": "教育厅",
    "市场监督管理": "市场监督管理局",
    "机构编制": "机构编制委员会办公室",
    "自然资源": "自然资源厅",
    "信用": "信用中心",
}


# The lead department declares itself the collecting source (采集源头) of the person base items.
SOURCE_ITEMS = ("公民身份号码", "姓名", "性别代码", "民族代码", "出生日期")


def platform_admin(actor: Actor) -> Principal:
    return Principal(kind="user", name=actor.name, department_id=None, roles=frozenset({Role.PLATFORM_ADMIN}))


def lead_department(session: Session, actor: Actor, lead: str, province: str = "330000") -> Department:
    """The provincial department whose name contains `lead`; created when the node lacks it
    (the demo directory has no 机构编制 office, a test world has only a few departments)."""
    found = session.scalars(
        select(Department).where(Department.division_code == province, Department.name.contains(lead))
    ).first()
    if found is not None:
        return found
    from govshare.orgs import departments
    from govshare.orgs.models import DepartmentKind
    from govshare.orgs.schemas import DepartmentIn
    from govshare.standards.divisions import division_name
    from govshare.standards.identifiers import make_uscc

    name = f"{division_name(province) or ''}{LEAD_DEPARTMENTS.get(lead, lead)}"
    if lead == "机构编制":
        name = f"中共{name}"
    number = 900_000 + sum(map(ord, lead)) % 99_999
    return departments.create_department(
        session,
        actor,
        DepartmentIn(
            name=name,
            uscc=make_uscc("1", "1", province, f"00{number:06d}"),
            division_code=province,
            kind=DepartmentKind.GOVERNMENT,
        ),
    )


def entry(library: Library, provider_id: int) -> ResourceIn:
    return ResourceIn(
        catalog=CatalogKind.BASE,
        class_code=library.class_code,
        name=library.name,
        provider_id=provider_id,
        summary=library.summary,
        format=ResourceFormat.DATABASE,
        share_type=ShareType.UNCONDITIONAL,
        share_mode=ShareMode.PLATFORM,
        share_method=ResourceFormat.INTERFACE,
        update_cycle=library.cycle,
        system_name=f"{library.name.removesuffix('库')}管理系统",
        items=[
            ItemIn(
                name=i.name,
                data_type=i.type,
                length=i.length,
                element_code=i.element,
                is_source=library.key == "person" and i.name in SOURCE_ITEMS,
            )
            for i in library.items
        ],
    )


def find_resource(session: Session, provider_id: int, name: str) -> CatalogResource | None:
    return session.scalars(
        select(CatalogResource).where(CatalogResource.provider_id == provider_id, CatalogResource.name == name)
    ).first()


def publish_entry(session: Session, actor: Actor, data: ResourceIn) -> CatalogResource:
    """Compiles, submits and publishes one base entry through the catalog's workflow (so its
    cross-checks, the base-item rule among them, apply exactly as to any department)."""
    admin = platform_admin(actor)
    saved = workflow.create(session, admin, actor, data)
    workflow.submit(session, admin, actor, saved.resource.id)
    return workflow.publish(session, admin, actor, saved.resource.id, "基础信息资源").resource


def ensure_library(session: Session, actor: Actor, library: Library, province: str = "330000") -> CatalogResource:
    provider = lead_department(session, actor, library.lead, province)
    resource = find_resource(session, provider.id, library.name)
    if resource is None:
        resource = publish_entry(session, actor, entry(library, provider.id))
    dataset = datasets.find(session, resource.id)
    if dataset is None or list(dataset.key_items) != list(library.key_items):
        datasets.configure(
            session,
            platform_admin(actor),
            actor,
            resource.id,
            datasets.DatasetSettings(key_items=list(library.key_items)),
        )
    return resource


def ensure_libraries(session: Session, actor: Actor, province: str = "330000") -> dict[str, CatalogResource]:
    return {library.key: ensure_library(session, actor, library, province) for library in LIBRARIES}


def resource_of(session: Session, key: str) -> CatalogResource | None:
    """The published resource of a library (by its name in the base catalog), or None."""
    library = BY_KEY[key]
    return session.scalars(
        select(CatalogResource).where(CatalogResource.name == library.name, CatalogResource.catalog == CatalogKind.BASE)
    ).first()


def resource_id_of(session: Session, key: str) -> int | None:
    """The id alone (no versions loaded): what every data call needs first, kept cheap (a Core
    statement on the session's connection, without the ORM's execution layer)."""
    library = BY_KEY[key]
    return session.connection().execute(
        select(CatalogResource.id).where(
            CatalogResource.name == library.name, CatalogResource.catalog == CatalogKind.BASE
        )
    ).scalar()
