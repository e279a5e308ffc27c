"""A member's phone counts as verified only once its holder proved it with a one-time code."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.auth.models import OutboxMessage
from tests.conftest import World
from tests.integration.web.console import console


def test_staff_enrolment_leaves_the_phone_unverified_until_an_otp_login(world: World, session: Session) -> None:
    c, clerk, admin = world.client, world.a.actors["staff1"], world.a.actors["admin1"]
    phone = "13912345678"
    r = c.post("/api/v1/members", headers=clerk.headers, json={"phone": phone, "name": "曾小明"})
    assert r.status_code == 201 and r.json()["phone_verified_at"] is None
    member_id = r.json()["id"]
    page = console(c, admin.username)
    assert "未验证" in page.get(f"/console/members/{member_id}").text

    assert c.post("/api/v1/auth/member/code", json={"alliance_id": world.a.alliance_id,
                                                    "phone": phone}).status_code == 202
    code = session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    assert code is not None
    wrong = c.post("/api/v1/auth/member/code/verify", json={"alliance_id": world.a.alliance_id, "phone": phone,
                                                            "code": "000000" if "000000" not in code else "111111"})
    assert wrong.status_code == 401
    assert c.get(f"/api/v1/members/{member_id}", headers=clerk.headers).json()["phone_verified_at"] is None
    ok = c.post("/api/v1/auth/member/code/verify", json={"alliance_id": world.a.alliance_id, "phone": phone,
                                                         "code": code.split("验证码为 ")[1][:6]})
    assert ok.status_code == 200
    assert c.get(f"/api/v1/members/{member_id}", headers=clerk.headers).json()["phone_verified_at"] is not None
    assert "已验证" in page.get(f"/console/members/{member_id}").text
    page.cookies.set("lm_lang", "en")
    assert "Verified" in page.get(f"/console/members/{member_id}").text
    # staff correcting the number: the new one is not proven
    r = c.patch(f"/api/v1/members/{member_id}", headers=clerk.headers, json={"phone": "13912345679"})
    assert r.status_code == 200 and r.json()["phone_verified_at"] is None
