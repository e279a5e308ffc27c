"""JSON bodies are strict (issue 11, item 4): an amount, a number of points or an id is a JSON integer. `true`,
`"1_000"`, `"100"` and `1.5` are refused with 422 on every write endpoint, batch included, and nothing is written.
Before, pydantic's lax mode recorded `"amount_fen": true` as a 1-fen order and `"1_000"` as 1000."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.db import Base
from tests.conftest import World

ORDER = {"external_id": "T-1", "member_id": 1, "amount_fen": 100}
TERM = {"kind": "percent_of_order", "rate_bp": 500, "amount_fen": 100, "staff_amount_fen": 0, "min_order_fen": 0,
        "cap_per_order_fen": 1_000, "cap_per_member_month_fen": 5_000, "within_days": 30, "operator_rate_bp": 0}
PRODUCT = {"name": "联名卡", "lead_merchant_id": 1, "expiry_merchant_id": 1, "carry_over_months": 12, "tiers": [
    {"name": "舒适版", "price_fen": 10_000,
     "components": [{"merchant_id": 1, "name": "保养", "units": 1, "list_value_fen": 10_000}]}]}

# (method, path, a body the schema accepts, the integer fields to corrupt one at a time: dotted paths)
WRITES: list[tuple[str, str, dict[str, Any], list[str]]] = [
    ("post", "/orders", {**ORDER, "store_id": 1, "points_used": 0, "stored_value_fen": 0,
                         "stored_value_merchant_id": 1, "referrer_merchant_id": 1, "referrer_staff_id": 1,
                         "merchant_id": 1, "items": [{"name": "a", "quantity": 1, "unit_price_fen": 100}]},
     ["amount_fen", "member_id", "store_id", "points_used", "stored_value_fen", "stored_value_merchant_id",
      "referrer_merchant_id", "referrer_staff_id", "merchant_id", "items.0.unit_price_fen", "items.0.quantity"]),
    ("post", "/orders/batch", {"orders": [ORDER, {**ORDER, "external_id": "T-2", "points_used": 0}]},
     ["orders.0.amount_fen", "orders.0.member_id", "orders.1.points_used"]),
    ("post", "/orders/1/refunds", {"external_id": "R-1", "amount_fen": 100}, ["amount_fen"]),
    ("post", "/top-ups", {"external_id": "S-1", "member_id": 1, "amount_fen": 100, "merchant_id": 1},
     ["member_id", "amount_fen", "merchant_id"]),
    ("post", "/coupons/redeem", {"code": "ABCD1234", "member_id": 1, "bill_fen": 100, "store_id": 1,
                                 "merchant_id": 1, "order_external_id": "O-1", "points_used": 0},
     ["member_id", "bill_fen", "store_id", "merchant_id", "points_used"]),
    ("post", "/coupons/issue", {"template_id": 1, "member_id": 1}, ["template_id", "member_id"]),
    ("post", "/redemptions/1/order", {"external_id": "O-2", "amount_fen": 100, "points_used": 0,
                                      "stored_value_fen": 0}, ["amount_fen", "points_used", "stored_value_fen"]),
    ("post", "/withdrawals", {"payee_type": "merchant", "payee_id": 1, "amount_fen": 100},
     ["payee_id", "amount_fen"]),
    ("post", "/joint-card-products", PRODUCT,
     ["lead_merchant_id", "expiry_merchant_id", "tiers.0.price_fen", "tiers.0.components.0.merchant_id",
      "tiers.0.components.0.list_value_fen", "tiers.0.components.0.units"]),
    ("post", "/joint-cards/sales", {"external_id": "J-1", "tier_id": 1, "member_id": 1}, ["tier_id", "member_id"]),
    ("post", "/joint-cards/1/consume", {"component_id": 1, "units": 1}, ["component_id", "units"]),
    ("post", "/campaigns/1/merchants", {"merchant_id": 1, "contribution_fen": 100},
     ["merchant_id", "contribution_fen"]),
    ("post", "/campaigns/1/costs", {"what": "场地", "amount_fen": 100, "paid_by_merchant_id": 1},
     ["amount_fen", "paid_by_merchant_id"]),
    ("post", "/campaigns/1/registrations", {"member_id": 1}, ["member_id"]),
    ("post", "/campaigns/1/gift-packages", {"name": "礼包", "template_ids": [1]}, ["template_ids.0"]),
    ("post", "/gift-packages/1/claim", {"member_id": 1}, ["member_id"]),
    ("post", "/agreements", {"title": "协议", "merchant_a_id": 1, "merchant_b_id": 2, "modes": ["rights_exchange"],
                             "commission_terms": [TERM], "return_window_days": 7},
     ["merchant_a_id", "merchant_b_id", "return_window_days", "commission_terms.0.rate_bp",
      "commission_terms.0.amount_fen", "commission_terms.0.staff_amount_fen", "commission_terms.0.min_order_fen",
      "commission_terms.0.cap_per_order_fen", "commission_terms.0.cap_per_member_month_fen",
      "commission_terms.0.within_days", "commission_terms.0.operator_rate_bp"]),
    ("patch", "/agreements/1", {"commission_terms": [TERM]}, ["commission_terms.0.amount_fen"]),
    ("post", "/statements/1/adjustments", {"adjustments": [{"line_id": 1, "amount_fen": 100, "note": "更正"}]},
     ["adjustments.0.line_id", "adjustments.0.amount_fen"]),
    ("put", "/merchants/1/points-rule", {"points_per_yuan": 1, "min_order_fen": 0, "max_points_per_order": 10},
     ["points_per_yuan", "min_order_fen", "max_points_per_order"]),
    ("post", "/members", {"phone": "13912345678", "origin_merchant_id": 1, "origin_store_id": 1,
                          "origin_staff_id": 1}, ["origin_merchant_id", "origin_store_id", "origin_staff_id"]),
    ("put", "/recruiting/settings", {"bounty_fen": 100}, ["bounty_fen"]),
    ("post", "/join-links", {"merchant_id": 1}, ["merchant_id"]),
]
# one world per endpoint (its fields corrupted one at a time): a world per field cost minutes of CI
CASES = [pytest.param(method, path, body, fields, id=f"{method} {path}") for method, path, body, fields in WRITES]
WRONG = [True, "1_000", "100", 1.5]


def _corrupt(body: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    *parents, last = dotted.split(".")
    node: Any = changed
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return changed


def _rows(session: Session) -> dict[str, int]:
    session.rollback()
    return {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


@pytest.mark.parametrize(("method", "path", "body", "fields"), CASES)
def test_integer_fields_take_json_integers_only(world: World, session: Session, method: str, path: str,
                                                body: dict[str, Any], fields: list[str]) -> None:
    headers = world.a.actors["operator"].headers
    before = _rows(session)
    for field in fields:
        for wrong in WRONG:
            response = world.client.request(method, f"/api/v1{path}", headers=headers,
                                            json=_corrupt(body, field, wrong))
            assert response.status_code == 422, f"{field}={wrong!r}: {response.status_code} {response.text}"
            error = response.json()["error"]
            assert error["code"] == "validation_error"
            problems = [(".".join(p["loc"][1:]), p["type"]) for p in error["details"]]
            assert problems == [(field, "int_type")], f"{field}={wrong!r}: {problems}"
    assert _rows(session) == before


def test_the_same_field_takes_a_json_integer(world: World) -> None:
    """The strict types refuse the wrong JSON types, not integers: a real order still goes through."""
    staff = world.a.actors["staff1"].headers
    member = world.a.members[world.a.merchants[0]]
    response = world.client.post("/api/v1/orders", headers=staff,
                                 json={"external_id": "OK-1", "member_id": member, "amount_fen": 1_000})
    assert response.status_code == 201, response.text
    assert response.json()["amount_fen"] == 1_000
