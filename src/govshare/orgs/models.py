"""Tables of the organisation directory: divisions, departments, people, business systems."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govshare.core.auth import Role
from govshare.core.db import Base, UTCDateTime, utcnow


class DivisionLevel(StrEnum):
    PROVINCE = "province"  # 省级
    PREFECTURE = "prefecture"  # 地级
    COUNTY = "county"  # 县级


class DepartmentKind(StrEnum):
    GOVERNMENT = "government"  # 政府部门（机关）
    INSTITUTION = "institution"  # 事业单位
    SOCIAL_ORG = "social_org"  # 社会组织


def _enum(kind: type[StrEnum], name: str) -> Enum:
    # Stored as plain strings with a CHECK, so both backends and migrations stay simple.
    return Enum(kind, name=name, native_enum=False, values_callable=lambda e: [m.value for m in e], length=40)


class DivisionRelease(Base):
    """Where a loaded list of GB/T 2260 codes came from, and when it was published."""

    __tablename__ = "division_release"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200), nullable=False)
    version: Mapped[str] = mapped_column(String(50), nullable=False)
    published: Mapped[date | None] = mapped_column(Date)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Division(Base):
    """An administrative division (行政区划). Retired codes stay, marked, and are never reused."""

    __tablename__ = "division"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    level: Mapped[DivisionLevel] = mapped_column(_enum(DivisionLevel, "division_level"), nullable=False)
    parent_code: Mapped[str | None] = mapped_column(String(6), ForeignKey("division.code"))
    retired_on: Mapped[date | None] = mapped_column(Date)
    replaced_by: Mapped[str | None] = mapped_column(String(6))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("division_release.id"))

    __table_args__ = (Index("ix_division_parent_code", "parent_code"),)


class Department(Base):
    """A government department, public institution or social organisation (部门)."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    short_name: Mapped[str | None] = mapped_column(String(50))
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    division_code: Mapped[str] = mapped_column(ForeignKey("division.code"), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    kind: Mapped[DepartmentKind] = mapped_column(_enum(DepartmentKind, "department_kind"), nullable=False)
    data_officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", use_alter=True, name="fk_department_data_officer_id_app_user")
    )
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", use_alter=True, name="fk_department_reviewer_id_app_user")
    )
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    division: Mapped[Division] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("division_code", "name", name="uq_department_division_name"),
        Index("ix_department_parent_id", "parent_id"),
    )


class User(Base):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Second factor (TOTP, RFC 6238): the secret, when enrolment was confirmed, and the last
    # time step accepted, so an intercepted code cannot be replayed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    department: Mapped[Department] = relationship(foreign_keys=[department_id], lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.role_rows)

    __table_args__ = (Index("ix_app_user_department_id", "department_id"),)


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    user: Mapped[User] = relationship(back_populates="role_rows")


class WebSession(Base):
    """A signed-in browser. Kept in the database so any app worker can serve any request."""

    __tablename__ = "web_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False)
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    source_ip: Mapped[str | None] = mapped_column(String(64))
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: password only

    __table_args__ = (Index("ix_web_session_user_id", "user_id"),)


class ApiClient(Base):
    """A department's business system that calls govshare with tokens (接入应用)."""

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    department: Mapped[Department] = relationship(lazy="joined")
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="client", lazy="selectin")

    __table_args__ = (UniqueConstraint("department_id", "name", name="uq_api_client_department_name"),)


class ApiToken(Base):
    """A token's hash, never the token: it is shown once when issued."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"), nullable=False)
    lookup: Mapped[str] = mapped_column(String(12), nullable=False, unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    label: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    scopes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    client: Mapped[ApiClient] = relationship(back_populates="tokens", lazy="joined")


class KeyRetirement(StrEnum):
    ROTATED = "rotated"  # replaced on schedule: what it signed stays valid
    SUITE_SWITCH = "suite_switch"  # the node moved to the other suite (intl <-> sm)
    REPLACED = "replaced"  # found replaced outside govshare (key files swapped by hand)
    COMPROMISED = "compromised"  # leaked: signatures made with it no longer prove anything


class NodeKey(Base):
    """One public signing key this node has used (节点签名密钥历史): signatures carry its key id,
    and verification picks the key by that id, so a rotation or a suite switch does not
    invalidate what earlier keys signed. The private key never enters the database."""

    __tablename__ = "node_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    suite: Mapped[str] = mapped_column(String(10), nullable=False)
    public_key: Mapped[str] = mapped_column(Text, nullable=False)  # base64
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: the key in use
    retired_reason: Mapped[KeyRetirement | None] = mapped_column(_enum(KeyRetirement, "key_retirement"))
    retired_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
