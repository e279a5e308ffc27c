"""The console pages (invite, results, audit) and the prospect's own phone-sized page."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from lianmeng.prospects import domain
from tests.integration.prospects.conftest import Prospects, phone
from tests.integration.prospects.test_overlap_flow import hash_with_cli
from tests.integration.web.console import console, csrf_of

SALT = re.compile(r'id="issued-salt"[^>]*>([^<]+)<')
LINK = re.compile(r'id="issued-link"[^>]*>[^<]*(/p/overlap/[^<]+)<')


def test_operator_invites_and_the_prospect_uploads_from_its_page(prospects: Prospects, tmp_path: Path) -> None:
    browser = console(prospects.world.client, prospects.world.a.actors["operator"].username)
    page = browser.get("/console/prospects")
    assert page.status_code == 200 and "星河瑜伽" in page.text and 'href="/console/prospects"' in page.text
    made = browser.post("/console/prospects/invitations",
                        data={"csrf": csrf_of(page.text), "candidate_id": str(prospects.candidate_id), "hours": "12"})
    assert made.status_code == 201, made.text
    salt = SALT.search(made.text)
    link = LINK.search(made.text)
    assert salt and link
    assert browser.get("/console/prospects").text.count(salt.group(1)) == 0  # shown once

    visitor = TestClient(prospects.world.client.app)
    landing = visitor.get(link.group(1))
    assert landing.status_code == 200 and salt.group(1) in landing.text and 'name="file"' in landing.text
    hashes = hash_with_cli(tmp_path, salt.group(1), [phone(i) for i in range(120)] + [f"135{i:08d}" for i in
                                                                                    range(30)])
    done = visitor.post(link.group(1), data={"csrf": csrf_of(landing.text)},
                        files={"file": ("hashes.csv", hashes, "text/csv")})
    assert done.status_code == 201, done.text
    assert 'id="result-shared"' in done.text and "150" in done.text

    results = browser.get("/console/prospects")
    assert "&lt; 10" in results.text  # m3 shares nobody with this list
    audit = browser.get("/console/prospects/audit")
    assert audit.status_code == 200 and "星河瑜伽 × " in audit.text and "&lt; 10" in audit.text


def test_the_prospect_page_reports_a_bad_file_line_by_line(prospects: Prospects) -> None:
    browser = console(prospects.world.client, prospects.world.a.actors["operator"].username)
    page = browser.get("/console/prospects")
    made = browser.post("/console/prospects/invitations",
                        data={"csrf": csrf_of(page.text), "candidate_id": str(prospects.candidate_id)})
    link = LINK.search(made.text)
    assert link
    visitor = TestClient(prospects.world.client.app)
    visitor.cookies.set("lm_lang", "en")
    landing = visitor.get(link.group(1))
    body = ("hash\n" + "\n".join(f"{i:064x}" for i in range(1, 120)) + "\n13812345678\n").encode()
    refused = visitor.post(link.group(1), data={"csrf": csrf_of(landing.text)},
                           files={"file": ("hashes.csv", body, "text/csv")})
    assert refused.status_code == 422
    assert 'data-line="121"' in refused.text and "looks like a phone number" in refused.text
    assert "13812345678" not in refused.text
    assert visitor.get("/p/overlap/not-a-token").status_code == 404


def test_store_staff_and_merchant_admins_see_what_is_theirs(prospects: Prospects) -> None:
    staff = console(prospects.world.client, prospects.world.a.actors["staff1"].username)
    assert staff.get("/console/prospects").status_code == 403
    assert staff.get("/console/prospects/audit").status_code == 403
    admin = console(prospects.world.client, prospects.world.a.actors["admin1"].username)
    page = admin.get("/console/prospects")
    assert page.status_code == 200 and "山野户外" in page.text and "星河瑜伽" not in page.text
    assert admin.get("/console/prospects/audit").status_code == 403
    assert f"{domain.QUERY_BUDGET}" in page.text
