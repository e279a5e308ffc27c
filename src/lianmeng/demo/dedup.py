"""The demo's planted duplicates: a few members enrolled a second time at another merchant (typed in pinyin, in
traditional characters, with a birth year one off), and one store registered twice (its name in traditional
characters, 30 m away); then the candidates found as the daily job finds them."""

from __future__ import annotations

import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from zhconv import convert

from lianmeng.dedup import domain
from lianmeng.dedup import service as dedup
from lianmeng.kit import clock, crypto, ids
from lianmeng.members import repository as members_repo
from lianmeng.members.domain import PENDING
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.models import Merchant, Store

PLANTED = 4
FIRST_PHONE = 19_900_000_000  # the 199 range: no demo member holds one


def _variant(name: str, birth_year: int | None, kind: int) -> tuple[str, int | None]:
    if kind == 0:
        syllables = domain.pinyin_syllables(name)
        return syllables[0].capitalize() + " " + "".join(syllables[1:]).capitalize(), birth_year
    if kind == 1:
        return str(convert(name, "zh-tw")), birth_year
    return name, (birth_year + 1) if birth_year else None


def add_duplicates(session: Session, alliance_id: int, rng: random.Random) -> dict[str, int]:
    """Plants PLANTED duplicate members and one duplicate store, and runs the candidate finding."""
    originals = list(session.scalars(
        select(Member).where(Member.alliance_id == alliance_id, Member.status != PENDING, Member.name.is_not(None),
                             Member.birth_year.is_not(None), func.length(Member.name) >= 3)
        .order_by(Member.id).limit(400)))
    originals = [m for m in originals if m.name and not domain.is_honorific(m.name)]
    merchants = list(session.scalars(select(Merchant).where(Merchant.alliance_id == alliance_id)
                                     .order_by(Merchant.id)))
    stores = {s.merchant_id: s for s in session.scalars(
        select(Store).where(Store.merchant_id.in_([m.id for m in merchants])).order_by(Store.id.desc()))}
    now = clock.now()
    planted = rng.sample(originals, min(PLANTED, len(originals)))
    for n, original in enumerate(planted):
        elsewhere = next(m for m in rng.sample(merchants, len(merchants)) if m.id != original.origin_merchant_id)
        name, year = _variant(original.name or "", original.birth_year, n % 3)
        phone = str(FIRST_PHONE + n)
        twin = Member(alliance_id=alliance_id, card_no=ids.new_card_number(rng.randrange), qr_version=1,
                      phone_enc=crypto.encrypt(phone), phone_hash=members_repo.phone_hash(alliance_id, phone),
                      phone_masked=crypto.mask_phone(phone), name=name, birth_year=year, gender=original.gender,
                      status="active", origin_merchant_id=elsewhere.id,
                      origin_store_id=stores[elsewhere.id].id if elsewhere.id in stores else None)
        session.add(twin)
        session.flush()
        session.add(Membership(alliance_id=alliance_id, member_id=twin.id, merchant_id=elsewhere.id, joined_at=now))
    store = stores[merchants[0].id]
    session.add(Store(alliance_id=alliance_id,
                      merchant_id=store.merchant_id, name=str(convert(store.name, "zh-tw")), address=store.address,
                      district=store.district, latitude=store.latitude + 0.0002, longitude=store.longitude + 0.0001))
    session.flush()
    report = dedup.run(session, alliance_id)
    return {"dedup_candidates": report.member_pairs + report.place_pairs, "members": len(planted),
            "memberships": len(planted), "stores": 1}
