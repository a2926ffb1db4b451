"""The demo province's catalog: a few hundred resources across the base, theme and department
catalogs, for the key domains of the plan (credit, public-resource trading, investment, prices,
natural persons with social security, civil affairs and education, legal persons, energy,
spatial geography, transport, tourism), compiled, reviewed and published through the real
workflow; a few entries are left waiting for review, returned or in draft."""

from __future__ import annotations

import random
import zlib
from datetime import timedelta

from sqlalchemy.orm import Session

from govshare.catalog import workflow
from govshare.catalog.elements import find_element
from govshare.catalog.schemas import ItemIn, ResourceIn
from govshare.catalog.vocab import (
    CatalogKind,
    DataType,
    Network,
    ResourceFormat,
    ShareMode,
    ShareType,
    UpdateCycle,
)
from govshare.core.audit import Actor
from govshare.core.auth import Principal, Role
from govshare.core.db import utcnow
from govshare.orgs.departments import list_departments
from govshare.orgs.models import Department

PERSON = ("公民身份号码", "姓名", "性别", "出生日期")
LEGAL = ("统一社会信用代码", "机构名称", "法定代表人", "住所")

# department keyword → (theme class, base items, [(resource name, extra items)])
DOMAINS: dict[str, tuple[str, tuple[str, ...], list[tuple[str, tuple[str, ...]]]]] = {
    "人力资源和社会保障": (
        "203",
        PERSON,
        [
            ("社会保险参保信息", ("参保险种", "参保状态", "参保日期")),
            ("养老保险缴费信息", ("缴费基数", "缴费月份", "缴费金额")),
            ("失业保险金领取信息", ("领取月份", "领取金额")),
            ("就业登记信息", ("就业单位", "就业日期")),
            ("职业资格证书信息", ("证书编号", "职业名称", "等级")),
            ("工伤认定信息", ("认定结论", "认定日期")),
            ("社会保障卡信息", ("社会保障卡号", "发卡日期")),
            ("医疗保险待遇享受信息", ("待遇类别", "结算金额")),
            ("劳动保障监察信息", ("案件编号", "处理结果")),
            ("技能人才评价信息", ("评价等级", "证书编号")),
        ],
    ),
    "公安": (
        "201",
        PERSON,
        [
            ("户籍人口信息", ("户籍地址", "户号")),
            ("居民身份证信息", ("签发机关", "有效期限")),
            ("机动车驾驶证信息", ("准驾车型", "初次领证日期")),
            ("机动车登记信息", ("号牌号码", "车辆类型")),
            ("出入境证件信息", ("证件号码", "签发日期")),
            ("流动人口居住登记信息", ("居住地址", "登记日期")),
            ("无犯罪记录证明信息", ("证明编号", "开具日期")),
            ("交通违法处理信息", ("违法行为", "处理日期")),
        ],
    ),
    "民政": (
        "203",
        PERSON,
        [
            ("婚姻登记信息", ("登记类别", "登记日期")),
            ("最低生活保障对象信息", ("保障金额", "保障起始日期")),
            ("社会组织登记信息", ("社会组织名称", "登记管理机关")),
            ("殡葬服务信息", ("火化日期",)),
            ("养老服务机构信息", ("机构地址", "床位数")),
            ("残疾人两项补贴信息", ("补贴类别", "补贴金额")),
            ("特困人员救助供养信息", ("供养方式", "供养金额")),
            ("地名信息", ("地名", "地名类别")),
        ],
    ),
    "教育": (
        "217",
        PERSON,
        [
            ("中小学学籍信息", ("学校名称", "年级", "学籍号")),
            ("高校毕业生信息", ("毕业院校", "专业", "毕业日期")),
            ("学校基本信息", ("学校名称", "办学类型")),
            ("教师资格证信息", ("资格种类", "证书编号")),
            ("学生资助信息", ("资助项目", "资助金额")),
            ("中考成绩信息", ("准考证号", "总分")),
            ("校外培训机构信息", ("机构名称", "办学许可证号")),
        ],
    ),
    "市场监督管理": (
        "208",
        LEGAL,
        [
            ("企业登记注册信息", ("注册资本", "成立日期", "经营范围")),
            ("个体工商户登记信息", ("经营者", "经营场所")),
            ("行政处罚信息", ("处罚决定书文号", "处罚内容")),
            ("经营异常名录信息", ("列入原因", "列入日期")),
            ("食品经营许可信息", ("许可证编号", "有效期至")),
            ("特种设备登记信息", ("设备类别", "使用登记证编号")),
            ("双随机抽查结果信息", ("抽查事项", "检查结果")),
            ("计量器具检定信息", ("器具名称", "检定日期")),
            ("产品质量监督抽查信息", ("产品名称", "抽查结论")),
        ],
    ),
    "发展和改革": (
        "213",
        LEGAL,
        [
            ("投资项目审批信息", ("项目代码", "项目名称", "总投资")),
            ("企业投资项目备案信息", ("项目代码", "建设地点")),
            ("重要商品价格监测信息", ("商品名称", "价格", "监测日期")),
            ("政府定价目录信息", ("定价项目", "定价权限")),
            ("重大项目进度信息", ("项目代码", "形象进度")),
            ("粮食价格监测信息", ("品种", "价格", "监测日期")),
            ("节能审查信息", ("项目代码", "审查意见")),
        ],
    ),
    "自然资源": (
        "209",
        (),
        [
            ("不动产登记信息", ("不动产单元号", "权利人", "不动产权证书号")),
            ("国土空间规划信息", ("规划分区", "用地性质")),
            ("土地供应信息", ("宗地编号", "供应方式", "面积")),
            ("基础地理信息", ("图幅号", "比例尺")),
            ("地质灾害隐患点信息", ("隐患点编号", "经纬度")),
            ("建设用地审批信息", ("批准文号", "用地面积")),
            ("测绘资质信息", ("资质证书编号", "资质等级")),
        ],
    ),
    "卫生健康": (
        "202",
        PERSON,
        [
            ("出生医学证明信息", ("出生证编号", "出生地点")),
            ("死亡医学证明信息", ("死亡日期", "死亡原因")),
            ("医疗机构执业信息", ("医疗机构名称", "执业许可证号")),
            ("医师执业注册信息", ("执业类别", "执业范围")),
            ("预防接种信息", ("疫苗名称", "接种日期")),
            ("护士执业注册信息", ("执业地点", "注册日期")),
            ("公共场所卫生许可信息", ("许可证号", "有效期至")),
        ],
    ),
    "交通运输": (
        "215",
        LEGAL,
        [
            ("道路运输经营许可信息", ("许可证号", "经营范围")),
            ("营运车辆信息", ("号牌号码", "道路运输证号")),
            ("公路基础设施信息", ("路线编号", "里程")),
            ("交通运输行政处罚信息", ("处罚决定书文号", "处罚日期")),
        ],
    ),
    "文化和旅游": (
        "216",
        LEGAL,
        [
            ("A级旅游景区信息", ("景区名称", "等级", "地址")),
            ("旅行社经营信息", ("许可证号", "经营范围")),
            ("旅游客流监测信息", ("景区名称", "监测日期", "客流量")),
            ("星级饭店信息", ("饭店名称", "星级")),
        ],
    ),
    "能源": (
        "207",
        LEGAL,
        [
            ("全社会用电量信息", ("统计月份", "用电量")),
            ("重点用能单位能耗信息", ("综合能耗", "统计年度")),
            ("电力用户信息", ("用电户号", "用电类别")),
            ("新能源装机容量信息", ("装机容量", "并网日期")),
        ],
    ),
    "公共资源交易": (
        "214",
        LEGAL,
        [
            ("工程建设项目招标投标信息", ("项目编号", "招标方式", "中标金额")),
            ("政府采购交易信息", ("采购项目编号", "成交金额")),
            ("土地使用权出让交易信息", ("宗地编号", "成交价")),
            ("交易主体信息", ("主体类型", "联系人")),
            ("评标专家信息", ("专家编号", "专业类别")),
            ("国有产权交易信息", ("项目编号", "成交金额")),
        ],
    ),
    "信用": (
        "208",
        LEGAL,
        [
            ("公共信用评价信息", ("评价等级", "评价日期")),
            ("守信联合激励对象信息", ("激励措施", "认定部门")),
            ("失信联合惩戒对象信息", ("失信行为", "惩戒措施")),
            ("信用修复信息", ("修复日期", "修复结果")),
            ("行政许可和行政处罚信息", ("决定文书号", "决定日期")),
        ],
    ),
    "住房公积金": (
        "201",
        PERSON,
        [
            ("住房公积金缴存信息", ("缴存基数", "缴存比例", "账户状态")),
            ("住房公积金贷款信息", ("贷款金额", "贷款期限")),
            ("住房公积金提取信息", ("提取原因", "提取金额")),
            ("住房公积金缴存单位信息", ("单位账号", "缴存人数")),
        ],
    ),
    "税务": (
        "208",
        LEGAL,
        [
            ("纳税人登记信息", ("纳税人识别号", "登记日期")),
            ("纳税信用等级信息", ("信用等级", "评价年度")),
            ("欠税公告信息", ("欠税税种", "欠税金额")),
        ],
    ),
    "数据": (
        "201",
        (),
        [
            ("政务数据共享调用统计信息", ("调用部门", "调用次数", "统计日期")),
            ("政务信息系统清单", ("系统名称", "建设单位", "部署网络")),
        ],
    ),
}

