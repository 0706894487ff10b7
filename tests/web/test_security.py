"""Host check (DNS rebinding), CSRF on every POST, cross-site POSTs, security headers."""

from __future__ import annotations

import pytest
from starlette.routing import Route

from narrascope.web.security import CSP
from tests.web.conftest import csrf

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def test_foreign_host_header_is_refused(client):
    assert client.get("/", headers={"host": "attacker.example:8765"}).status_code == 421
    assert client.get("/", headers={"host": "localhost:8765"}).status_code == 200


def test_headers_forbid_inline_script_and_style(client):
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert csp == CSP and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    html = response.text
    assert "<script>" not in html and " style=" not in html and " onclick" not in html


def _post_routes(client):
    return [r for r in client.app.routes if isinstance(r, Route) and "POST" in (r.methods or set())]


def test_every_post_needs_the_token(client):
    routes = _post_routes(client)
    assert len(routes) >= 10
    token = csrf(client)
    wrong = token[:-1] + ("a" if token[-1] != "a" else "b")
    for route in routes:
        path = route.path.replace("{sample}", "x").replace("{job_id}", "1")
        assert client.post(path, data={"a": "b"}).status_code == 403, path
        assert client.post(path, headers={"x-csrf-token": "0" * 64}).status_code == 403, path
        assert client.post(path, data={"csrf_token": wrong}).status_code == 403, path
    # the right token passes the check (the request then fails or succeeds on its own merits)
    assert client.post("/jobs/999/cancel", headers={"x-csrf-token": token}).status_code == 404


def test_cross_site_post_is_refused_even_with_a_token(client):
    token = csrf(client)
    response = client.post("/jobs/1/cancel", headers={"x-csrf-token": token, "origin": "https://evil.example"})
    assert response.status_code == 403
    ok = client.post("/jobs/1/cancel", headers={"x-csrf-token": token, "origin": "http://127.0.0.1:8765"})
    assert ok.status_code == 404


def test_token_is_bound_to_the_browser(client):
    from starlette.testclient import TestClient

    token = csrf(client)
    other = TestClient(client.app, base_url="http://127.0.0.1")
    other.get("/")
    assert other.post("/jobs/1/cancel", headers={"x-csrf-token": token}).status_code == 403
