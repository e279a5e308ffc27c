"""Review: who may decide, a rejection's reason, a merchant applicant becoming a candidate and then a merchant, the
leaderboard, and the alliance's bounty setting."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.auth.models import User
from lianmeng.members import repository as members_repo
from lianmeng.merchants.models import Merchant, Staff
from lianmeng.partners.models import Candidate
from lianmeng.recruiting.models import Application
from tests.conftest import World
from tests.integration.recruiting.recruiting import apply, decide, join_link, ok, refused


def test_a_rejection_needs_a_reason_and_keeps_it(world: World, session: Session) -> None:
    link = join_link(world, "staff1")
    application = ok(apply(world.client, link["token"], "13700000002"))
    for blank in ("", "   "):
        refused(decide(world, "admin1", application["id"], "reject", blank), 422, "recruit_reason_required")
    assert session.get(Application, application["id"]).status == "pending"  # type: ignore[union-attr]
    done = ok(decide(world, "admin1", application["id"], "reject", "暂不招募该品类"), 200)
    assert (done["application"]["status"], done["application"]["reason"]) == ("rejected", "暂不招募该品类")
    assert done["username"] is None and done["set_password_url"] is None
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Staff).where(Staff.role == "promoter")) == 0
    # rejected: the phone may apply again
    ok(apply(world.client, link["token"], "13700000002"))


def test_nobody_decides_their_own_application_or_their_own_recruit(world: World, session: Session) -> None:
    link = join_link(world, "staff1")
    phone = "13700000003"
    application = ok(apply(world.client, link["token"], phone))
    # a promoter (a store staff login) decides nothing, its own application included
    refused(decide(world, "staff1", application["id"]), 403, "forbidden")
    # a merchant admin whose own staff record holds the applicant's phone: its own application
    admin = session.get(User, world.a.actors["admin1"].user_id)
    own_staff = Staff(alliance_id=world.a.alliance_id,
                      merchant_id=world.a.merchants[0], name="admin herself", role="manager",
                      phone_hash=members_repo.phone_hash(world.a.alliance_id, phone))
    session.add(own_staff)
    session.flush()
    assert admin is not None
    admin.staff_id = own_staff.id
    session.commit()
    refused(decide(world, "admin1", application["id"]), 403, "recruit_self_approval")
    # the admin's own link: its recruit is decided by another (the operator)
    admins_link = join_link(world, "admin1")
    other = ok(apply(world.client, admins_link["token"], "13700000004"))
    refused(decide(world, "admin1", other["id"]), 403, "recruit_own_recruit")
    assert ok(decide(world, "operator", other["id"]), 200)["application"]["status"] == "approved"
    session.rollback()
    assert session.get(Application, application["id"]).status == "pending"  # type: ignore[union-attr]


def test_a_merchant_applicant_is_a_candidate_then_a_merchant_with_an_admin(world: World, session: Session) -> None:
    link = join_link(world, "operator", accepts="merchant", title="商户加盟")
    assert link["merchant_id"] is None
    application = ok(apply(world.client, link["token"], "13700000005", kind="merchant", district="南山区",
                           business_name="悦享瑜伽馆", industry="fitness"))
    full = ok(world.client.get(f"/api/v1/recruits/{application['id']}",
                               headers=world.a.actors["operator"].headers), 200)
    candidate = session.get(Candidate, full["candidate_id"])
    assert candidate is not None and (candidate.name, candidate.industry, candidate.merchant_id) == (
        "悦享瑜伽馆", "fitness", None)
    assert candidate.owner_merchant_id is None  # the operator's candidate
    decided = ok(decide(world, "operator", application["id"]), 200)
    merchant_id = decided["application"]["merchant_id"]
    session.rollback()
    merchant = session.get(Merchant, merchant_id)
    assert merchant is not None and (merchant.alliance_id, merchant.name, merchant.status) == (
        world.a.alliance_id, "悦享瑜伽馆", "active")
    assert session.get(Candidate, full["candidate_id"]).merchant_id == merchant_id  # type: ignore[union-attr]
    login = session.scalars(select(User).where(User.username == decided["username"])).one()
    assert (login.role, login.merchant_id) == ("merchant_admin", merchant_id)
    # the operator recruited it for itself: no bounty even where one is set
    assert decided["application"]["bounty_fen"] == 0


def test_links_take_whom_they_invite(world: World) -> None:
    merchants_only = join_link(world, "operator", accepts="merchant")
    refused(apply(world.client, merchants_only["token"], "13700000006"), 422, "recruit_kind_not_invited")
    hostless = join_link(world, "operator")
    refused(apply(world.client, hostless["token"], "13700000006"), 422, "recruit_needs_host")
    hosted = join_link(world, "operator", merchant_id=world.a.merchants[1], accepts="promoter")
    refused(apply(world.client, hosted["token"], "13700000006", kind="merchant"), 422, "recruit_kind_not_invited")
    ok(apply(world.client, hosted["token"], "13700000006"))
    refused(apply(world.client, hosted["token"], "13700000006"), 409, "recruit_already_applied")
    paused = ok(world.client.patch(f"/api/v1/join-links/{hosted['id']}", json={"active": False},
                                   headers=world.a.actors["operator"].headers), 200)
    assert paused["active"] is False
    gone = world.client.post(f"/api/v1/join/{hosted['token']}/code", json={"phone": "13700000007"})
    refused(gone, 422, "join_link_inactive")


def test_leaderboard_counts_approved_recruits_per_recruiter_and_merchant(world: World) -> None:
    op = world.a.actors["operator"].headers
    ok(world.client.put("/api/v1/recruiting/settings", headers=op, json={"bounty_fen": 1_000}), 200)
    guide_link = join_link(world, "staff1")
    admin_link = join_link(world, "admin2")
    for n in range(3):
        application = ok(apply(world.client, guide_link["token"], f"1370000010{n}"))
        if n < 2:
            ok(decide(world, "admin1", application["id"]), 200)
    ok(decide(world, "operator", ok(apply(world.client, admin_link["token"], "13700000200"))["id"]), 200)
    board = ok(world.client.get("/api/v1/recruits/leaderboard", headers=op), 200)
    rows = [(r["rank"], r["type"], r["id"], r["applications"], r["approved"], r["bounty_fen"]) for r in board["items"]]
    gym, school = world.a.merchants[0], world.a.merchants[1]
    assert rows == [(1, "staff", world.a.staff[gym], 3, 2, 2_000), (2, "merchant", school, 1, 1, 1_000)]
    by_merchant = ok(world.client.get("/api/v1/recruits/leaderboard?by=merchant", headers=op), 200)["items"]
    assert [(r["id"], r["approved"]) for r in by_merchant] == [(gym, 2), (school, 1)]
    # a merchant admin sees only what its merchant invited
    mine = ok(world.client.get("/api/v1/recruits/leaderboard", headers=world.a.actors["admin2"].headers), 200)
    assert [(r["type"], r["id"]) for r in mine["items"]] == [("merchant", school)]


def test_the_bounty_is_the_operators_to_set(world: World) -> None:
    op = world.a.actors["operator"].headers
    assert ok(world.client.get("/api/v1/recruiting/settings", headers=op), 200)["bounty_fen"] == 0
    refused(world.client.put("/api/v1/recruiting/settings", headers=world.a.actors["admin1"].headers,
                             json={"bounty_fen": 500}), 403, "forbidden")
    for bad in (-1, 1_000_001, "500", 5.5, True):
        bad_put = world.client.put("/api/v1/recruiting/settings", headers=op, json={"bounty_fen": bad})
        assert bad_put.status_code == 422, bad
    ok(world.client.put("/api/v1/recruiting/settings", headers=op, json={"bounty_fen": 500}), 200)
    got = ok(world.client.get("/api/v1/recruiting/settings", headers=world.a.actors["staff1"].headers), 200)
    assert got["bounty_fen"] == 500
