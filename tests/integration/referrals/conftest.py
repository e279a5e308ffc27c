from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy.orm import Session

from tests.integration.referrals.story import Story, write_story

if TYPE_CHECKING:
    from tests.conftest import World

API = "/api/v1"


@pytest.fixture
def story(world: World, session: Session) -> Story:
    return write_story(session, world.a, world.b)


def member_headers(world: World, member_id: int) -> dict[str, str]:
    """A member's bearer header, by scanning its card QR (as the cashier's app does)."""
    client = world.client
    operator = world.a.actors["operator"] if member_id in world.a.members.values() else world.b.actors["operator"]
    qr = client.get(f"{API}/members/{member_id}/card", headers=operator.headers).json()["qr_payload"]
    r = client.post(f"{API}/auth/member/card", json={"qr_payload": qr})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
