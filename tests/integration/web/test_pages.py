"""The public overview page: merchants, a store map with a legend, agreements by status — counts, no PII."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lianmeng.demo.loader import DemoPlan, load_demo


def test_home_redirects_to_the_only_alliance_and_shows_it(client: TestClient, session: Session) -> None:
    load_demo(session, DemoPlan(seed=7, scale=0.02))
    session.commit()
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/alliances/tesla-life-sz"
    page = client.get("/alliances/tesla-life-sz")
    assert page.status_code == 200
    assert page.text.count("<circle") == 23  # every store on the map (one of them a planted duplicate)
    assert "健身 <small>Fitness</small>" in page.text  # legend and table, Chinese first
    assert "生效中" in page.text and "Active" in page.text
    assert "****" not in page.text  # no member data at all, not even masked


def test_empty_database_and_unknown_alliance(client: TestClient) -> None:
    assert "lianmeng demo" in client.get("/").text
    missing = client.get("/alliances/nope")  # a page answers errors as a page, in the reader's language
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "未找到联盟" in missing.text
    english = client.get("/alliances/nope", headers={"Accept-Language": "en"})
    assert "Alliance not found" in english.text


def test_the_address_in_claim_qr_codes_lands_on_the_claim_page(client: TestClient) -> None:
    response = client.get("/claim/AbC-123", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/c/AbC-123"
