"""Members with chosen profiles for the completeness tests, enrolled through the API as a merchant's staff."""

from __future__ import annotations

import itertools
from typing import Any

from tests.conftest import World

API = "/api/v1"
_phones = itertools.count(1)


def call(world: World, method: str, path: str, headers: dict[str, str], body: Any = None, status: int = 200) -> Any:
    response = world.client.request(method, f"{API}{path}", headers=headers, json=body)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def actor(world: World, name: str) -> dict[str, str]:
    return world.a.actors[name].headers


def enrol(world: World, who: str, **fields: Any) -> int:
    """A new member enrolled by `who` (staff1 brings it with its store and staff record)."""
    body = {"phone": f"137{next(_phones):08d}", **fields}
    return int(call(world, "POST", "/members", actor(world, who), body, 201)["id"])
