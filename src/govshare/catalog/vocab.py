"""The catalog guide's closed vocabularies, with the words people write in the national template.

Each vocabulary is a StrEnum (stored value, English) plus the Chinese labels; `parse` accepts the
stored value, the Chinese label or a listed alias, so an Excel sheet typed by hand imports.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


class CatalogKind(StrEnum):
    BASE = "base"  # 基础信息资源目录
    THEME = "theme"  # 主题信息资源目录
    DEPARTMENT = "department"  # 部门信息资源目录


class ShareType(StrEnum):
    UNCONDITIONAL = "unconditional"  # 无条件共享
    CONDITIONAL = "conditional"  # 有条件共享
    NOT_SHARED = "not_shared"  # 不予共享


class ResourceFormat(StrEnum):
    DATABASE = "database"  # 数据库
    FILE = "file"  # 电子文件、电子表格、图形图像、流媒体…
    INTERFACE = "interface"  # 接口


class ShareMode(StrEnum):
    PLATFORM = "platform"  # 共享平台
    MAIL = "mail"  # 邮件
    MEDIA = "media"  # 拷盘（介质）


class UpdateCycle(StrEnum):
    REALTIME = "realtime"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"
    IRREGULAR = "irregular"
    OTHER = "other"


class Network(StrEnum):
    INTRANET = "intranet"  # 电子政务内网
    EXTRANET = "extranet"  # 电子政务外网
    DEDICATED = "dedicated"  # 业务专网
    INTERNET = "internet"  # 互联网


class DataType(StrEnum):
    STRING = "string"  # 字符型
    NUMBER = "number"  # 数值型
    DATE = "date"  # 日期型
    DATETIME = "datetime"  # 日期时间型
    BOOLEAN = "boolean"  # 布尔型
    BINARY = "binary"  # 二进制


class VersionStatus(StrEnum):
    DRAFT = "draft"  # 草稿
    SUBMITTED = "submitted"  # 待审核
    RETURNED = "returned"  # 已退回
    PUBLISHED = "published"  # 已发布
    SUPERSEDED = "superseded"  # 已被新版本替代


LABELS: dict[StrEnum, str] = {
    CatalogKind.BASE: "基础",
    CatalogKind.THEME: "主题",
    CatalogKind.DEPARTMENT: "部门",
    ShareType.UNCONDITIONAL: "无条件共享",
    ShareType.CONDITIONAL: "有条件共享",
    ShareType.NOT_SHARED: "不予共享",
    ResourceFormat.DATABASE: "数据库",
    ResourceFormat.FILE: "文件",
    ResourceFormat.INTERFACE: "接口",
    ShareMode.PLATFORM: "共享平台",
    ShareMode.MAIL: "邮件",
    ShareMode.MEDIA: "介质",
    UpdateCycle.REALTIME: "实时",
    UpdateCycle.DAILY: "每日",
    UpdateCycle.WEEKLY: "每周",
    UpdateCycle.MONTHLY: "每月",
    UpdateCycle.QUARTERLY: "每季度",
    UpdateCycle.HALF_YEARLY: "每半年",
    UpdateCycle.YEARLY: "每年",
    UpdateCycle.IRREGULAR: "不定时",
    UpdateCycle.OTHER: "其他",
    Network.INTRANET: "电子政务内网",
    Network.EXTRANET: "电子政务外网",
    Network.DEDICATED: "业务专网",
    Network.INTERNET: "互联网",
    DataType.STRING: "字符型",
    DataType.NUMBER: "数值型",
    DataType.DATE: "日期型",
    DataType.DATETIME: "日期时间型",
    DataType.BOOLEAN: "布尔型",
    DataType.BINARY: "二进制",
    VersionStatus.DRAFT: "草稿",
    VersionStatus.SUBMITTED: "待审核",
    VersionStatus.RETURNED: "已退回",
    VersionStatus.PUBLISHED: "已发布",
    VersionStatus.SUPERSEDED: "历史版本",
}

# Words seen in filled-in templates that mean the same as a label.
ALIASES: dict[str, StrEnum] = {
    "基础信息资源": CatalogKind.BASE,
    "主题信息资源": CatalogKind.THEME,
    "部门信息资源": CatalogKind.DEPARTMENT,
    "无条件": ShareType.UNCONDITIONAL,
    "有条件": ShareType.CONDITIONAL,
    "不共享": ShareType.NOT_SHARED,
    "不予": ShareType.NOT_SHARED,
    "电子文件": ResourceFormat.FILE,
    "电子表格": ResourceFormat.FILE,
    "图形图像": ResourceFormat.FILE,
    "流媒体": ResourceFormat.FILE,
    "服务接口": ResourceFormat.INTERFACE,
    "api": ResourceFormat.INTERFACE,
    "拷盘": ShareMode.MEDIA,
    "光盘": ShareMode.MEDIA,
    "平台": ShareMode.PLATFORM,
    "每天": UpdateCycle.DAILY,
    "每季": UpdateCycle.QUARTERLY,
    "半年": UpdateCycle.HALF_YEARLY,
    "不定期": UpdateCycle.IRREGULAR,
    "内网": Network.INTRANET,
    "外网": Network.EXTRANET,
    "专网": Network.DEDICATED,
    "字符": DataType.STRING,
    "字符串": DataType.STRING,
    "文本": DataType.STRING,
    "数值": DataType.NUMBER,
    "数字": DataType.NUMBER,
    "整数": DataType.NUMBER,
    "日期": DataType.DATE,
    "日期时间": DataType.DATETIME,
    "布尔": DataType.BOOLEAN,
}

YES = frozenset({"是", "y", "yes", "true", "1", "开放"})
NO = frozenset({"否", "n", "no", "false", "0", "不开放", ""})


def label(value: StrEnum | None, language: str = "zh") -> str:
    if value is None:
        return ""
    return LABELS.get(value, value.value) if language == "zh" else value.value


def parse(kind: type[E], word: str) -> E | None:
    """The member a word means, or None when the word is not in the vocabulary."""
    text = word.strip()
    for member in kind:
        if text.lower() == member.value or text == LABELS.get(member):
            return member
    found = ALIASES.get(text) or ALIASES.get(text.lower())
    return found if isinstance(found, kind) else None


def choices(kind: type[StrEnum]) -> str:
    """The accepted words, for error messages: 无条件共享/有条件共享/不予共享."""
    return "/".join(LABELS.get(m, m.value) for m in kind)


def parse_bool(word: str | bool | None) -> bool | None:
    if isinstance(word, bool):
        return word
    text = (word or "").strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None
