"""Logging in as a person would: wrong password shown next to the field, then in; the language switch."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, World


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("button[type=submit]")


def test_login_shows_errors_next_to_the_field_then_lets_the_operator_in(page: Page, world: World) -> None:
    page.goto("/console")
    expect(page).to_have_url("/login?next=/console")
    page.click("button[type=submit]")
    expect(page.locator("#e-username")).to_have_text("请输入用户名")
    expect(page.locator("#e-password")).to_have_text("请输入密码")
    log_in(page, world.a.actors["operator"].username, "wrong-password")
    expect(page.locator("#e-password")).to_have_text("用户名或密码错误")
    log_in(page, world.a.actors["operator"].username)
    expect(page).to_have_url("/console/operator")


def test_the_language_switch_turns_the_page_english_and_back(page: Page) -> None:
    page.goto("/login")
    expect(page.locator("h1")).to_have_text("登录联盟后台")
    page.click("#lang-switch")
    expect(page.locator("h1")).to_have_text("Log in to the console")
    page.click("button[type=submit]")
    expect(page.locator("#e-username")).to_have_text("Enter your username")
    page.click("#lang-switch")
    expect(page.locator("h1")).to_have_text("登录联盟后台")
