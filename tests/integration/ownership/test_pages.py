"""The ownership pages as a browser drives them: the admin's overview and bulk form, the clerk's phone page with
claim buttons and the claims left today (CSRF-checked forms)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.ownership.models import MemberOwner
from tests.conftest import World
from tests.integration.ownership.ownership import enrol
from tests.integration.web.console import console, csrf_of


def _post(browser: TestClient, path: str, data: dict[str, str | list[str]], page: str) -> Response:
    token = csrf_of(browser.get(page).text)
    answer: Response = browser.post(path, data={"csrf": token, **data}, follow_redirects=False)
    return answer


def test_the_admin_assigns_and_the_clerk_claims_on_the_phone_page(world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    first = world.a.staff[m1]
    members = enrol(world, "staff1", 3)
    admin = console(world.client, world.a.actors["admin1"].username)
    home = admin.get("/console/ownership")
    assert home.status_code == 200 and 'id="nav-ownership"' in home.text and 'id="assign-form"' in home.text
    assert 'id="pool-count">4<' in home.text
    limit = _post(admin, "/console/ownership/settings", {"daily_claim_limit": "1", "idle_days": "60"},
                  "/console/ownership")
    assert limit.status_code == 200 and "已保存客户池规则" in limit.text
    assigned = _post(admin, "/console/ownership/assignments",
                     {"basis": "origin_store", "store_id": str(world.a.stores[m1]), "staff_id": [str(first)],
                      "only_unowned": "1"}, "/console/ownership")
    assert assigned.status_code == 200 and "已分配 4 名会员" in assigned.text and 'id="pool-count">0<' in assigned.text
    no_staff = _post(admin, "/console/ownership/assignments", {"basis": "all_members"}, "/console/ownership")
    assert no_staff.status_code == 422

    clerk = console(world.client, world.a.actors["staff1"].username)
    assert clerk.get("/console/ownership", follow_redirects=False).headers["location"] == "/console/ownership/mine"
    released = _post(clerk, "/console/ownership/releases", {"member_id": str(members[0])}, "/console/ownership/mine")
    assert released.status_code == 200 and "已释放回客户池" in released.text
    mine = clerk.get("/console/ownership/mine")
    assert mine.status_code == 200 and "今日还可认领: <strong>1</strong> / 1" in mine.text
    claimed = _post(clerk, "/console/ownership/claims", {"member_id": str(members[0])}, "/console/ownership/mine")
    assert claimed.status_code == 200 and "认领成功" in claimed.text and "<strong>0</strong> / 1" in claimed.text
    _post(clerk, "/console/ownership/releases", {"member_id": str(members[1])}, "/console/ownership/mine")
    over = _post(clerk, "/console/ownership/claims", {"member_id": str(members[1])}, "/console/ownership/mine")
    assert over.status_code == 409 and "今日认领已达上限(每天 1 名)" in over.text
    session.rollback()
    owned = dict(session.execute(select(MemberOwner.member_id, MemberOwner.staff_id)).tuples().all())
    assert owned.get(members[0]) == first and members[1] not in owned
    english = clerk.get("/console/ownership/mine", headers={"Accept-Language": "en"})
    assert english.status_code == 200
