"""Building blocks of the targeting tests: an active agreement with a partner template, an audience, members."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.agreements.models import Agreement
from lianmeng.audiences.models import Audience
from lianmeng.auth.models import OutboxMessage
from lianmeng.coupons.models import Coupon, CouponTemplate
from lianmeng.db import unit_of_work
from lianmeng.kit import crypto
from lianmeng.kit.clock import SHANGHAI
from lianmeng.members.models import Member
from lianmeng.targeting.models import OfferRecipient, TargetedOffer
from tests.conftest import Side

_phones = itertools.count(50_000)
NOON = datetime(2026, 12, 7, 12, tzinfo=SHANGHAI).astimezone(UTC)


@dataclass
class Setup:
    sender: int  # m1
    partner: int  # m2
    template_id: int
    agreement_id: int
    audience_id: int


def add_members(s: Session, alliance_id: int, merchant_id: int, n: int, **fields: object) -> list[int]:
    ids = []
    for _ in range(n):
        phone = f"137{next(_phones):08d}"
        member = Member(alliance_id=alliance_id, card_no=f"T{phone}", phone_enc=crypto.encrypt(phone),
                        phone_hash=crypto.lookup_hash(f"{alliance_id}:{phone}"), phone_masked=crypto.mask_phone(phone),
                        origin_merchant_id=merchant_id, **{"consent_marketing": True, **fields})
        s.add(member)
        s.flush()
        ids.append(member.id)
    return ids


def agreement(s: Session, alliance_id: int, a: int, b: int, status: str = "active") -> int:
    row = Agreement(alliance_id=alliance_id, title=f"{a}×{b}", merchant_a_id=a, merchant_b_id=b,
                    valid_from=date(2026, 1, 1), status=status)
    s.add(row)
    s.flush()
    return row.id


def template(s: Session, alliance_id: int, owner: int, agreement_id: int | None, **fields: object) -> int:
    row = CouponTemplate(alliance_id=alliance_id, owner_merchant_id=owner, funded_by_merchant_id=owner,
                         name="健身体验课", kind="free_item", item_name="体验课", item_value_fen=19_900,
                         agreement_id=agreement_id, valid_days=30, **fields)
    s.add(row)
    s.flush()
    return row.id


def audience(s: Session, alliance_id: int, merchant_id: int, name: str = "高价值会员") -> int:
    row = Audience(alliance_id=alliance_id, merchant_id=merchant_id, name=name, rules={})
    s.add(row)
    s.flush()
    return row.id


def setup(db_url: str, a: Side, members: int = 0, **template_fields: object) -> Setup:
    m1, m2 = a.merchants[0], a.merchants[1]
    with unit_of_work(db_url) as s:
        agreement_id = agreement(s, a.alliance_id, m1, m2)
        template_id = template(s, a.alliance_id, m2, agreement_id, **template_fields)
        audience_id = audience(s, a.alliance_id, m1)
        if members:
            add_members(s, a.alliance_id, m1, members)
    return Setup(m1, m2, template_id, agreement_id, audience_id)


def body(st: Setup, **overrides: object) -> dict[str, object]:
    return {"name": "健身体验", "audience_id": st.audience_id, "template_id": st.template_id,
            "message": "合作伙伴健身房送您一次免费体验课", **overrides}


def count(db_url: str, model: type, *where: object) -> int:
    with unit_of_work(db_url) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


def counts(db_url: str) -> tuple[int, int, int, int]:
    """(offers, recipients, coupons, outbox messages)."""
    return (count(db_url, TargetedOffer), count(db_url, OfferRecipient), count(db_url, Coupon),
            count(db_url, OutboxMessage))
