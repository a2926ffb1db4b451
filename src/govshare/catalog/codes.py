"""The classification tree (类/项/目/细目) and resource codes (前段码/后段码).

前段码 is the class code: 类 (1 digit: 1 base, 2 theme, 3 department), 项 (2), 目 (3), 细目
(variable). 后段码 is a six-digit sequence unique within the class. A code is assigned when a
resource is created, follows its class while it has never been published, and never changes
once published.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogClass, CatalogResource
from govshare.catalog.vocab import CatalogKind
from govshare.core.errors import Conflict, InvalidInput

CATALOG_DIGIT = {CatalogKind.BASE: "1", CatalogKind.THEME: "2", CatalogKind.DEPARTMENT: "3"}

# The guide's 类 and 项, and the 目 the demo and the key domains use. Departments get their
# 项 of the department catalog when they first file into it (department_class).
SEED_CLASSES: tuple[tuple[str, str], ...] = (
    ("1", "基础信息资源"),
    ("2", "主题信息资源"),
    ("3", "部门信息资源"),
    ("101", "人口"),
    ("102", "法人单位"),
    ("103", "自然资源和空间地理"),
    ("104", "社会信用"),
    ("105", "电子证照"),
    ("101001", "人口基本信息"),
    ("101002", "社会保障"),
    ("101003", "民政"),
    ("101004", "教育"),
    ("101005", "卫生健康"),
    ("102001", "法人基本信息"),
    ("102002", "登记注册"),
    ("103001", "空间地理"),
    ("103002", "不动产"),
    ("104001", "自然人信用"),
    ("104002", "法人信用"),
    ("105001", "证照目录"),
    ("201", "公共服务"),
    ("202", "健康保障"),
    ("203", "社会保障"),
    ("204", "食品药品安全"),
    ("205", "安全生产"),
    ("206", "价格监管"),
    ("207", "能源安全"),
    ("208", "信用体系"),
    ("209", "城乡建设"),
    ("210", "社区治理"),
    ("211", "生态环保"),
    ("212", "应急维稳"),
    ("213", "投资项目"),
    ("214", "公共资源交易"),
    ("215", "交通运输"),
    ("216", "文化旅游"),
    ("217", "教育"),
)

SEQUENCE_DIGITS = 6


def catalog_of(code: str) -> CatalogKind:
    return {v: k for k, v in CATALOG_DIGIT.items()}[code[0]]


def _parent_of(code: str) -> str | None:
    if len(code) <= 1:
        return None
    if len(code) <= 3:
        return code[:1]
    if len(code) <= 6:
        return code[:3]
    return code[:6]


def ensure_classes(session: Session) -> None:
    """Adds the seed classes that are missing (idempotent; cheap once they exist)."""
    have = set(session.scalars(select(CatalogClass.code)).all())
    for code, name in SEED_CLASSES:
        if code not in have:
            session.add(
                CatalogClass(
                    code=code, name=name, catalog=catalog_of(code), parent_code=_parent_of(code)
                )
            )
    session.flush()


def list_classes(session: Session) -> list[CatalogClass]:
    ensure_classes(session)
    return list(session.scalars(select(CatalogClass).order_by(CatalogClass.code)))


def class_names(session: Session) -> dict[str, str]:
    return {c.code: c.name for c in list_classes(session)}


def department_class(session: Session, department_id: int, department_name: str) -> str:
    """The department's 项 in the department catalog (3 + two digits), created on first use."""
    found = session.scalar(
        select(CatalogClass.code).where(
            CatalogClass.department_id == department_id, func.length(CatalogClass.code) == 3
        )
    )
    if found:
        return found
    ensure_classes(session)
    used = {
        c[1:]
        for c in session.scalars(
            select(CatalogClass.code).where(CatalogClass.code.like("3__"))
        ).all()
    }
    free = next((f"{n:02d}" for n in range(1, 100) if f"{n:02d}" not in used), None)
    if free is None:
        raise Conflict(
            "the department catalog has no free 项 code left (99 in use)",
            "部门目录的“项”代码已用完（99 个）",
            field="class_code",
        )
    code = "3" + free
    session.add(
        CatalogClass(
            code=code,
            name=department_name,
            catalog=CatalogKind.DEPARTMENT,
            parent_code="3",
            department_id=department_id,
        )
    )
    session.flush()
    return code


def check_class(session: Session, catalog: CatalogKind, class_code: str) -> None:
    """The class must exist and belong to the chosen catalog."""
    ensure_classes(session)
    if session.get(CatalogClass, class_code) is None:
        raise InvalidInput(
            f"class_code {class_code} is not in the classification; pick an existing 类/项/目/细目 code",
            f"信息资源分类 {class_code} 不存在，请选择已有的类/项/目/细目代码",
            field="class_code",
        )
    if not class_code.startswith(CATALOG_DIGIT[catalog]):
        raise InvalidInput(
            f"class_code {class_code} does not belong to the {catalog.value} catalog "
            f"(codes of that catalog start with {CATALOG_DIGIT[catalog]})",
            f"信息资源分类 {class_code} 不属于所选目录（该目录的代码以 {CATALOG_DIGIT[catalog]} 开头）",
            field="class_code",
        )


class CodeAllocator:
    """Hands out the next free 后段码 per class; remembers what it handed out, so a bulk import
    asks the database once per class."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.highest: dict[str, int] = {}

    def next(self, class_code: str) -> tuple[str, int]:
        if class_code not in self.highest:
            self.highest[class_code] = (
                self.session.scalar(
                    select(func.max(CatalogResource.sequence)).where(
                        CatalogResource.code.like(f"{class_code}/%")
                    )
                )
                or 0
            )
        self.highest[class_code] += 1
        sequence = self.highest[class_code]
        return f"{class_code}/{sequence:0{SEQUENCE_DIGITS}d}", sequence


def next_code(session: Session, class_code: str) -> tuple[str, int]:
    """(code, sequence): the next free code in the class."""
    return CodeAllocator(session).next(class_code)
