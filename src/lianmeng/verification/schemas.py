"""Verification bodies and answers. `CreditCode` is the one place a code is checked on the way in: a wrong check
character is a 422 before any service runs, wherever the code is entered (merchants, candidates, the console)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from lianmeng.verification.domain import (
    CODE_PROBLEM_LABELS,
    SubjectKind,
    VerificationAction,
    VerificationRule,
    VerificationStatus,
    code_problem,
    normalise_code,
)


def _credit_code(value: Any) -> Any:
    """Empty means "none" (clears it on an update); anything else must be a well-formed code."""
    if value is None or not isinstance(value, str):
        return value
    code = normalise_code(value)
    if not code:
        return None
    problem = code_problem(code)
    if problem is not None:
        zh, en = CODE_PROBLEM_LABELS[problem]
        raise ValueError(f"{en} / {zh}")
    return code


CreditCode = Annotated[str | None, BeforeValidator(_credit_code),
                       Field(description="统一社会信用代码: 18 characters, GB 32100-2015 check character",
                             examples=["91350100M000100Y43"])]


class VerificationDetails(BaseModel):
    """The fields merchants and prospects carry; mixed into their create/update bodies."""

    credit_code: CreditCode = None
    legal_person: str | None = Field(default=None, max_length=60, examples=["张三"])
    registered_address: str | None = Field(default=None, max_length=300, examples=["深圳市南山区科技园科苑路 15 号"])
    licence_ref: str | None = Field(default=None, max_length=100, examples=["深市监注字 2020 第 0123 号"])


DETAIL_FIELDS = ("credit_code", "legal_person", "registered_address", "licence_ref")


class DetailsIn(VerificationDetails):
    model_config = ConfigDict(extra="forbid")


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, examples=["营业执照已吊销"])


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=500, examples=["已上门核对执照原件"])


class FindingOut(BaseModel):
    rule: VerificationRule
    passed: bool
    zh: str
    en: str


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    action: VerificationAction
    status_before: VerificationStatus
    status_after: VerificationStatus
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str | None
    actor_user_id: int | None
    created_at: datetime


class SubjectOut(BaseModel):
    kind: SubjectKind
    id: int
    name: str
    credit_code: str | None
    legal_person: str | None
    registered_address: str | None
    licence_ref: str | None
    status: VerificationStatus
    findings: list[FindingOut] = Field(description="What each automatic rule found; empty until details are entered")
    reviewed_by_user_id: int | None
    reviewed_at: datetime | None
    rejection_reason: str | None


class SubjectDetailOut(SubjectOut):
    events: list[EventOut]
