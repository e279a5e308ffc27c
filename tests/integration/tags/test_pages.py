"""The tag pages as a browser uses them: the taxonomy page (the operator edits, merchants read), the Tags section
of a member's page (staff add and remove their own tags, never see another merchant's), and the member's
"My interests" page (tick interests, refuse personalised offers, undo)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.members.models import Member
from lianmeng.tags.models import MemberTag, TagDefinition
from tests.conftest import World
from tests.integration.web.console import console, csrf_of
from tests.integration.web.test_member_pages import as_member


def test_the_operator_edits_the_taxonomy_and_a_merchant_only_reads_it(world: World, session: Session) -> None:
    operator = console(world.client, world.a.actors["operator"].username)
    page = operator.get("/console/tags")
    assert page.status_code == 200 and "标签体系" in page.text and "儿童安全座椅" in page.text
    added = operator.post("/console/tags", data={
        "csrf": csrf_of(page.text), "code": "pet_owner", "group": "interest", "name_zh": "养宠人士",
        "name_en": "Pet owner", "declarable": "1", "rule_kind": "bought_keyword", "keywords": "猫粮, 狗粮",
        "min_count": "1", "within_days": ""}, follow_redirects=False)
    assert added.status_code == 303, added.text
    stored = session.scalars(select(TagDefinition).where(TagDefinition.code == "pet_owner")).one()
    assert stored.rule == {"kind": "bought_keyword", "keywords": ["猫粮", "狗粮"], "min_count": 1}
    bad = operator.post("/console/tags", data={"csrf": csrf_of(page.text), "code": "Bad Code", "group": "interest",
                                               "name_zh": "x", "name_en": "x"})
    assert bad.status_code == 422 and 'class="error"' in bad.text
    renamed = operator.post("/console/tags/pet_owner", data={
        "csrf": csrf_of(page.text), "name_zh": "铲屎官", "name_en": "Pet owner", "declarable": "1",
        "edit_rule": "1", "rule_kind": ""}, follow_redirects=False)  # `active` unticked: deactivated
    assert renamed.status_code == 303, renamed.text
    session.rollback()
    assert (stored.name_zh, stored.active, stored.rule) == ("铲屎官", False, None)
    ran = operator.post("/console/tags/run", data={"csrf": csrf_of(page.text)})
    assert ran.status_code == 200 and "规则已运行" in ran.text and "上次运行规则" in ran.text

    merchant = console(world.client, world.a.actors["admin1"].username)
    seen = merchant.get("/console/tags")
    assert seen.status_code == 200 and "铲屎官" in seen.text and 'id="tag-create"' not in seen.text
    refused = merchant.post("/console/tags", data={"csrf": csrf_of(seen.text), "code": "vip", "group": "interest",
                                                   "name_zh": "贵宾", "name_en": "VIP"})
    assert refused.status_code == 422 and "无权" in refused.text
    assert session.scalars(select(TagDefinition).where(TagDefinition.code == "vip")).first() is None


def chips(html: str) -> list[str]:
    return re.findall(r'data-member-tag="(\d+)"', html)


def test_staff_add_and_remove_tags_on_the_member_page(world: World, session: Session) -> None:
    m1, m2, _ = world.a.merchants
    x = world.a.members[m1]
    clerk = console(world.client, world.a.actors["staff1"].username)
    page = clerk.get(f"/console/members/{x}")
    assert page.status_code == 200 and 'id="tags"' in page.text and "暂无标签" in page.text
    added = clerk.post(f"/console/members/{x}/tags", data={"csrf": csrf_of(page.text), "tag": "child_seat",
                                                          "note": "保养时看到儿童座椅"}, follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == f"/console/members/{x}#tags"
    page = clerk.get(f"/console/members/{x}")
    assert "车内有儿童座椅" in page.text and "保养时看到儿童座椅" in page.text and f"导购 {m1}" in page.text
    assert "店员添加" in page.text and len(chips(page.text)) == 1
    again = clerk.post(f"/console/members/{x}/tags", data={"csrf": csrf_of(page.text), "tag": "child_seat"})
    assert again.status_code == 422 and "已给该会员添加过" in again.text

    # another merchant's staff: not its member (404), and nothing of m1's tag anywhere
    other = console(world.client, world.a.actors["staff2"].username)
    assert other.get(f"/console/members/{x}").status_code == 404
    tag_id = chips(page.text)[0]
    other_page = other.get(f"/console/members/{world.a.members[m2]}")
    removed = other.post(f"/console/members/{x}/tags/{tag_id}/delete", data={"csrf": csrf_of(other_page.text)})
    assert removed.status_code == 404
    assert session.get(MemberTag, int(tag_id)) is not None

    page = clerk.get(f"/console/members/{x}")
    gone = clerk.post(f"/console/members/{x}/tags/{tag_id}/delete", data={"csrf": csrf_of(page.text)},
                      follow_redirects=False)
    assert gone.status_code == 303
    session.rollback()
    assert session.get(MemberTag, int(tag_id)) is None


def test_a_member_ticks_interests_and_refuses_offers_on_the_member_page(world: World, session: Session,
                                                                        db_url: str) -> None:
    x = world.a.members[world.a.merchants[0]]
    browser = world.client
    as_member(browser, db_url, x)
    home = browser.get("/m")
    assert 'href="/m/interests"' in home.text
    page = browser.get("/m/interests")
    assert page.status_code == 200 and "我的兴趣" in page.text and "健身" in page.text
    assert "有车一族" not in page.text  # a vehicle tag is not the member's to declare
    saved = browser.post("/m/interests", data={"csrf": csrf_of(page.text), "tag": ["fitness", "travel"]},
                         follow_redirects=False)
    assert saved.status_code == 303
    page = browser.get("/m/interests?saved=1")
    assert len(re.findall(r'value="(fitness|travel)" checked', page.text)) == 2
    browser.post("/m/interests", data={"csrf": csrf_of(page.text), "tag": ["travel"]})
    codes = session.scalars(select(TagDefinition.code).join(MemberTag, MemberTag.tag_id == TagDefinition.id)
                            .where(MemberTag.member_id == x)).all()
    assert codes == ["travel"]

    page = browser.get("/m/interests")
    refused = browser.post("/m/interests/offers", data={"csrf": csrf_of(page.text), "refused": "1"},
                           follow_redirects=False)
    assert refused.status_code == 303
    page = browser.get(refused.headers["location"])
    assert "您已拒绝个性化推荐" in page.text and 'id="allow-offers"' in page.text
    session.rollback()
    member = session.get(Member, x)
    assert member is not None and member.offers_refused and member.offers_refused_at is not None
    browser.post("/m/interests/offers", data={"csrf": csrf_of(page.text), "refused": "0"})
    session.rollback()
    assert member.offers_refused is False
    forged = browser.post("/m/interests", data={"csrf": "0" * 32, "tag": ["beauty"]})
    assert forged.status_code == 403
