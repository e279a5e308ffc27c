"""Helpers of the ownership tests: more members and a second clerk at m1, built through the API."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD, Actor, World, login

API = "/api/v1/ownership"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def enrol(world: World, who: str, count: int, base: int = 13_700_000_000) -> list[int]:
    """`count` new members enrolled by the actor `who` of alliance A (at its merchant, its store)."""
    headers = world.a.actors[who].headers
    return [ok(world.client.post("/api/v1/members", headers=headers, json={
        "phone": str(base + i), "name": f"客户{i}", "consent_marketing": True}), 201)["id"] for i in range(count)]


def second_clerk(world: World, merchant_index: int = 0, name: str = "二号导购") -> Actor:
    """Another staff member of the merchant, with a store-staff login."""
    mid = world.a.merchants[merchant_index]
    admin = world.a.actors[f"admin{merchant_index + 1}"].headers
    staff = ok(world.client.post(f"/api/v1/merchants/{mid}/staff", headers=admin, json={
        "name": name, "role": "shopping_guide", "store_id": world.a.stores[mid]}), 201)["id"]
    username = f"clerk-{staff}"
    user = ok(world.client.post("/api/v1/users", headers=world.a.actors["operator"].headers, json={
        "username": username, "password": PASSWORD, "role": "store_staff", "merchant_id": mid, "staff_id": staff}),
        201)["id"]
    return Actor(username, login(world.client, username), user, merchant_id=mid, staff_id=staff)
