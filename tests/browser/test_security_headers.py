"""The pages satisfy their own Content-Security-Policy in a real browser: no violation reported on the console, the
dashboard's SVG charts, and the partners page's "use my location" script (now a file under /static) runs."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.test_login import log_in
from tests.browser.test_member_page import sign_in
from tests.conftest import World


def watch(tab: Page) -> list[str]:
    seen: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            seen.append(message.text)

    tab.on("console", note)
    return seen


def test_console_pages_raise_no_policy_violation(page: Page, world: World) -> None:
    violations = watch(page)
    log_in(page, world.a.actors["operator"].username)
    expect(page).to_have_url("/console/operator")
    for path in ("/console/operator", "/", f"/console/dashboard?merchant_id={world.a.merchants[0]}",
                 "/console/coupons", "/console/members"):
        response = page.goto(path)
        assert response is not None and "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert violations == []


def test_the_partners_page_script_runs_under_the_policy(phone: Page, world: World, live_server: str,
                                                         db_url: str) -> None:
    violations = watch(phone)
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": 22.54, "longitude": 114.05})
    sign_in(phone, live_server, db_url, world.a.members[world.a.merchants[0]])
    phone.goto("/m/partners")
    expect(phone.locator("#locate")).to_be_visible()  # only the script unhides it
    phone.click("#locate")
    expect(phone).to_have_url("/m/partners?lat=22.54000&lng=114.05000")
    assert violations == []
