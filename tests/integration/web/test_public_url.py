"""Issue 11 item 15: links that leave the building (claim links, the QR codes on posters) use LIANMENG_PUBLIC_URL
whatever Host the request came in on; without it, the request's own base URL. The QR codes are decoded (zxing-cpp),
so what a phone's camera reads is what is checked."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
import segno
import zxingcpp
from PIL import Image
from pydantic import ValidationError

from lianmeng.config import Settings, get_settings
from tests.conftest import World
from tests.integration.web.console import console

PUBLIC = "https://lm.example.com"
INSIDE = {"Host": "10.0.0.5:8000"}  # a console reached on an internal address, or a proxy that rewrites Host


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def public_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("LIANMENG_PUBLIC_URL", PUBLIC + "/")
    get_settings.cache_clear()
    yield PUBLIC
    get_settings.cache_clear()


def decoded(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1
    return str(found[0].text)


def shared(world: World) -> tuple[int, str]:
    template = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "免费车辆检测", "kind": "free_item", "item_name": "车辆检测", "item_value_fen": 30_000}))
    link = ok(world.client.post("/api/v1/claim-links", headers={**world.a.actors["staff1"].headers, **INSIDE},
                                json={"template_id": template["id"]}))
    return int(template["id"]), str(link["claim_url"])


def test_claim_links_and_qr_codes_use_the_public_url_whatever_the_host(world: World, public_url: str) -> None:
    template_id, claim_url = shared(world)
    token = claim_url.rsplit("/", 1)[-1]
    assert claim_url == f"{public_url}/claim/{token}"
    expected = f"{public_url}/claim/{token}"
    svg = world.client.get(f"/api/v1/claim/{token}/qr.svg", headers={"Host": "evil.example"})
    assert svg.status_code == 200
    assert svg.text == segno.make(expected, error="m").svg_inline(scale=6)
    guide = console(world.client, world.a.actors["staff1"].username)
    poster = guide.get(f"/console/coupons/{template_id}/claim", headers=INSIDE)
    assert poster.status_code == 200
    assert re.search(r'id="claim-url">([^<]+)<', poster.text).group(1) == expected  # type: ignore[union-attr]
    png = guide.get(f"/console/coupons/links/{token}/qr.png", headers=INSIDE)
    assert decoded(png.content) == expected
    # and the printed address lands on the claim page
    landing = world.client.get(f"/claim/{token}", follow_redirects=False)
    assert landing.status_code == 303 and landing.headers["location"] == f"/c/{token}"


def test_without_the_setting_links_use_the_requests_own_address(world: World) -> None:
    get_settings.cache_clear()
    assert get_settings().public_url is None
    _, claim_url = shared(world)
    token = claim_url.rsplit("/", 1)[-1]
    assert claim_url == f"http://10.0.0.5:8000/claim/{token}"
    guide = console(world.client, world.a.actors["staff1"].username)
    png = guide.get(f"/console/coupons/links/{token}/qr.png")
    assert decoded(png.content) == f"http://testserver/claim/{token}"


@pytest.mark.parametrize("bad", ["ftp://lm.example.com", "lm.example.com", "https://lm.example.com/?a=1",
                                 "https://lm.example.com/#top"])
def test_a_public_url_must_be_an_absolute_http_address(bad: str) -> None:
    with pytest.raises(ValidationError):
        Settings(public_url=bad)
    assert Settings(public_url="https://lm.example.com/lianmeng/").public_url == "https://lm.example.com/lianmeng"
    assert Settings(public_url="").public_url is None