# Base catalog entries: (lead department keyword, class, name, items every department uses)
BASE: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "公安",
        "101001",
        "人口基本信息",
        ("公民身份号码", "姓名", "性别", "出生日期", "民族", "住所"),
    ),
    ("人力资源和社会保障", "101002", "人口社会保障基础信息", ("公民身份号码", "姓名", "参保状态")),
    ("民政", "101003", "人口民政基础信息", ("公民身份号码", "姓名", "婚姻状况")),
    ("教育", "101004", "人口教育基础信息", ("公民身份号码", "姓名", "最高学历")),
    ("卫生健康", "101005", "人口健康基础信息", ("公民身份号码", "姓名", "出生日期")),
    (
        "市场监督管理",
        "102001",
        "法人单位基础信息",
        ("统一社会信用代码", "机构名称", "法定代表人", "住所", "成立日期"),
    ),
    (
        "市场监督管理",
        "102002",
        "企业登记基础信息",
        ("统一社会信用代码", "机构名称", "行政区划代码"),
    ),
    ("自然资源", "103001", "空间地理基础信息", ("行政区划代码", "图层名称", "坐标系")),
    ("自然资源", "103002", "不动产基础信息", ("不动产单元号", "行政区划代码")),
    ("信用", "104001", "自然人公共信用信息", ("公民身份号码", "姓名", "信用等级")),
    ("信用", "104002", "法人公共信用信息", ("统一社会信用代码", "机构名称", "信用等级")),
    ("数据", "105001", "电子证照目录信息", ("证照类型", "证照编号", "持证主体代码")),
)
SOURCE_ITEMS = {
    "公安": {"公民身份号码", "姓名", "性别", "出生日期", "民族"},
    "市场监督管理": {"统一社会信用代码", "机构名称", "法定代表人", "成立日期"},
}
OPENABLE = (
    "市场监督管理",
    "发展和改革",
    "交通运输",
    "文化和旅游",
    "能源",
    "公共资源交易",
    "信用",
    "自然资源",
)
CONDITIONS = (
    "仅限本部门履职相关的业务办理使用",
    "用于审批核验，按需申请所需信息项",
    "需经提供方审核，限定使用期限一年",
    "仅提供查询核验接口，不提供批量下载",
)
BASIS = "《中华人民共和国个人信息保护法》第十三条及国家有关政策规定"


