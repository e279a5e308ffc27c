from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps, UTCDateTime


class TagDefinition(Timestamps, Base):
    """One tag of the alliance's taxonomy (标签体系): a code, its group (interest / life stage / vehicle), names in
    both languages, and optionally the rule that applies it from data."""

    __tablename__ = "tag_definitions"
    __table_args__ = (UniqueConstraint("alliance_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    group: Mapped[str] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(60))
    declarable: Mapped[bool] = mapped_column(default=False)  # a member may declare it on the member page
    rule: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)


class MemberTag(Base):
    """A tag on a member, with its source (rule / staff / declared), who and when. merchant_id is the merchant
    whose data or staff produced it (NULL when the member declared it); a merchant sees its own tags and the
    member's declared ones."""

    __tablename__ = "member_tags"
    __table_args__ = (
        UniqueConstraint("member_id", "tag_id", "source", "merchant_id", "alliance_id"),
        Index("ix_member_tags_tag", "tag_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag_definitions.id"))
    source: Mapped[str] = mapped_column(String(12))
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
    note: Mapped[str] = mapped_column(String(200), default="")
    evidence: Mapped[int | None] = mapped_column(Integer)  # e.g. the number of orders the rule matched
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class TagRuleRun(Base):
    """When the alliance's rule tags were last applied, and what that run changed (one row per alliance). The
    scheduled jobs apply the rules when the last run is older than `domain.RULES_EVERY_HOURS` or the taxonomy
    changed since."""

    __tablename__ = "tag_rule_runs"

    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime())
    added: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
