"""No response, page or export of the overlap views carries a phone, a hash, a card number or a member id, and
every count below k is "< 10" — in the API, on the console pages (zh-CN and en) and in the XLSX/CSV exports."""

from __future__ import annotations

import io
import json
import re

import pytest
from openpyxl import load_workbook

from tests.conftest import World
from tests.integration.overlap.conftest import Customers, refresh
from tests.integration.web.console import console, csrf_of

FORBIDDEN_KEYS = {"member_id", "member_ids", "members_ids", "phone", "phone_hash", "phone_enc", "phone_masked",
                  "card_no", "hash"}


def keys_of(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


def assert_nothing_personal(text: str, customers: Customers) -> None:
    for secret in customers.secrets():
        assert secret not in text, secret
    # a keyed hash (64 hex digits; the page's 32-digit CSRF token is not one) or a phone number, whoever's; a phone
    # stands alone, not inside a token (a random hex CSRF token can hold eleven digits between two letters)
    assert not re.search(r"[0-9a-f]{40,}", text)
    assert not re.search(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])", text)


def xlsx_text(content: bytes) -> str:
    ws = load_workbook(io.BytesIO(content)).active
    assert ws is not None
    return "\n".join("\t".join("" if c is None else str(c) for c in row) for row in ws.iter_rows(values_only=True))


def test_api_responses_carry_counts_only(world: World, customers: Customers) -> None:
    refresh(world.a.alliance_id)
    c = world.client
    calls = [(world.a.actors["admin1"].headers, f"/api/v1/overlap/merchants/{m}") for m in world.a.merchants[:1]]
    calls += [(world.a.actors["operator"].headers, f"/api/v1/overlap/merchants/{m}") for m in world.a.merchants]
    calls += [(world.a.actors["operator"].headers, "/api/v1/overlap/matrix")]
    for headers, path in calls:
        r = c.get(path, headers=headers)
        assert r.status_code == 200, r.text
        assert not keys_of(r.json()) & FORBIDDEN_KEYS
        assert_nothing_personal(r.text, customers)
        numbers = [int(n) for n in re.findall(r"(?<![\d.])\d+(?![\d.])", json.dumps(r.json()))]
        assert not set(numbers) & set(customers.ids)


def test_exports_carry_counts_only_and_suppress_below_k(world: World, customers: Customers) -> None:
    refresh(world.a.alliance_id)
    for m, who in zip(world.a.merchants, ("admin1", "admin2", "admin3"), strict=True):
        for fmt in ("xlsx", "csv"):
            r = world.client.get(f"/api/v1/overlap/merchants/{m}/export", params={"format": fmt},
                                 headers=world.a.actors[who].headers)
            assert r.status_code == 200
            text = xlsx_text(r.content) if fmt == "xlsx" else r.content.decode("utf-8-sig")
            assert_nothing_personal(text, customers)
            for hidden in ("\t9\t", "\t5\t", ",9,", ",5,"):  # m1–m3 shares 9, m2–m3 5: never written
                assert hidden not in text
            assert "< 10" in text


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_pages_carry_counts_only_and_suppress_below_k(world: World, customers: Customers, lang: str) -> None:
    refresh(world.a.alliance_id)
    m1, m2, m3 = world.a.merchants
    admin = console(world.client, world.a.actors["admin3"].username)
    admin.cookies.set("lm_lang", lang)
    page = admin.get("/console/overlap")
    assert page.status_code == 200, page.text
    assert_nothing_personal(page.text, customers)
    assert 'id="customers">15<' in page.text and 'id="shown-total">0<' in page.text
    assert 'id="partners-below">2<' in page.text and "&lt; 10" in page.text
    assert admin.get(f"/console/overlap?merchant_id={m1}").status_code == 403
    export = admin.get("/console/overlap/export?format=xlsx")
    assert export.status_code == 200 and "< 10" in xlsx_text(export.content)

    operator = console(world.client, world.a.actors["operator"].username)
    operator.cookies.set("lm_lang", lang)
    page = operator.get("/console/overlap/matrix")
    assert page.status_code == 200, page.text
    assert_nothing_personal(page.text, customers)
    heat = page.text[page.text.index('id="overlap-map"'):page.text.index('id="flow-map"')]
    cells = re.findall(r'<td class="cell"[^>]*>([^<]*)</td>', heat)
    assert sorted(cells) == sorted(["12", "12"] + ["&lt; 10"] * 4)  # 3 × 3 without the diagonal
    assert f'data-pair="{m1}-{m2}"' in page.text
    assert ("未开发的合作组合" if lang == "zh-CN" else "Untapped pairs") in page.text
    detail = operator.get(f"/console/overlap?merchant_id={m3}")
    assert detail.status_code == 200 and 'id="partners-below">2<' in detail.text


def test_the_operator_recounts_from_the_page(world: World, customers: Customers) -> None:
    operator = console(world.client, world.a.actors["operator"].username)
    page = operator.get("/console/overlap/matrix")
    assert "尚未统计" in page.text
    r = operator.post("/console/overlap/refresh", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert "数据截至" in operator.get(r.headers["location"]).text
    r = operator.post("/console/overlap/refresh", data={"csrf": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    admin = console(world.client, world.a.actors["admin1"].username)
    assert admin.get("/console/overlap/matrix").status_code == 403
    page = admin.get("/console/overlap")
    assert admin.post("/console/overlap/refresh", data={"csrf": csrf_of(page.text) if 'name="csrf"' in page.text
                                                        else "x"}).status_code == 403
