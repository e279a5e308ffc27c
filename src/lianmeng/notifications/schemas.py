from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from lianmeng.notifications.domain import MemberKind, StaffKind


class NotificationOut(BaseModel):
    id: int
    kind: StaffKind
    kind_label: str = Field(description="The kind in the reader's language")
    text: str = Field(description="What happened, in words, in the reader's language")
    link: str = Field(description="The console page of the thing it is about")
    created_at: datetime
    read_at: datetime | None


class ReadAllOut(BaseModel):
    marked_read: int


class PreferenceOut(BaseModel):
    kind: str
    label: str
    enabled: bool


class StaffPreferencesIn(BaseModel):
    """Kinds to turn on (true) or off (false); kinds not named keep their setting."""

    model_config = ConfigDict(extra="forbid")

    kinds: dict[StaffKind, bool] = Field(examples=[{"coupon_redeemed_at_partner": False}])


class MemberPreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kinds: dict[MemberKind, bool] = Field(examples=[{"points_expiring": False}])
