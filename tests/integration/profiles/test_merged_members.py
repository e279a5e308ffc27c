"""The operator's completeness board counts people: after a merge, the tombstone (nobody's member, docs/merging.md)
is neither one more member of its merchant nor part of its average, as in the merchant's own board; undo counts it
again."""

from __future__ import annotations

from typing import Any

from tests.conftest import World
from tests.integration.profiles.helpers import actor, call, enrol

MERGES = "/members/merges"


def boards(world: World) -> tuple[dict[int, tuple[int, int]], tuple[int, int]]:
    """The operator's (members, average) per merchant, and the gym admin's own (members, average)."""
    op = call(world, "GET", "/profiles/leaderboard", actor(world, "operator"))
    own = call(world, "GET", "/profiles/leaderboard", actor(world, "admin1"))
    return {r["merchant_id"]: (r["members"], r["average"]) for r in op["merchants"]}, (own["members"], own["average"])


def test_a_merged_member_is_not_counted_twice_on_the_board(world: World) -> None:
    m1 = world.a.merchants[0]
    kept = world.a.members[m1]
    twin = enrol(world, "admin1")  # no name, nothing: 0 %
    before, own_before = boards(world)
    assert before[m1][0] == 2 and own_before[0] == 2

    done: Any = call(world, "POST", MERGES, actor(world, "operator"),
                     {"survivor_id": kept, "absorbed_id": twin, "reason": "同一人两次办卡"}, 201)
    after, own_after = boards(world)
    assert own_after[0] == 1
    assert after[m1] == own_after  # the operator sees what the merchant sees: one member, the survivor's score

    call(world, "POST", f"{MERGES}/{done['id']}/undo", actor(world, "operator"), {"reason": "两个人"})
    assert boards(world) == (before, own_before)
