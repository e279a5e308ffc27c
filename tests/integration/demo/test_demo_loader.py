from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lianmeng import migrate
from lianmeng.agreements.models import Agreement, AgreementEvent
from lianmeng.alliances.models import Alliance
from lianmeng.auth.models import User
from lianmeng.cli import app
from lianmeng.commissions.domain import unpayable
from lianmeng.db import Base, get_engine, new_session, unit_of_work
from lianmeng.demo import data, generate
from lianmeng.demo.dedup import PLANTED
from lianmeng.demo.loader import DemoPlan, DemoSummary, load_demo
from lianmeng.demo.recruiting import PROMOTER_LOGINS
from lianmeng.groupbuys.models import GroupBuyGroup, GroupBuyOffer
from lianmeng.jointcards.models import JointCard, JointComponent, JointProduct, JointTier
from lianmeng.kit import crypto
from lianmeng.kit.errors import Conflict
from lianmeng.kit.ids import is_valid_card_number
from lianmeng.members import repository as members_repo
from lianmeng.members.domain import normalize_phone
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.models import Merchant, Staff, Store
from tests.conftest import scratch_database

SCALE = 0.05
CENTRE = data.MERCHANTS[0]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """A session on a database of the module's own (the test database is wiped before every test), where the
    generated alliance is loaded once for the read-only tests below (flushed, never committed)."""
    with scratch_database(tmp_path_factory.mktemp("demo"), "demo_loader") as url:
        Base.metadata.create_all(get_engine(url))
        session = new_session(url)
        try:
            yield session
        finally:
            session.rollback()
            session.close()


@pytest.fixture(scope="module")
def loaded(demo: Session) -> DemoSummary:
    summary = load_demo(demo, DemoPlan(seed=2024, scale=SCALE, duplicates=False))  # the generated alliance alone
    demo.flush()
    return summary


def _cards_and_phones(session: Session) -> tuple[list[str], list[str]]:
    rows = session.execute(select(Member.card_no, Member.phone_enc)).all()
    return sorted(card for card, _ in rows), sorted(crypto.decrypt(enc) for _, enc in rows)


def test_the_alliance_its_merchants_and_their_stores(demo: Session, loaded: DemoSummary) -> None:
    alliance = demo.scalars(select(Alliance)).one()
    assert (alliance.code, alliance.city) == ("tesla-life-sz", "深圳")
    merchants = demo.scalars(select(Merchant).order_by(Merchant.id)).all()
    assert len(merchants) == 13 and loaded.counts["merchants"] == 13
    assert merchants[0].industry == "auto_service" and merchants[0].name.startswith("特斯拉")
    assert Counter(m.industry for m in merchants[1:]) == {
        "fitness": 3, "early_education": 2, "dining": 2, "retail_mall": 1, "travel": 1, "finance": 1, "beauty": 1,
        "car_wash": 1,
    }
    assert all(4.3 <= m.rating <= 4.9 and m.status == "active" and m.brand_tags for m in merchants)
    stores = demo.scalars(select(Store)).all()
    centre = next(s for s in stores if s.merchant_id == merchants[0].id)
    for store in stores:
        assert haversine_km(centre.latitude, centre.longitude, store.latitude, store.longitude) <= 15, store.name
    staff = demo.scalars(select(Staff)).all()
    for merchant in merchants:
        own_stores = [s for s in stores if s.merchant_id == merchant.id]
        assert 1 <= len(own_stores) <= 3
        for store in own_stores:
            crew = [p for p in staff if p.store_id == store.id]
            assert 3 <= len(crew) <= 6
            assert {"manager", "shopping_guide"} <= {p.role for p in crew}
    assert loaded.counts["stores"] == len(stores) and loaded.counts["staff"] == len(staff)


