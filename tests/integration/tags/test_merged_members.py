"""The taxonomy's counts are people: one person tagged on two records counts once after a merge, twice after undo."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.members.models import Membership
from lianmeng.tags.models import TagDefinition
from lianmeng.tags.repository import tag_counts
from tests.conftest import World


def _fitness(session: Session, alliance_id: int) -> int:
    session.rollback()
    tag = session.query(TagDefinition).filter_by(alliance_id=alliance_id, code="fitness").one()
    return tag_counts(session, alliance_id).get(tag.id, 0)


def test_a_person_tagged_on_both_records_counts_once_after_a_merge(world: World, session: Session) -> None:
    a = world.a
    m1, m2, _ = a.merchants
    x, y = a.members[m1], a.members[m2]
    session.add(Membership(alliance_id=a.alliance_id, member_id=x, merchant_id=m2, joined_at=clock.now()))
    session.commit()
    for who, member in (("staff1", x), ("staff2", y)):
        r = world.client.post(f"/api/v1/members/{member}/tags", json={"tag": "fitness"}, headers=a.actors[who].headers)
        assert r.status_code == 201, r.text
    assert _fitness(session, a.alliance_id) == 2
    op = a.actors["operator"].headers
    merged = world.client.post("/api/v1/members/merges", headers=op,
                               json={"survivor_id": x, "absorbed_id": y, "reason": "同一人"})
    assert merged.status_code == 201, merged.text
    assert _fitness(session, a.alliance_id) == 1
    undone = world.client.post(f"/api/v1/members/merges/{merged.json()['id']}/undo", headers=op,
                               json={"reason": "误合并"})
    assert undone.status_code == 200, undone.text
    assert _fitness(session, a.alliance_id) == 2
