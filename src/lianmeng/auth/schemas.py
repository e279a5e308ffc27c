from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from lianmeng.auth.domain import Role
from lianmeng.kit.types import Flag, Id


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    role: Role
    alliance_id: int | None
    merchant_id: int | None
    member_id: int | None = None


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=60, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    display_name: str = Field(default="", max_length=60)
    role: Role
    alliance_id: Id | None = Field(default=None, description="Platform admins only")
    merchant_id: Id | None = None
    staff_id: Id | None = None


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, max_length=60)
    active: Flag | None = None
    password: str | None = Field(default=None, min_length=8, max_length=200)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: Role
    alliance_id: int | None
    merchant_id: int | None
    staff_id: int | None
    active: bool
    last_login_at: datetime | None
    created_at: datetime


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80, examples=["POS 收银系统"])


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    merchant_id: int
    name: str
    prefix: str
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="Shown once; store it now. Send as 'X-API-Key' or 'Authorization: Bearer'.")


class CodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alliance_id: Id
    phone: str = Field(min_length=1, max_length=32)


class CodeLogin(CodeRequest):
    code: str = Field(min_length=4, max_length=8, pattern=r"^\d+$")


class CardLogin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    qr_payload: str = Field(min_length=1, max_length=200)


class WhoAmI(BaseModel):
    kind: str
    id: int
    role: Role
    alliance_id: int | None
    merchant_id: int | None
    store_id: int | None
    staff_id: int | None
    member_id: int | None
    label: str
