"""Issue 14: the password policy, tokens revoked with their user's credentials, login
throttling kept in the database by (name, address), the audit of failures and
downloads, zip budgets per request and per user, upload ownership between servers, a
fair upload queue, and the workers stopped on SIGTERM."""
from __future__ import annotations

import re

import pytest

from web_util import PASSWORD, WebEnv, record, report_file


@pytest.fixture(scope="module")
def env(tmp_path_factory):  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path_factory.mktemp("hardening"))
    e.ids = e.ingest([("a.txt", report_file(record(1, broken=True), 1))])
    yield e
    e.close()


# --------------------------------------------------------------------------- 11: passwords


@pytest.mark.parametrize("weak", ["12345678", "aaaaaaaa", "        ", "password", "Password2024!", "qwertyuiop",
                                  "87654321", "abababab", "woaini1314", "5201314520", "\t \u3000  \t  ", "policy-user"])
def test_weak_passwords_are_refused(weak: str) -> None:
    from nianbao.web.passwords import problem

    assert problem(weak, "policy-user") is not None


@pytest.mark.parametrize("good", [PASSWORD, "密码要够长12345", "a-new-password", "Tr0ub4dor&3x", "long enough password"])
def test_reasonable_passwords_pass(good: str) -> None:
    from nianbao.web.passwords import problem

    assert problem(good, "viewer") is None


def test_the_admin_form_and_the_api_refuse_weak_passwords(env: WebEnv) -> None:
    admin = env.login("admin")
    for weak in ("12345678", "aaaaaaaa", " " * 8):
        r = admin.post("/admin/users", data={"name": "weakling", "role": "viewer", "password": weak})
        assert r.status_code == 400, weak
        r = admin.api("POST", "/api/users", json={"name": "weakling", "role": "viewer", "password": weak})
        assert r.status_code == 400, weak
        assert r.json()["detail_en"]
    assert "weakling" not in admin.get("/admin/users").text
    c = env.login("viewer")
    r = c.post("/account/password", data={"current": PASSWORD, "new": "12345678"})
    assert r.status_code == 400 and "密码" in r.text


# --------------------------------------------------------------------------- 12: tokens, HSTS


def _token(c) -> str:  # type: ignore[no-untyped-def]
    r = c.api("POST", "/api/tokens", json={"name": "script"})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def test_tokens_die_with_a_password_change_and_a_deactivation(env: WebEnv) -> None:
    admin = env.login("admin")
    assert admin.post("/admin/users", data={"name": "tokenuser", "role": "reviewer", "password": PASSWORD}).status_code == 303
    c = env.login("tokenuser")
    auth = {"Authorization": f"Bearer {_token(c)}"}
    script = env.anonymous().http
    assert script.get("/api/me", headers=auth).status_code == 200
    r = c.post("/account/password", data={"current": PASSWORD, "new": "a brand new secret"})
    assert r.status_code == 303
    assert script.get("/api/me", headers=auth).status_code == 401
    c = env.login("tokenuser", "a brand new secret")
    auth = {"Authorization": f"Bearer {_token(c)}"}
    assert admin.post("/admin/users/tokenuser", data={"active": "0"}).status_code == 303
    assert admin.post("/admin/users/tokenuser", data={"active": "1"}).status_code == 303
    assert script.get("/api/me", headers=auth).status_code == 401  # not back with the account
    c = env.login("tokenuser", "a brand new secret")
    auth = {"Authorization": f"Bearer {_token(c)}"}
    assert admin.api("PATCH", "/api/users/tokenuser", json={"password": "yet another secret"}).status_code == 200
    assert script.get("/api/me", headers=auth).status_code == 401


def test_a_token_cannot_mint_tokens(env: WebEnv) -> None:
    c = env.login("reviewer")
    auth = {"Authorization": f"Bearer {_token(c)}"}
    script = env.anonymous().http
    r = script.post("/api/tokens", json={"name": "child"}, headers=auth)
    assert r.status_code == 403 and "token" in r.json()["detail_en"]
    assert script.get("/api/me", headers=auth).status_code == 200  # the token itself still works


def test_hsts_only_over_https(env: WebEnv) -> None:
    from fastapi.testclient import TestClient

    plain = env.anonymous().http.get("/login")
    assert "strict-transport-security" not in plain.headers
    tls = TestClient(env.app, base_url="https://testserver", follow_redirects=False)  # no lifespan: no `with`
    r = tls.get("/login")
    tls.close()
    assert "max-age=" in r.headers["strict-transport-security"]
