"""Sharing de-identified segment reports: an active agreement is required, the snapshot counts consenting members
only with every shown count ≥ k, the partner reads it and a third merchant cannot, the operator audits without the
report, the sender withdraws; and no phone, name, card, hash or member id anywhere."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from lianmeng.db import unit_of_work
from lianmeng.segments.domain import shown_counts
from lianmeng.segments.models import SegmentShare
from tests.conftest import DATABASE_URL, World
from tests.integration.audiences.conftest import Known, activate_agreement

SHARES = "/api/v1/segments/shares"
HIGH = {"classes": ["important_value"]}


def share(world: World, body: dict[str, Any], who: str = "admin1") -> Any:
    return world.client.post(SHARES, json=body, headers=world.a.actors[who].headers)


def shares_written() -> int:
    with unit_of_work(DATABASE_URL) as session:
        return session.scalar(select(func.count()).select_from(SegmentShare)) or 0


def assert_private(text: str, known: Known) -> None:
    for secret in known.secrets:
        assert secret not in text, secret


def test_a_share_needs_an_active_agreement(world: World, known: Known) -> None:
    m2, m3 = world.a.merchants[1], world.a.merchants[2]
    r = share(world, {"to_merchant_id": m2, "title": "高价值车主", "rules": HIGH})
    assert r.status_code == 422 and r.json()["error"]["code"] == "segment_no_agreement"
    activate_agreement(world, 0, 1)
    assert share(world, {"to_merchant_id": m3, "title": "x", "rules": HIGH}).status_code == 422
    assert share(world, {"to_merchant_id": world.b.merchants[0], "title": "x", "rules": HIGH}).status_code == 422
    assert shares_written() == 0
    assert share(world, {"to_merchant_id": m2, "title": "高价值车主", "rules": HIGH}).status_code == 201


@pytest.mark.parametrize("body", [
    {"to_merchant_id": "@m2", "title": "x", "rules": HIGH, "k": 9},
    {"to_merchant_id": "@m2", "title": "x", "rules": HIGH, "k": 5},
    {"to_merchant_id": "@m2", "title": "x"},
    {"to_merchant_id": "@m2", "title": "x", "rules": HIGH, "audience_id": 1},
    {"to_merchant_id": "@m2", "title": "", "rules": HIGH},
    {"to_merchant_id": "@m1", "title": "x", "rules": HIGH},
    {"to_merchant_id": "@m2", "title": "x", "rules": {"classes": ["vip"]}},
    {"to_merchant_id": "@m2", "title": "x", "rules": HIGH, "phones": True},
])
def test_bad_shares_are_422_and_nothing_is_written(world: World, known: Known, body: dict[str, Any]) -> None:
    activate_agreement(world, 0, 1)
    ids = {"@m1": world.a.merchants[0], "@m2": world.a.merchants[1]}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    r = share(world, body)
    assert r.status_code == 422, r.text
    assert shares_written() == 0


def test_the_snapshot_counts_consenting_members_only_and_shows_nothing_under_k(world: World, known: Known) -> None:
    activate_agreement(world, 0, 1)
    r = share(world, {"to_merchant_id": world.a.merchants[1], "title": "高价值车主", "rules": HIGH, "k": 12})
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    # 25 high-value members consented to sharing; the 5 without consent and the 3 refusals are not counted
    assert report["total"] == 25 and report["k"] == 12 and report["too_few"] is False
    assert all(n >= 12 for n in shown_counts(report))
    gender = {c["en"]: c["count"] for d in report["dimensions"] if d["dimension"] == "gender" for c in d["cells"]}
    assert gender == {"Men": None, "Women": 25, "Not disclosed": None}
    items = {c["zh"]: c["count"] for d in report["dimensions"] if d["dimension"] == "service_type"
             for c in d["cells"]}
    assert items["小保养"] == 25
    assert_private(r.text, known)
    assert r.json()["shared_by"] == world.a.actors["admin1"].username
    assert "同意数据共享" in r.json()["query_zh"]


def test_a_segment_under_k_says_too_few(world: World, known: Known) -> None:
    activate_agreement(world, 0, 1)
    r = share(world, {"to_merchant_id": world.a.merchants[1], "title": "健身", "rules": {"tags_any": ["fitness"]},
                      "k": 20})
    assert r.status_code == 201
    assert r.json()["report"] == {"k": 20, "window_days": 365, "too_few": True, "total": None, "dimensions": [],
                                  "response": None}


def test_who_reads_a_share_and_the_withdrawal(world: World, known: Known) -> None:
    client, a = world.client, world.a
    activate_agreement(world, 0, 1)
    saved = client.post("/api/v1/audiences", json={"name": "高价值", "rules": HIGH},
                        headers=a.actors["admin1"].headers).json()
    r = share(world, {"to_merchant_id": a.merchants[1], "title": "高价值车主", "audience_id": saved["id"]})
    assert r.status_code == 201 and r.json()["audience_name"] == "高价值"
    url = f"{SHARES}/{r.json()['id']}"
    missing = client.get(f"{SHARES}/987654321", headers=a.actors["admin3"].headers).json()
    for who in (a.actors["admin3"], a.actors["staff3"], world.b.actors["admin1"], world.b.actors["operator"]):
        r = client.get(url, headers=who.headers)
        assert r.status_code == 404 and r.json() == missing, who.username
        assert client.get(SHARES, headers=who.headers).json()["items"] == []
    received = client.get(f"{SHARES}?direction=received", headers=a.actors["admin2"].headers).json()["items"]
    assert len(received) == 1 and received[0]["report"]["total"] == 25
    assert client.get(f"{SHARES}?direction=sent", headers=a.actors["admin2"].headers).json()["items"] == []
    assert client.get(url, headers=a.actors["staff2"].headers).json()["report"]["total"] == 25
    audit = client.get(SHARES, headers=a.actors["operator"].headers).json()["items"]
    assert len(audit) == 1 and audit[0]["report"] is None and audit[0]["from_merchant_id"] == a.merchants[0]
    assert audit[0]["to_merchant_id"] == a.merchants[1] and audit[0]["query_zh"]
    # only the sender's admin withdraws, once
    for who in ("admin2", "staff1", "operator"):
        assert client.post(f"{url}/withdraw", headers=a.actors[who].headers).status_code == 403
    r = client.post(f"{url}/withdraw", headers=a.actors["admin1"].headers)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn" and r.json()["report"] is not None
    seen = client.get(url, headers=a.actors["admin2"].headers).json()
    assert seen["status"] == "withdrawn" and seen["report"] is None and seen["withdrawn_at"]
    assert client.post(f"{url}/withdraw", headers=a.actors["admin1"].headers).status_code == 422


def test_another_merchants_audience_cannot_be_shared(world: World, known: Known) -> None:
    client, a = world.client, world.a
    activate_agreement(world, 0, 1)
    theirs = client.post("/api/v1/audiences", json={"name": "m2 的人群", "rules": {}},
                         headers=a.actors["admin2"].headers).json()
    r = share(world, {"to_merchant_id": a.merchants[1], "title": "x", "audience_id": theirs["id"]})
    assert r.status_code == 422 and shares_written() == 0


def test_response_rates_of_coupons_the_sender_handed(world: World, known: Known) -> None:
    """12 of the consenting high-value members got a coupon from m1 (6 claimed it, 3 used it); 5 more got one
    from m2, which is not m1's response; the members without consent got one too and are not counted."""
    from lianmeng.coupons.models import Coupon, CouponTemplate, Redemption
    from lianmeng.kit import clock

    a = world.a
    m1, m2 = a.merchants[0], a.merchants[1]
    now = clock.now()
    with unit_of_work(DATABASE_URL) as session:
        template = CouponTemplate(alliance_id=a.alliance_id, owner_merchant_id=m1, name="保养券", kind="amount_off",
                                  amount_fen=1_000)
        session.add(template)
        session.flush()
        handed = [(m, m1) for m in known.groups["high"][:12]] + [(m, m2) for m in known.groups["high"][12:17]] \
            + [(m, m1) for m in known.groups["private"]]
        for i, (member_id, referrer) in enumerate(handed):
            coupon = Coupon(alliance_id=a.alliance_id, template_id=template.id, member_id=member_id,
                            code=f"RATE{i:04d}", issued_at=now, valid_from=now, uses_left=1,
                            referrer_merchant_id=referrer, claimed_at=now if i < 6 else None)
            session.add(coupon)
            session.flush()
            if i < 3:
                session.add(Redemption(alliance_id=a.alliance_id, coupon_id=coupon.id, use_no=1,
                                       member_id=member_id, merchant_id=m1, at=now))
    activate_agreement(world, 0, 1)
    r = share(world, {"to_merchant_id": m2, "title": "响应率", "rules": HIGH})
    assert r.status_code == 201, r.text
    assert r.json()["report"]["response"] == {"handed": 12, "claimed_bp": 5_000, "redeemed_bp": 2_500}
