from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lianmeng.kit.types import Flag, Whole
from lianmeng.merchants.domain import Industry
from lianmeng.tags import domain
from lianmeng.tags.domain import CODE_PATTERN, MAX_NOTE, RuleKind, TagGroup, TagSource


class RuleIn(BaseModel):
    """A tag's rule: `keywords` for bought_keyword, `industry` for visited_industry; `min_count` matching orders
    or visits (repeat_visits: at least 2); `within_days` the window (repeat_visits needs one)."""

    model_config = ConfigDict(extra="forbid")

    kind: RuleKind
    keywords: list[str] = Field(default_factory=list, max_length=domain.MAX_KEYWORDS, examples=[["儿童安全座椅"]])
    industry: Industry | None = None
    min_count: Whole = Field(default=1, ge=1, le=domain.MAX_COUNT)
    within_days: Whole | None = Field(default=None, ge=1, le=domain.MAX_DAYS)

    def to_rule(self) -> domain.Rule:
        raw: dict[str, Any] = {"kind": self.kind.value, "min_count": self.min_count,
                               "within_days": self.within_days}
        if self.kind is RuleKind.BOUGHT_KEYWORD:
            raw["keywords"] = self.keywords
        if self.kind is RuleKind.VISITED_INDUSTRY:
            raw["industry"] = self.industry.value if self.industry else None
        return domain.parse_rule(raw)

    @model_validator(mode="after")
    def _valid(self) -> Self:
        self.to_rule()  # ValueError → 422 with the reason
        return self


class TagCreate(BaseModel):
    """A new tag of the alliance's taxonomy (operator)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE_PATTERN, examples=["pet_owner"], description="Lower-case letters, digits, _")
    group: TagGroup
    name_zh: str = Field(min_length=1, max_length=40, examples=["养宠人士"])
    name_en: str = Field(min_length=1, max_length=60, examples=["Pet owner"])
    declarable: Flag = Field(default=False, description="Members may tick it (interests only)")
    rule: RuleIn | None = None

    @field_validator("name_zh", "name_en")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a name cannot be blank")
        return value.strip()

    @model_validator(mode="after")
    def _declarable_interest(self) -> Self:
        if self.declarable and not domain.may_declare(self.group, True):
            raise ValueError("only interests can be declarable")
        return self


class TagUpdate(BaseModel):
    """Rename, (de)activate, make (un)declarable, or set / remove the rule (`rule: null` removes it). Fields left
    out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name_zh: str | None = Field(default=None, min_length=1, max_length=40)
    name_en: str | None = Field(default=None, min_length=1, max_length=60)
    declarable: Flag | None = None
    active: Flag | None = None
    rule: RuleIn | None = None


class TagOut(BaseModel):
    code: str
    group: TagGroup
    name_zh: str
    name_en: str
    declarable: bool
    active: bool
    rule: dict[str, Any] | None
    members: int = Field(default=0, description="Members carrying it (any source); operator only, else 0")


class StaffTagIn(BaseModel):
    """A tag a merchant's staff add to one of its members, with what they saw."""

    model_config = ConfigDict(extra="forbid")

    tag: str = Field(pattern=CODE_PATTERN, examples=["child_seat"])
    note: str = Field(default="", max_length=MAX_NOTE, examples=["保养时看到儿童座椅"])


class MemberTagOut(BaseModel):
    id: int
    tag: str
    group: TagGroup
    name_zh: str
    name_en: str
    source: TagSource
    merchant_id: int | None
    merchant_name: str | None
    staff_name: str | None
    note: str
    evidence: int | None
    at: datetime


class InterestOut(BaseModel):
    tag: str
    name_zh: str
    name_en: str
    declared: bool
    declared_at: datetime | None


class InterestsOut(BaseModel):
    """The member's own choices: declarable interests (ticked or not) and the refusal of personalised offers."""

    interests: list[InterestOut]
    offers_refused: bool
    offers_refused_at: datetime | None


class InterestsIn(BaseModel):
    """The interests the member declares: exactly these (others are removed)."""

    model_config = ConfigDict(extra="forbid")

    tags: list[str] = Field(max_length=50, examples=[["fitness", "parenting"]])


class OffersChoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refused: Flag = Field(description="true: no personalised offers (PIPL art. 24); false: undo")


class RulesRun(BaseModel):
    alliance_id: int
    added: int
    removed: int
