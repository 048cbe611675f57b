"""Every response carries the security headers (the inbox, /v, /try, the API, files, errors), and
no page needs inline script or style, so the strict Content-Security-Policy breaks nothing."""
import re

import pytest
from werkzeug.routing import IntegerConverter

from tests.inbox_drivers import PASSWORD, add_officer, file_birth_request, sign_in

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
CSP_PARTS = ("default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
             "base-uri 'none'", "form-action 'self'")


def assert_protected(response, where: str) -> None:
    """The headers a browser needs to refuse framing, sniffing, leaking and injected script."""
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{where}: {name}"
    policy = response.headers.get("Content-Security-Policy", "")
    for part in CSP_PARTS:
        # a file's own stricter policy ("default-src 'none'; img-src 'self'") is as good
        stricter = part.replace("'self'", "'none'")
        assert part in policy or (part.startswith("default-src") and stricter in policy), f"{where}: {part}"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"{where}: inline script"
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html), f"{where}: inline style or handler"


def url_for_rule(rule, ticket: str) -> str:
    """A concrete address for a route: a real ticket, 1 for numbers, a made-up word otherwise."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        values[name] = 1 if isinstance(converter, IntegerConverter) else (ticket if name == "ticket" else "contoh")
    return rule.build(values, append_unknown=False)[1]


def test_every_page_of_the_app_carries_the_headers(sqlite_app):
    ticket = file_birth_request(sqlite_app)
    add_officer(sqlite_app, role="admin")
    client = sqlite_app.test_client()
    assert sign_in(client).status_code == 302
    rules = [r for r in sqlite_app.url_map.iter_rules() if "GET" in r.methods and "logout" not in r.endpoint]
    assert len(rules) > 15
    statuses = {}
    for rule in rules:
        url = url_for_rule(rule, ticket) if rule.endpoint != "static" else "/static/inbox.js"
        response = client.get(url)
        statuses[url] = response.status_code
        assert_protected(response, url)
        response.close()
    assert statuses["/inbox/requests"] == 200 and statuses["/static/inbox.js"] == 200
    assert statuses[f"/inbox/requests/{ticket}"] == 200
    # and the pages a visitor sees signed out
    anonymous = sqlite_app.test_client()
    for url in ("/inbox/login", "/try", "/v/TIDAKADA", "/healthz", "/api/v1/requests", "/tidak-ada"):
        response = anonymous.get(url)
        assert_protected(response, url)
        response.close()


def test_errors_carry_the_headers_too(tmp_path, sqlite_template):
    from tests.conftest import _sqlite_app

    app = _sqlite_app(tmp_path, sqlite_template, PROPAGATE_EXCEPTIONS=False)

    @app.get("/rusak")
    def broken():
        raise RuntimeError("boom")

    client = app.test_client()
    for response, where in ((client.get("/rusak"), "500"), (client.get("/tidak-ada"), "404"),
                            (client.put("/inbox/login"), "405"), (client.post("/inbox/login"), "400 (no form token)"),
                            (client.post("/v", data=b"x" * (41 * 1024 * 1024)), "413")):
        assert_protected(response, where)


def test_the_pages_run_in_a_browser_without_breaking_the_policy(sqlite_app, live_server_url, browser_page):
    ticket = file_birth_request(sqlite_app)
    add_officer(sqlite_app, role="admin")
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(live_server_url + "/inbox/login")
    page.get_by_label("Nama pengguna").fill("siti")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_test_id("officer-name").wait_for()
    for path in ("/inbox/", "/inbox/requests", f"/inbox/requests/{ticket}", "/inbox/failures", "/try", "/v/TIDAKADA"):
        page.goto(live_server_url + path)
        page.wait_for_load_state("networkidle")
    # The inbox's own stylesheet applied (it is a file now, not an inline block).
    page.goto(live_server_url + "/inbox/failures")
    assert page.eval_on_selector("header", "h => getComputedStyle(h).backgroundColor") == "rgb(11, 83, 148)"
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == []
    assert page.js_errors == []


@pytest.mark.parametrize("base_url, hsts", [("https://sapa.example", True), ("http://localhost:5000", False)])
def test_https_deployments_ask_browsers_to_stay_on_https(tmp_path, sqlite_template, base_url, hsts):
    from tests.conftest import _sqlite_app

    app = _sqlite_app(tmp_path, sqlite_template, PUBLIC_BASE_URL=base_url)
    assert ("Strict-Transport-Security" in app.test_client().get("/inbox/login").headers) is hsts
