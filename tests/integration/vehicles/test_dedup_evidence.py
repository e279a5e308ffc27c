"""Plates reach the duplicate finder from the database: the batch reads each member's plate hashes (and blinds
them for the run), the stored pair says whether the vehicles agreed, and the reviewer sees the plates masked."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianmeng.dedup import repository
from tests.conftest import World
from tests.integration.dedup.test_candidates import enrol, pairs, run


def test_plates_are_read_by_the_batch_and_shown_masked_to_the_reviewer(world: World, db_url: str,
                                                                        session: Session) -> None:
    a = world.a
    first = enrol(world, "staff1", "曾小凡", 1985)
    second = enrol(world, "staff2", "Zeng Xiaofan", 1985)
    for who, member, plate in (("staff1", first, "粤B12345"), ("staff2", second, "粤BD54321")):
        r = world.client.post(f"/api/v1/members/{member}/vehicles", json={"plate": plate},
                              headers=a.actors[who].headers)
        assert r.status_code == 201, r.text
    records = {r.id: r for r in repository.member_records(session, a.alliance_id)}
    assert len(records[first].vehicles) == 1 and len(records[second].vehicles) == 1
    assert records[first].vehicles != records[second].vehicles
    assert records[first].vehicles[0] not in ("粤B12345", "粤B***45")  # the keyed hash, never the plate
    run(db_url, a.alliance_id)
    found = pairs(session, a.alliance_id)
    pair = found[(min(first, second), max(first, second))]
    assert "vehicle" in pair.fields["disagree"]  # two cars: a little evidence against, the names still pair them
    op = a.actors["operator"].headers
    detail = world.client.get(f"/api/v1/dedup/candidates/{pair.id}", headers=op).json()
    assert sorted(p for r in detail["records"] for p in r["plates"]) == ["粤B***21", "粤B***45"]
    assert "12345" not in str(detail) and "54321" not in str(detail)


def test_the_same_car_on_two_members_makes_them_a_candidate(world: World, db_url: str, session: Session) -> None:
    """Two enrolments with different names in the clerk's spelling and different phones, one car: the car pairs
    them where the names alone would not."""
    a = world.a
    first = enrol(world, "staff1", "刘德华", 1961)
    second = enrol(world, "staff2", "劉先生", 1961)
    for who, member in (("staff1", first), ("staff2", second)):
        r = world.client.post(f"/api/v1/members/{member}/vehicles", json={"plate": "粤BD88888"},
                              headers=a.actors[who].headers)
        assert r.status_code == 201, r.text
    run(db_url, a.alliance_id)
    pair = pairs(session, a.alliance_id)[(min(first, second), max(first, second))]
    assert "vehicle" in pair.fields["agree"]
