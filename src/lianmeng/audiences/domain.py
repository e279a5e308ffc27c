"""The rules of an audience (人群规则), pure: what a merchant may ask of its OWN members, validated before any query.

Every rule narrows (they are ANDed); a rule left empty does not filter. Value rules (monetary, class, recency,
frequency) read the merchant's own row of the value model (member_values, merchant_id = the merchant); stars read
the alliance-wide row (merchant_id NULL), as the value model keeps stars there only. Recency is "days since the
last order at this merchant": a member with no order there has no recency and never matches a recency rule.

Consents are requirements, never widenings: `marketing_consent` keeps only members who agreed to marketing,
`data_sharing_consent` only those who agreed to sharing (a segment report always adds it). Members who refused
personalised offers (PIPL art. 24) are left out when `exclude_refused` (the default), and always when the audience
is used for an offer (`audiences.service.select_members`).
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lianmeng.kit.types import MAX_FEN, Fen, Flag, Id, Whole
from lianmeng.values.domain import RFM_CLASS_LABELS, RfmClass

# The eight RFM classes of the value model (values.domain owns them once it lands; same codes, same order).
RFM_CLASSES: tuple[str, ...] = tuple(c.value for c in RfmClass)
CLASS_LABELS: dict[str, tuple[str, str]] = {c.value: words for c, words in RFM_CLASS_LABELS.items()}
MAX_STARS = 9
MAX_DAYS = 3_650
MAX_CODES = 20
MAX_STORES = 50


class AudienceRules(BaseModel):
    """One audience's rules. Unknown keys are refused (a misspelt rule must not silently select everyone)."""

    model_config = ConfigDict(extra="forbid")

    monetary_min_fen: Fen | None = Field(None, ge=0, le=MAX_FEN, description="Spend at this merchant in the "
                                         "value window, at least (fen)")
    monetary_max_fen: Fen | None = Field(None, ge=0, le=MAX_FEN, description="… at most (fen)")
    classes: list[str] = Field(default_factory=list, max_length=len(RFM_CLASSES),
                               description="RFM classes at this merchant (any of)")
    stars_min: Whole | None = Field(None, ge=1, le=MAX_STARS, description="Alliance stars (1–9), at least")
    stars_max: Whole | None = Field(None, ge=1, le=MAX_STARS, description="Alliance stars, at most")
    tags_any: list[str] = Field(default_factory=list, max_length=MAX_CODES, description="Tag codes: any of them")
    tags_all: list[str] = Field(default_factory=list, max_length=MAX_CODES, description="Tag codes: all of them")
    recency_min_days: Whole | None = Field(None, ge=0, le=MAX_DAYS, description="Days since the last order "
                                           "here, at least")
    recency_max_days: Whole | None = Field(None, ge=0, le=MAX_DAYS, description="… at most")
    min_frequency: Whole | None = Field(None, ge=0, le=100_000, description="Orders here in the window, at least")
    store_ids: list[Id] = Field(default_factory=list, max_length=MAX_STORES,
                                description="The merchant's stores: the member's origin store or an order there")
    marketing_consent: Flag = Field(False, description="Only members who consented to marketing")
    data_sharing_consent: Flag = Field(False, description="Only members who consented to data sharing")
    exclude_refused: Flag = Field(True, description="Leave out members who refused personalised offers")

    @field_validator("classes")
    @classmethod
    def _known_classes(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in RFM_CLASSES]
        if unknown:
            raise ValueError(f"unknown class: {', '.join(unknown)} (one of {', '.join(RFM_CLASSES)})")
        return sorted(set(value), key=RFM_CLASSES.index)

    @field_validator("tags_any", "tags_all")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        cleaned = sorted({code.strip() for code in value})
        if any(not code or len(code) > 40 for code in cleaned):
            raise ValueError("a tag code is 1–40 characters")
        return cleaned

    @field_validator("store_ids")
    @classmethod
    def _stores(cls, value: list[int]) -> list[int]:
        return sorted(set(value))

    @model_validator(mode="after")
    def _ranges(self) -> Self:
        for low, high in (("monetary_min_fen", "monetary_max_fen"), ("stars_min", "stars_max"),
                          ("recency_min_days", "recency_max_days")):
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and b is not None and a > b:
                raise ValueError(f"{low} must not exceed {high}")
        return self

    def tag_codes(self) -> set[str]:
        return set(self.tags_any) | set(self.tags_all)

    def with_sharing_consent(self) -> AudienceRules:
        """The same rules over consenting members only (what a segment report counts)."""
        return self.model_copy(update={"data_sharing_consent": True})


def _yuan(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"


def describe(rules: AudienceRules) -> tuple[str, str]:
    """The rules in words (zh-CN, en), for the audit list and the pages: never a member, only the query."""
    zh: list[str] = []
    en: list[str] = []
    if rules.monetary_min_fen is not None or rules.monetary_max_fen is not None:
        low = _yuan(rules.monetary_min_fen or 0)
        high = _yuan(rules.monetary_max_fen) if rules.monetary_max_fen is not None else "∞"
        zh.append(f"消费 {low}–{high}")
        en.append(f"spend {low}–{high}")
    if rules.classes:
        zh.append("价值分类:" + "、".join(CLASS_LABELS[c][0] for c in rules.classes))
        en.append("class: " + ", ".join(CLASS_LABELS[c][1] for c in rules.classes))
    if rules.stars_min is not None or rules.stars_max is not None:
        stars = f"{rules.stars_min or 1}–{rules.stars_max or MAX_STARS}"
        zh.append(f"星级 {stars}")
        en.append(f"stars {stars}")
    if rules.tags_any:
        zh.append("标签任一:" + "、".join(rules.tags_any))
        en.append("any tag of: " + ", ".join(rules.tags_any))
    if rules.tags_all:
        zh.append("标签全部:" + "、".join(rules.tags_all))
        en.append("all tags of: " + ", ".join(rules.tags_all))
    if rules.recency_min_days is not None or rules.recency_max_days is not None:
        days = f"{rules.recency_min_days or 0}–{rules.recency_max_days if rules.recency_max_days is not None else '∞'}"
        zh.append(f"距上次消费 {days} 天")
        en.append(f"last order {days} days ago")
    if rules.min_frequency:
        zh.append(f"消费至少 {rules.min_frequency} 次")
        en.append(f"at least {rules.min_frequency} orders")
    if rules.store_ids:
        zh.append(f"{len(rules.store_ids)} 家门店")
        en.append(f"{len(rules.store_ids)} store(s)")
    if rules.marketing_consent:
        zh.append("同意营销")
        en.append("marketing consent")
    if rules.data_sharing_consent:
        zh.append("同意数据共享")
        en.append("data-sharing consent")
    if rules.exclude_refused:
        zh.append("排除拒绝个性化推荐者")
        en.append("without members who refused personalised offers")
    return ("全部本店会员" if not zh else ";".join(zh)), ("all own members" if not en else "; ".join(en))