def _item(name: str) -> ItemIn:
    element = find_element(None, name)  # the shipped registry: the demo's items use it
    if element is not None:
        return ItemIn(
            name=name, data_type=element.data_type, length=element.length, element_code=element.code
        )
    data_type = (
        DataType.DATE
        if name.endswith(("日期", "日"))
        else (
            DataType.NUMBER
            if name.endswith(
                (
                    "金额",
                    "数",
                    "量",
                    "面积",
                    "里程",
                    "总投资",
                    "价格",
                    "价",
                    "容量",
                    "能耗",
                    "基数",
                    "比例",
                )
            )
            else DataType.STRING
        )
    )
    # The same item is described the same way by every department (the cross-check expects it).
    length = {DataType.DATE: 8, DataType.NUMBER: 18}.get(
        data_type, (20, 50, 100, 200)[zlib.crc32(name.encode()) % 4]
    )
    return ItemIn(name=name, data_type=data_type, length=length)


def _sharing(keyword: str, rng: random.Random, catalog: CatalogKind) -> dict:
    if catalog == CatalogKind.BASE:
        return {"share_type": ShareType.UNCONDITIONAL}
    roll = rng.random()
    if roll < 0.08:
        return {"share_type": ShareType.NOT_SHARED, "share_basis": BASIS}
    if roll < 0.55:
        return {"share_type": ShareType.CONDITIONAL, "share_conditions": rng.choice(CONDITIONS)}
    return {"share_type": ShareType.UNCONDITIONAL}