def test_members_by_origin_and_cross_memberships(demo: Session, loaded: DemoSummary) -> None:
    by_name = {spec.name: spec.key for spec in data.MERCHANTS}
    key_of: dict[int | None, str] = {m.id: by_name[m.name] for m in demo.scalars(select(Merchant))}
    origins = demo.execute(select(Member.origin_merchant_id, func.count()).group_by(Member.origin_merchant_id))
    counted = {key_of[merchant_id]: count for merchant_id, count in origins}
    assert counted == generate.member_counts(SCALE)
    assert counted["tesla"] == round(800 * SCALE) and sum(counted[k] for k in data.GYM_KEYS) == round(6000 * SCALE)
    assert loaded.counts["members"] == sum(counted.values())

    memberships = demo.execute(select(Membership.member_id, Membership.merchant_id)).all()
    assert len(memberships) == loaded.counts["memberships"] > loaded.counts["members"]
    held: dict[int, set[str]] = {}
    for member_id, merchant_id in memberships:
        held.setdefault(member_id, set()).add(key_of[merchant_id])
    store_of: dict[int | None, int] = {s.id: s.merchant_id for s in demo.scalars(select(Store))}
    staff_of = {s.id: s for s in demo.scalars(select(Staff))}
    centre_to_gym = gym_to_centre = 0
    for member in demo.scalars(select(Member)):
        origin = key_of[member.origin_merchant_id]
        assert origin in held[member.id]
        assert store_of[member.origin_store_id] == member.origin_merchant_id
        if member.origin_staff_id is not None:
            guide = staff_of[member.origin_staff_id]
            assert guide.store_id == member.origin_store_id and guide.role == "shopping_guide"
        if origin == "tesla" and held[member.id] & set(data.GYM_KEYS):
            centre_to_gym += 1
        if origin in data.GYM_KEYS and "tesla" in held[member.id]:
            gym_to_centre += 1
    assert centre_to_gym == round(counted["tesla"] * 15 / 100)
    assert gym_to_centre == round(sum(counted[k] for k in data.GYM_KEYS) * 8 / 100)


def test_the_centre_has_recorded_its_owners_cars(demo: Session, loaded: DemoSummary) -> None:
    """A share of the Tesla centre's members have a car on record: valid plate and VIN, stored as phones are."""
    from lianmeng.vehicles import repository as vehicles_repo
    from lianmeng.vehicles.domain import normalize_plate, normalize_vin
    from lianmeng.vehicles.models import MemberVehicle

    alliance_id = demo.scalars(select(Alliance.id)).one()
    centre = demo.scalars(select(Merchant.id).where(Merchant.name.startswith("特斯拉服务中心"))).one()
    cars = demo.scalars(select(MemberVehicle)).all()
    assert len(cars) == loaded.counts["vehicles"] > 0
    owners = {m.id: m for m in demo.scalars(select(Member).where(Member.id.in_([c.member_id for c in cars])))}
    assert len(owners) == len(cars) and {m.origin_merchant_id for m in owners.values()} == {centre}
    for car in cars:
        plate, vin = crypto.decrypt(car.plate_enc or ""), crypto.decrypt(car.vin_enc or "")
        assert normalize_plate(plate) == plate and normalize_vin(vin) == vin and vin.startswith("LRW")
        assert car.plate_hash == vehicles_repo.plate_hash(alliance_id, plate)
        assert car.plate_masked == crypto.mask_plate(plate) and car.vin_masked == crypto.mask_vin(vin)


def test_phones_are_never_stored_in_clear(demo: Session, loaded: DemoSummary) -> None:
    alliance_id = demo.scalars(select(Alliance.id)).one()
    rows = demo.execute(select(Member.__table__)).mappings().all()
    phones = {crypto.decrypt(row["phone_enc"]) for row in rows}
    assert len(phones) == len(rows) == loaded.counts["members"]
    eleven_digits = re.compile(r"(?=(1\d{10}))")
    for row in rows:
        phone = crypto.decrypt(row["phone_enc"])
        assert normalize_phone(phone) == phone
        assert row["phone_hash"] == members_repo.phone_hash(alliance_id, phone)
        assert re.fullmatch(r"1\d{2}\*{4}\d{4}", row["phone_masked"])
        assert row["phone_masked"] == crypto.mask_phone(phone)
        assert is_valid_card_number(row["card_no"])
        for value in row.values():
            if isinstance(value, str):
                assert not phones & set(eleven_digits.findall(value))
    assert len({row["card_no"] for row in rows}) == len(rows)


