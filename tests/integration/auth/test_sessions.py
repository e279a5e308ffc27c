"""Sessions (issue 11 item 10): logout ends the token everywhere, cookies are Secure over HTTPS, the CSRF token of a
form shown before login is each visitor's own, and every response carries the security headers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lianmeng.web.console import MEMBER_COOKIE, SESSION_COOKIE
from lianmeng.web.security import PAGE_POLICY
from tests.conftest import PASSWORD, World, login
from tests.integration.web.console import console, csrf_of

API = "/api/v1"


def test_api_logout_ends_the_token(world: World) -> None:
    headers = login(world.client, "op-alpha")
    assert world.client.get(f"{API}/auth/whoami", headers=headers).status_code == 200
    assert world.client.post(f"{API}/auth/logout", headers=headers).status_code == 204
    after = world.client.get(f"{API}/auth/whoami", headers=headers)
    assert after.status_code == 401 and after.json()["error"]["code"] == "invalid_token"
    assert world.client.post(f"{API}/auth/logout", headers=headers).status_code == 401
    assert world.client.get(f"{API}/auth/whoami", headers=world.a.actors["operator"].headers).status_code == 200


def test_console_logout_ends_the_cookie_token(world: World) -> None:
    browser = console(world.client, "op-alpha")
    token = browser.cookies[SESSION_COOKIE]
    home = browser.get("/console")
    assert home.status_code == 200
    out = browser.post("/logout", data={"csrf": csrf_of(home.text)}, follow_redirects=False)
    assert out.status_code == 303
    copied = TestClient(world.client.app)
    copied.cookies.set(SESSION_COOKIE, token)  # a copy of the cookie kept elsewhere
    assert copied.get("/console", follow_redirects=False).status_code == 303  # back to the login page
    bearer = world.client.get(f"{API}/auth/whoami", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 401


def test_member_logout_ends_the_member_token(world: World) -> None:
    card = world.client.get(f"{API}/members/{world.a.members[world.a.merchants[0]]}/card",
                            headers=world.a.actors["operator"].headers).json()
    token = world.client.post(f"{API}/auth/member/card", json={"qr_payload": card["qr_payload"]}).json()
    member = TestClient(world.client.app)
    member.cookies.set(MEMBER_COOKIE, token["access_token"])
    home = member.get("/m")
    assert home.status_code == 200
    assert member.post("/m/logout", data={"csrf": csrf_of(home.text)}, follow_redirects=False).status_code == 303
    me = world.client.get(f"{API}/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 401


def _set_cookies(response: object) -> list[str]:
    return response.headers.get_list("set-cookie")  # type: ignore[attr-defined,no-any-return]


def test_cookies_are_secure_over_https_only(world: World) -> None:
    for base, secure in (("https://testserver", True), ("http://testserver", False)):
        browser = TestClient(world.client.app, base_url=base)
        page = browser.get("/login")
        visitor = [c for c in _set_cookies(page) if c.startswith("lm_csrf=")]
        assert visitor and ("Secure" in visitor[0]) is secure
        done = browser.post("/login", data={"csrf": csrf_of(page.text), "username": "op-alpha",
                                            "password": PASSWORD}, follow_redirects=False)
        assert done.status_code == 303
        session = [c for c in _set_cookies(done) if c.startswith(f"{SESSION_COOKIE}=")]
        assert session and ("Secure" in session[0]) is secure
        assert "HttpOnly" in session[0] and "SameSite=strict" in session[0]


def test_the_anonymous_csrf_token_is_each_visitors_own(world: World) -> None:
    one, two = TestClient(world.client.app), TestClient(world.client.app)
    first, second = csrf_of(one.get("/login").text), csrf_of(two.get("/login").text)
    assert first != second
    assert csrf_of(one.get("/login").text) == first  # stable for one visitor
    stolen = two.post("/login", data={"csrf": first, "username": "op-alpha", "password": PASSWORD},
                      follow_redirects=False)
    assert stolen.status_code == 403
    bare = TestClient(world.client.app)  # no cookie at all: nothing matches, not even an empty token
    assert bare.post("/login", data={"csrf": "", "username": "op-alpha", "password": PASSWORD},
                     follow_redirects=False).status_code == 403
    own = one.post("/login", data={"csrf": first, "username": "op-alpha", "password": PASSWORD},
                   follow_redirects=False)
    assert own.status_code == 303


def test_every_response_carries_the_security_headers(world: World) -> None:
    client = world.client
    responses = [client.get("/login"), client.get("/m/login"), client.get("/no-such-page"),
                 client.get(f"{API}/health"), client.get(f"{API}/members"), client.get("/static/lianmeng.css"),
                 client.post(f"{API}/auth/login", json={"username": "x", "password": "y"})]
    for response in responses:
        assert response.headers["Content-Security-Policy"] == PAGE_POLICY, response.url
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
    assert "script-src 'self';" in PAGE_POLICY and "unsafe-inline" not in PAGE_POLICY.split("style-src-attr")[0]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "frame-ancestors 'none'" in docs.headers["Content-Security-Policy"]


def test_no_page_has_an_inline_script() -> None:
    """The policy allows no inline <script>: every template's scripts are files under /static."""
    import re
    from pathlib import Path

    import lianmeng.web

    templates = Path(lianmeng.web.__file__).parent / "templates"
    inline = [str(path) for path in templates.rglob("*.html")
              if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", path.read_text()) or " on" + "click=" in path.read_text()]
    assert inline == []
