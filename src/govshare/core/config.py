"""Effective settings of one govshare node.

Precedence (highest first): GOVSHARE_* environment variables, the TOML file named by
GOVSHARE_CONFIG (or ./govshare.toml when present), then the defaults below. Policy figures
default to the national values in RULES.md; provinces override them per node.
"""

from __future__ import annotations

import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class NodeLevel(StrEnum):
    NATIONAL = "national"
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"
    COUNTY = "county"


class CryptoSuiteName(StrEnum):
    INTL = "intl"  # Ed25519 + SHA-256
    SM = "sm"  # SM2 + SM3 (国密)


class AuditSealing(StrEnum):
    INLINE = "inline"
    BACKGROUND = "background"
class ZombiePolicy(BaseModel):
    """Thresholds of the zombie-system rules (政务信息系统整合共享实施方案, 僵尸系统五类情形).
    Node policy: provinces tune them per node; every audit run stores the figures it used."""

    detached_days: int = Field(180, ge=7, le=3650, description="无业务办理、无数据更新的天数（脱离业务）")
    overlap_similarity: float = Field(0.8, gt=0, le=1, description="功能描述相似度阈值（可替代）")
    idle_cpu_pct: float = Field(10, ge=0, le=100, description="闲置：CPU 使用率上限（%）")
    idle_network_mb: float = Field(5, ge=0, description="闲置：日网络流量上限（MB）")
    idle_window_days: int = Field(14, ge=1, le=365, description="闲置：观察窗口（天）")
    idle_min_days: int = Field(4, ge=1, le=365, description="闲置：窗口内闲置天数下限")
    stale_months: int = Field(12, ge=1, le=120, description="运维停止：无部署更新的月数")
    low_use_users: int = Field(50, ge=0, description="范围小：用户数上限")
    low_use_monthly_logins: int = Field(30, ge=0, description="频度低：近 30 天登录次数上限")


class Outbound(BaseModel):
    """Where the node may send requests of its own (webhook pushes, interface-resource calls):
    a guard against being used to reach internal services (SSRF). Public addresses are allowed;
    private, shared, loopback and link-local ones only inside `allowed_networks`; cloud metadata
    addresses never. Checked when a URL is registered and again, on fresh DNS, at every send."""

    allowed_hosts: list[str] = Field(default_factory=list, description=(
        "允许的目标主机名（精确或 *.后缀）；非空时只能推送/转发到这些主机，且这些主机可解析到内网地址"))
    allowed_networks: list[str] = Field(default_factory=list, description=(
        "允许的目标网段（CIDR），如政务外网 10.0.0.0/8；回环地址须显式列出，如 127.0.0.1/32"))


class Jobs(BaseModel):
    """Background work (webhook deliveries, overdue requests) run inside `govshare serve`."""

    in_app: bool = Field(True, description="在 Web 进程内定时执行后台任务（多进程时以数据库租约互斥）")
    deliver_every_seconds: float = Field(15, ge=0.05, le=3600, description="推送投递检查间隔（秒）")
    overdue_every_seconds: float = Field(3600, ge=0.05, le=86400, description="逾期申请检查间隔（秒）")
    lease_seconds: int = Field(600, ge=5, le=86400, description="任务租约时长（秒），持有者异常退出后由他人接管")


class Policy(BaseModel):
    """Figures from the sharing rules; national values by default (RULES.md)."""

    answer_deadline_working_days: int = Field(10, ge=1, le=60, description="有条件共享答复时限（工作日）")
    catalog_update_days: int = Field(15, ge=1, le=90, description="目录变更后更新时限（天）")
    login_max_failures: int = Field(5, ge=1, le=20, description="连续登录失败锁定次数")
    lockout_minutes: int = Field(15, ge=1, le=1440, description="锁定时长（分钟）")
    session_idle_minutes: int = Field(30, ge=1, le=480, description="会话空闲超时（分钟）")
    password_min_length: int = Field(10, ge=8, le=64, description="口令最小长度")
    audit_retention_days: int = Field(183, ge=183, description="审计日志保存天数（不少于六个月）")
    token_max_days: int = Field(365, ge=1, le=3650, description="API 令牌最长有效期（天）")
    unconditional_compliance_check: bool = Field(
        False, description="无条件共享须经数据管理机构合规审查后授权（部分省份，2 个工作日）")
    compliance_check_working_days: int = Field(2, ge=1, le=30, description="合规审查时限（工作日）")
    objection_deadline_working_days: int = Field(5, ge=1, le=30, description="疑义数据更正或说明时限（工作日）")
    client_calls_per_minute: int = Field(6000, ge=1, description="每个接入应用每分钟调用上限（默认）")
    client_rows_per_day: int = Field(1_000_000, ge=1, description="每个接入应用每日获取行数上限（默认）")
    client_rows_per_call: int = Field(1000, ge=1, le=100_000, description="单次查询返回行数上限（默认）")
    admin_two_factor: bool = Field(True, description="三员须使用两步验证（TOTP）登录")
    open_anonymous_calls_per_minute: int = Field(120, ge=1, description="开放平台：匿名调用每分钟上限（每个地址）")
    open_key_calls_per_minute: int = Field(1200, ge=1, description="开放平台：API 密钥调用每分钟上限")
    open_page_requests_per_minute: int = Field(300, ge=1, description="开放平台：公开页面每分钟请求上限（每个地址）")
    zombie: ZombiePolicy = ZombiePolicy()
    outbound: Outbound = Outbound()


class NodeIdentity(BaseModel):
    name: str = Field("govshare 演示节点", description="节点名称")
    division_code: str = Field("330000", pattern=r"^[0-9]{6}$", description="行政区划代码 GB/T 2260")
    level: NodeLevel = NodeLevel.PROVINCIAL


def _default_config_file() -> Path | None:
    named = os.environ.get("GOVSHARE_CONFIG")
    if named:
        return Path(named)
    local = Path("govshare.toml")
    return local if local.exists() else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GOVSHARE_", env_nested_delimiter="__", extra="ignore"
    )

    database_url: str = Field("sqlite:///var/govshare.db", description="SQLAlchemy URL")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    data_dir: Path = Field(Path("var"), description="the node's signing keys, uploads and exports")
    crypto_suite: CryptoSuiteName = CryptoSuiteName.INTL
    audit_sealing: AuditSealing = Field(
        AuditSealing.BACKGROUND,
        description="PostgreSQL: when audit records are chained, right after each commit or batched "
        "by a background thread of the web app (the CLI always seals inline); SQLite ignores it, "
        "since there writers chain their own records at commit",
    )
    audit_seal_interval_ms: int = Field(200, ge=10, le=10_000)
    default_language: str = Field("zh", pattern="^(zh|en)$")
    node: NodeIdentity = NodeIdentity()
    policy: Policy = Policy()
    jobs: Jobs = Jobs()
    node_secret: SecretStr | None = Field(
        None, description="the key material secrets at rest are encrypted under; default: the file "
        "<data_dir>/keys/node-secret, created on first use (keep it out of database backups)")

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("database_url must be an sqlite:// or postgresql:// URL")
        if value.startswith("postgresql://"):
            # psycopg 3 is the only driver we ship.
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _default_config_file()
        if config_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)

    def public_view(self) -> dict[str, Any]:
        """Settings as a flat mapping with secrets and passwords hidden, for `config show`."""
        data = self.model_dump(mode="json")
        data["database_url"] = _hide_password(self.database_url)
        return _flatten(data)


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
