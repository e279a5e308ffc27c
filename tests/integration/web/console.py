"""Logging in to the console the way a browser does: the login form, its CSRF token, a cookie jar of its own."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD

CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the (first) form on a page."""
    match = CSRF.search(html)
    assert match, f"no form with a CSRF token: {html[:500]}"
    return match.group(1)


def console(client: TestClient, username: str, *, raise_server_exceptions: bool = True) -> TestClient:
    """A browser of its own (its own cookies) on `client`'s app, logged in to the console as `username`."""
    browser = TestClient(client.app, raise_server_exceptions=raise_server_exceptions)
    response = browser.post("/login", data={"csrf": csrf_of(browser.get("/login").text), "username": username,
                                            "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return browser