def test_agreements_tell_their_history(demo: Session, loaded: DemoSummary) -> None:
    agreements = demo.scalars(select(Agreement)).all()
    assert len(agreements) == loaded.counts["agreements"] == len(data.AGREEMENTS)
    assert len({a.status for a in agreements}) >= 4
    assert sum(a.status == "active" for a in agreements) > len(agreements) / 2
    wide = [a for a in agreements if a.merchant_a_id is None and a.merchant_b_id is None]
    assert len(wide) == 1 and wide[0].status == "active"
    # seed 000 mode 5: the centre is the hub and earns 6% of what its members spend at the partners
    centre = demo.scalars(select(Merchant.id).where(Merchant.name.startswith("特斯拉"))).one()
    assert [(t["kind"], t["hub_merchant_id"], t["rate_bp"]) for t in wide[0].commission_terms] == [
        ("hub_share", centre, 600)]
    for agreement in agreements:  # every term of the demo is one the engine pays
        assert unpayable(agreement.commission_terms, alliance_wide=agreement.merchant_b_id is None) == []
    users = {u.username: u for u in demo.scalars(select(User))}
    for agreement in agreements:
        events = demo.scalars(
            select(AgreementEvent).where(AgreementEvent.agreement_id == agreement.id).order_by(AgreementEvent.id)
        ).all()
        assert events[0].action == "create" and events[0].from_status is None
        assert events[-1].to_status == agreement.status
        assert [e.at for e in events] == sorted(e.at for e in events) and events[-1].at <= data.ANCHOR
        for before, after in pairwise(events):
            assert after.from_status == before.to_status
        for event in events:
            assert users[event.actor].id == event.actor_user_id
            assert event.actor_merchant_id in (None, agreement.merchant_a_id, agreement.merchant_b_id)
        assert agreement.valid_until is not None and agreement.valid_until > agreement.valid_from
        assert agreement.settlement_cycle == "monthly"
        for term in agreement.commission_terms:
            assert isinstance(term.get("amount_fen") or term.get("rate_bp"), int)


def test_a_joint_card_product_and_no_cards_sold(demo: Session, loaded: DemoSummary) -> None:
    """At the tills: one product, no card sold (the group buys' packages are theirs: see the next test)."""
    packages = select(GroupBuyOffer.joint_product_id)
    products = demo.scalars(select(JointProduct).where(JointProduct.id.not_in(packages))).all()
    assert [p.name for p in products] == ["城市生活联名卡"] and loaded.counts["joint_card_products"] == 1
    tiers = demo.scalars(select(JointTier).where(JointTier.product_id == products[0].id)
                         .order_by(JointTier.position)).all()
    assert [(t.name, t.price_fen) for t in tiers] == [("经济版", 980_000), ("舒适版", 1_480_000)]
    for tier in tiers:  # each tier's price is split among its components exactly
        shares = demo.scalars(select(JointComponent.share_fen).where(JointComponent.tier_id == tier.id)).all()
        assert sum(shares) == tier.price_fen
    assert demo.scalar(select(func.count(JointCard.id)).where(JointCard.product_id.not_in(packages))) == 0


def test_group_buys_one_formed_two_open(demo: Session, loaded: DemoSummary) -> None:
    offers = demo.scalars(select(GroupBuyOffer).order_by(GroupBuyOffer.id)).all()
    assert [(o.name, o.price_fen, o.group_size) for o in offers] == [
        ("精洗+湾汇停车 三人团", 19_900, 3), ("精洗两次 两人团", 29_900, 2)]
    assert loaded.counts["group_buy_offers"] == 2 and loaded.counts["group_buy_seats"] == 5
    groups = demo.execute(select(GroupBuyGroup.status, GroupBuyGroup.seats_taken).order_by(GroupBuyGroup.id)).all()
    assert [tuple(g) for g in groups] == [("formed", 3), ("open", 1), ("open", 1)]
    cards = demo.scalars(select(JointCard).where(JointCard.product_id == offers[0].joint_product_id)).all()
    assert len(cards) == 3 and {c.price_fen for c in cards} == {19_900}


