"""Pydantic shapes of the directory's API: what comes in and what goes out."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from govshare.core.auth import Role
from govshare.orgs.models import DepartmentKind, DivisionLevel


class DivisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str = Field(description="行政区划代码")
    name: str = Field(description="名称")
    level: DivisionLevel = Field(description="级别")
    parent_code: str | None = Field(description="上级区划代码")
    retired_on: str | None = Field(None, description="撤销日期")


class DepartmentIn(BaseModel):
    name: str = Field(min_length=2, max_length=200, description="部门名称")
    short_name: str | None = Field(None, max_length=50, description="简称")
    uscc: str = Field(description="统一社会信用代码 (GB 32100)")
    division_code: str = Field(description="所在行政区划代码 (GB/T 2260)")
    kind: DepartmentKind = Field(DepartmentKind.GOVERNMENT, description="类别")
    parent_id: int | None = Field(None, description="上级部门")


class DepartmentUpdate(BaseModel):
    name: str | None = Field(None, min_length=2, max_length=200)
    short_name: str | None = Field(None, max_length=50)
    uscc: str | None = None
    division_code: str | None = None
    kind: DepartmentKind | None = None
    parent_id: int | None = None
    data_officer_id: int | None = Field(None, description="数据专员")
    reviewer_id: int | None = Field(None, description="审核员")
    active: bool | None = None


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    short_name: str | None
    uscc: str
    division_code: str
    kind: DepartmentKind
    parent_id: int | None
    data_officer_id: int | None
    reviewer_id: int | None
    active: bool


class UserIn(BaseModel):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]+$")
    display_name: str = Field(min_length=1, max_length=100, description="姓名")
    department_id: int
    password: str = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(default_factory=list)


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    department_id: int
    department_name: str
    roles: list[Role]
    active: bool
    locked: bool
    last_login_at: datetime | None


class RolesIn(BaseModel):
    roles: list[Role]


class PasswordIn(BaseModel):
    password: str = Field(min_length=1, max_length=200)


class ClientIn(BaseModel):
    name: str = Field(min_length=2, max_length=100, description="业务系统名称")
    description: str = Field("", max_length=2000)
    department_id: int | None = Field(None, description="defaults to the caller's department")


class ClientOut(BaseModel):
    id: int
    department_id: int
    department_name: str
    name: str
    description: str
    active: bool
    tokens: list[TokenOut]


class TokenIn(BaseModel):
    label: str = Field("", max_length=100)
    scopes: list[str] = Field(min_length=1)
    days: int = Field(90, ge=1, le=3650, description="有效期（天）")


class TokenOut(BaseModel):
    id: int
    lookup: str
    label: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    state: str


class IssuedToken(TokenOut):
    token: str = Field(description="shown once; store it now")


class LoginIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=200)
    otp: str | None = Field(None, max_length=10, description="administrators: the authenticator's code")


ClientOut.model_rebuild()
