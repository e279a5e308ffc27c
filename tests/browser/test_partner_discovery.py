"""In a real browser: a merchant admin adds an alliance merchant as a candidate through the form (a swapped
coordinate first, refused next to the stores), reads its scorecard (prior overlap, measured distance, a sentence per
standard), records a mystery visit, and follows the propose button to the agreement form with the partner chosen."""

from __future__ import annotations

import os
import re

from playwright.sync_api import Page, expect

from tests.browser.test_partners_members import log_in
from tests.conftest import World


def test_a_candidate_from_the_form_to_its_scorecard_and_the_proposal(page: Page, world: World) -> None:
    m2 = world.a.merchants[1]
    log_in(page, world.a.actors["admin1"].username)
    page.goto("/console/partners/candidates")
    page.click("#new-candidate")
    page.fill("#f-name", "力行健身")
    page.select_option("#f-industry", "fitness")
    page.select_option("#f-merchant_id", str(m2))
    page.fill("#f-stores", "会展中心店, 114.0575, 22.5335, 福华三路 88 号")  # latitude and longitude swapped
    page.fill("#f-rating", "4.7")
    page.select_option("#f-rating_source", "dianping")
    page.click("#save-candidate")
    expect(page.locator("#e-stores")).to_be_visible()
    page.fill("#f-stores", "会展中心店, 22.5335, 114.0575, 福华三路 88 号")
    page.click("#save-candidate")
    expect(page.locator("#scorecard")).to_be_visible()
    expect(page.locator('tr[data-standard="overlap"]')).to_contain_text("先验")
    expect(page.locator('tr[data-standard="distance"]')).to_contain_text("公里")
    page.fill("#f-visitor", "陈志远")
    page.fill("#f-visited_on", "2026-11-25")
    page.fill("#f-score", "5")
    page.click("#add-visit")
    expect(page.locator("#visits")).to_contain_text("陈志远")
    if os.environ.get("LIANMENG_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["LIANMENG_SCREENSHOTS"], "candidate.png"), full_page=True)
    page.click("#propose-candidate")
    expect(page).to_have_url(re.compile(rf"/console/partners/propose\?merchant_b_id={m2}$"))
    expect(page.locator("#f-merchant_b_id")).to_have_value(str(m2))