def test_logins_scoped_to_their_merchant(demo: Session, loaded: DemoSummary) -> None:
    assert loaded.logins[:3] == ["operator", "tesla-admin", "tesla-sa"]
    users = {u.username: u for u in demo.scalars(select(User))}
    promoters = set(PROMOTER_LOGINS)  # recruiting: two approved promoters of the centre (docs/recruiting.md)
    assert set(users) == set(loaded.logins) | promoters and len(users) == loaded.counts["users"] == 27 + 2
    assert users["operator"].role == "operator_admin" and users["operator"].merchant_id is None
    assert len({u.password_hash for u in users.values()}) == 1
    for spec in data.MERCHANTS:
        admin, clerk = users[f"{spec.key}-admin"], users[f"{spec.key}-sa"]
        assert admin.role == "merchant_admin" and clerk.role == "store_staff"
        staff = demo.get(Staff, clerk.staff_id)
        assert staff is not None and staff.merchant_id == clerk.merchant_id == admin.merchant_id
        assert staff.role == "shopping_guide"


def test_same_seed_loads_the_same_members(session: Session, tmp_path: Path) -> None:
    load_demo(session, DemoPlan(seed=7, scale=0.02, duplicates=False))
    first = _cards_and_phones(session)
    url = f"sqlite:///{tmp_path / 'again.db'}"
    Base.metadata.create_all(get_engine(url))
    other = new_session(url)
    try:
        load_demo(other, DemoPlan(seed=7, scale=0.02, duplicates=False))
        assert _cards_and_phones(other) == first
    finally:
        other.rollback()
        other.close()


def test_another_seed_loads_other_members() -> None:
    def cards(seed: int) -> list[str]:
        rng = random.Random(seed)
        names = generate.Names(rng)
        staff = generate.draft_staff(rng, names)
        return [m.card_no for m in generate.draft_members(rng, names, generate.guide_counts(staff), 0.02)]

    assert cards(1) == cards(1)
    assert cards(1) != cards(2)


def test_demo_logins_work_through_the_api(session: Session, client: TestClient) -> None:
    summary = load_demo(session, DemoPlan(scale=0.02))
    session.commit()
    assert summary.counts["alliances"] == 1
    r = client.post("/api/v1/auth/login", json={"username": "operator", "password": data.PASSWORD})
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = client.get("/api/v1/merchants", headers=headers, params={"page_size": 50})
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 13
    r = client.post("/api/v1/auth/login", json={"username": "tesla-sa", "password": data.PASSWORD})
    assert r.status_code == 200, r.text


def test_loading_twice_is_refused(session: Session) -> None:
    load_demo(session, DemoPlan(scale=0.01))
    with pytest.raises(Conflict):
        load_demo(session, DemoPlan(scale=0.01))


def test_cli_loads_the_demo_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade(url)
    runner = CliRunner()
    args = ["demo", "--if-empty", "--scale", "0.02", "--database-url", url]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "operator" in first.output
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    with unit_of_work(url) as s:
        assert s.scalar(select(func.count(Alliance.id))) == 1
        planted = PLANTED  # the duplicate members planted for the review queue (demo/dedup.py)
        assert s.scalar(select(func.count(Member.id))) == sum(generate.member_counts(0.02).values()) + planted


def test_the_demo_notifies_by_its_causes(demo: Session, loaded: DemoSummary) -> None:
    """The offer on the table (特斯拉 → 星空探索, proposed) told the science museum's admin; coupons used at partners
    told the merchants that handed them out; members heard of their coupons through the outbox."""
    from lianmeng.notifications.models import MemberMessage, Notification

    rows = demo.scalars(select(Notification)).all()
    proposals = [(n.user_id, n.link) for n in rows if n.kind == "proposal_received"]
    museum_admin = demo.scalars(select(User.id).where(User.username == "starlab-admin")).one()
    pending = demo.scalars(select(Agreement.id).where(Agreement.title.contains("星空探索儿童科学馆 权益互换"))).one()
    assert (museum_admin, f"/console/partners/agreements/{pending}") in proposals
    assert any(n.kind == "coupon_redeemed_at_partner" for n in rows)
    assert all("139" not in str(n.params) for n in rows)
    assert demo.scalar(select(func.count()).select_from(MemberMessage)) > 0