def _entry(
    rng: random.Random,
    dept: Department,
    keyword: str,
    catalog: CatalogKind,
    class_code: str | None,
    name: str,
    item_names: tuple[str, ...],
    source: set[str],
) -> ResourceIn:
    sharing = _sharing(keyword, rng, catalog)
    is_open = (
        keyword in OPENABLE
        and catalog != CatalogKind.BASE
        and sharing["share_type"] != ShareType.NOT_SHARED
        and rng.random() < 0.5
    )
    records = rng.randrange(10_000, 50_000_000)
    shared = (
        records
        if sharing["share_type"] == ShareType.UNCONDITIONAL
        else records // rng.randrange(2, 10)
    )
    items = [_item(n) for n in dict.fromkeys(item_names)]
    for item in items:
        item.is_source = item.name in source
    return ResourceIn(
        catalog=catalog,
        class_code=class_code,
        name=name,
        provider_id=dept.id,
        summary=f"{dept.name}{name}，包括{'、'.join(i.name for i in items[:6])}等信息项，用于跨部门共享和业务协同。",
        format=rng.choice(
            (
                ResourceFormat.DATABASE,
                ResourceFormat.DATABASE,
                ResourceFormat.INTERFACE,
                ResourceFormat.FILE,
            )
        ),
        share_mode=ShareMode.PLATFORM,
        share_method=rng.choice((ResourceFormat.INTERFACE, ResourceFormat.DATABASE)),
        open=is_open,
        open_conditions="去除个人隐私后向社会开放" if is_open else "",
        update_cycle=rng.choice(
            (
                UpdateCycle.REALTIME,
                UpdateCycle.DAILY,
                UpdateCycle.MONTHLY,
                UpdateCycle.QUARTERLY,
                UpdateCycle.YEARLY,
            )
        ),
        system_name=f"{name.removesuffix('信息')}管理系统",
        network=rng.choice(
            (Network.EXTRANET, Network.EXTRANET, Network.INTRANET, Network.DEDICATED)
        ),
        vertical=rng.random() < 0.2,
        stored_gb=round(records / 200_000, 2),
        stored_records=records,
        shared_gb=round(shared / 200_000, 2),
        shared_records=shared,
        opened_gb=round(shared / 400_000, 2) if is_open else 0,
        opened_records=shared // 2 if is_open else 0,
        items=items,
        **sharing,
    )


def _keyword(dept: Department) -> str | None:
    return next((k for k in DOMAINS if k in dept.name), None)


def _plan(departments: list[Department], rng: random.Random) -> list[tuple[Department, ResourceIn]]:
    provincial = {
        k: d for d in departments if d.division_code.endswith("0000") and (k := _keyword(d))
    }
    plan = []
    for keyword, class_code, name, items in BASE:
        if keyword in provincial:
            dept = provincial[keyword]
            plan.append(
                (
                    dept,
                    _entry(
                        rng,
                        dept,
                        keyword,
                        CatalogKind.BASE,
                        class_code,
                        name,
                        items,
                        SOURCE_ITEMS.get(keyword, set()),
                    ),
                )
            )
    for dept in departments:
        keyword = _keyword(dept)
        if keyword is None:
            continue
        theme, base_items, resources = DOMAINS[keyword]
        for n, (name, extra) in enumerate(resources):
            catalog = CatalogKind.THEME if n % 3 == 0 else CatalogKind.DEPARTMENT
            plan.append(
                (
                    dept,
                    _entry(
                        rng,
                        dept,
                        keyword,
                        catalog,
                        theme if catalog == CatalogKind.THEME else None,
                        name,
                        (*base_items, *extra),
                        set(),
                    ),
                )
            )
    return plan


def build(session: Session, actor: Actor, rng: random.Random) -> None:
    departments, _ = list_departments(session, limit=10_000)
    admin = Principal(
        kind="user", name=actor.name, department_id=None, roles=frozenset({Role.PLATFORM_ADMIN})
    )
    plan = _plan(departments, rng)
    now = utcnow()
    for n, (_dept, data) in enumerate(plan):
        saved = workflow.create(session, admin, actor, data)
        fate = n % 40
        if fate == 7:
            continue  # left in draft
        workflow.submit(session, admin, actor, saved.resource.id)
        if fate == 13:
            continue  # waiting for review
        if fate == 21:
            workflow.return_for_changes(
                session, admin, actor, saved.resource.id, "请补充共享条件的适用范围"
            )
            continue
        workflow.publish(session, admin, actor, saved.resource.id)
        _backdate(saved.resource, saved.version, now - timedelta(days=rng.randrange(1, 720)))


def _backdate(resource, version, when) -> None:  # type: ignore[no-untyped-def]
    """Spread the demo's publication dates over two years, so the census shows growth."""
    resource.published_at = resource.first_published_at = when
    version.published_on = when.date()
