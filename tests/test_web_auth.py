"""Accounts and access: logging in, sessions and their cookies, roles, CSRF on every form
and cookie-authenticated API write, API tokens, login throttling, the read-only public
mode, and the `nianbao user` commands."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from tests.support.web_util import PASSWORD, WebEnv, record, report_file


@pytest.fixture(scope="module")
def env(tmp_path_factory):  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path_factory.mktemp("auth"))
    e.ids = e.ingest([("a.txt", report_file(record(1, broken=True), 1))])
    yield e
    e.close()


def test_pages_need_a_login_and_come_back_after_it(env: WebEnv) -> None:
    c = env.anonymous()
    r = c.get("/reports/1?x=1")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Freports%2F1%3Fx%3D1"
    r = c.post("/login", data={"name": "viewer", "password": PASSWORD, "next": "/reports/1?x=1"})
    assert r.status_code == 303 and r.headers["location"] == "/reports/1?x=1"
    assert c.get("/reports/1").status_code == 200


def test_the_api_answers_401_without_credentials(env: WebEnv) -> None:
    r = env.anonymous().get("/api/reports")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert "登录" in r.json()["detail"]


def test_wrong_password_and_unknown_user_are_refused_alike(env: WebEnv) -> None:
    c = env.anonymous()
    for name in ("viewer", "nobody"):
        r = c.post("/login", data={"name": name, "password": "wrong password"})
        assert r.status_code == 401
        assert "用户名或密码不正确" in r.text
    assert "nb_session" not in c.http.cookies


def test_login_only_redirects_within_the_site(env: WebEnv) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        c = env.anonymous()
        r = c.post("/login", data={"name": "viewer", "password": PASSWORD, "next": target})
        assert r.headers["location"] == "/"


def test_session_cookie_flags(env: WebEnv) -> None:
    c = env.anonymous()
    r = c.post("/login", data={"name": "viewer", "password": PASSWORD})
    cookie = r.headers["set-cookie"]
    assert "nb_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http, not configured


def test_secure_cookies_when_configured(tmp_path) -> None:  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path, {"secure_cookies": True})
    try:
        c = e.anonymous()
        assert "Secure" in c.get("/login").headers["set-cookie"]  # the anonymous CSRF cookie too
        r = c.post("/login", data={"name": "viewer", "password": PASSWORD})
        assert "Secure" in r.headers["set-cookie"]
    finally:
        e.close()


def test_logout_ends_the_session(env: WebEnv) -> None:
    c = env.login("viewer")
    cookie = c.http.cookies.get("nb_session")
    assert c.post("/logout").status_code == 303
    other = env.anonymous()
    other.http.cookies.set("nb_session", cookie)
    assert other.get("/").status_code == 303  # the old cookie no longer works


# --------------------------------------------------------------------------- CSRF


def test_forms_without_the_csrf_token_are_refused(env: WebEnv) -> None:
    c = env.login("reviewer")
    report = c.get("/api/reports/1/findings").json()["findings"]
    key = report[0]["key"]
    for url, data in ((f"/reports/1/findings/{key}", {"decision": "dismiss"}),
                      ("/reports/1/cells", {"path": "table3.granted[0]", "value": "5"}),
                      ("/account/tokens", {"name": "x"}),
                      ("/logout", {})):
        r = c.post(url, csrf=False, data=data)
        assert r.status_code == 403, url
        assert "CSRF" in r.text
        r = c.post(url, csrf=False, data={**data, "csrf_token": "forged"})
        assert r.status_code == 403, url
    assert c.get("/api/reports/1/findings").json()["findings"][0]["decision"] is None


def test_login_form_needs_its_csrf_token(env: WebEnv) -> None:
    c = env.anonymous()
    r = c.post("/login", csrf=False, data={"name": "viewer", "password": PASSWORD})
    assert r.status_code == 403


def test_a_session_cannot_use_another_sessions_token(env: WebEnv) -> None:
    a, b = env.login("reviewer"), env.login("reviewer")
    assert a.csrf != b.csrf
    r = a.http.post("/api/tokens", json={"name": "x"}, headers={"X-CSRF-Token": b.csrf})
    assert r.status_code == 403


def test_cookie_authenticated_api_writes_need_the_header(env: WebEnv) -> None:
    c = env.login("reviewer")
    key = c.get("/api/reports/1/findings").json()["findings"][0]["key"]
    r = c.http.post(f"/api/reports/1/findings/{key}/decision", json={"decision": "confirm"})
    assert r.status_code == 403
    r = c.api("POST", f"/api/reports/1/findings/{key}/decision", json={"decision": "confirm"})
    assert r.status_code == 200 and r.json()["decision"]["decision"] == "confirm"


# --------------------------------------------------------------------------- roles


def test_roles(env: WebEnv) -> None:
    viewer, reviewer, admin = env.login("viewer"), env.login("reviewer"), env.login("admin")
    key = viewer.get("/api/reports/1/findings").json()["findings"][0]["key"]
    assert viewer.post(f"/reports/1/findings/{key}", data={"decision": "dismiss"}).status_code == 403
    assert viewer.get("/upload").status_code == 403
    assert viewer.api("POST", "/api/reports/1/corrections", json={"path": "table3.granted[0]", "value": 1}).status_code == 403
    assert viewer.get("/audit").status_code == 403
    assert reviewer.get("/upload").status_code == 200
    assert reviewer.get("/audit").status_code == 200
    assert reviewer.get("/admin/users").status_code == 403
    assert reviewer.get("/api/users").status_code == 403
    assert reviewer.post("/admin/users", data={"name": "x1", "role": "admin", "password": "a-long-api-password"}).status_code == 403
    assert admin.get("/admin/users").status_code == 200
    assert "权限" in viewer.get("/audit").text


def test_admin_manages_users(env: WebEnv) -> None:
    admin = env.login("admin")
    r = admin.post("/admin/users", data={"name": "新审核员", "role": "reviewer", "password": "密码要够长12345"})
    assert r.status_code == 303
    assert "新审核员" in admin.get("/admin/users").text
    fresh = env.login("新审核员", "密码要够长12345")
    assert fresh.get("/upload").status_code == 200
    r = admin.post("/admin/users", data={"name": "新审核员", "role": "viewer", "password": "another-pass"})
    assert r.status_code == 400 and "已存在" in r.text
    assert admin.post("/admin/users", data={"name": "短", "role": "viewer", "password": "short"}).status_code == 400
    # deactivating logs the user out everywhere
    assert admin.post("/admin/users/新审核员", data={"active": "0"}).status_code == 303
    assert fresh.get("/").status_code == 303
    # an admin cannot lock themself out
    r = admin.post("/admin/users/admin", data={"role": "viewer"})
    assert r.status_code == 400
    assert admin.get("/api/me").json() == {"name": "admin", "role": "admin"}


def test_password_change(tmp_path) -> None:  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path)
    try:
        c = e.login("viewer")
        r = c.post("/account/password", data={"current": "wrong", "new": "a-new-password"})
        assert r.status_code == 400
        r = c.post("/account/password", data={"current": PASSWORD, "new": "a-new-password"})
        assert r.status_code == 303
        assert c.get("/").status_code == 303  # logged out
        e.login("viewer", "a-new-password")
    finally:
        e.close()


# --------------------------------------------------------------------------- tokens


def test_api_tokens(env: WebEnv) -> None:
    c = env.login("reviewer")
    r = c.post("/account/tokens", data={"name": "nightly"})
    token = re.search(r'<code class="token">([^<]+)</code>', r.text).group(1)
    script = env.anonymous().http
    auth = {"Authorization": f"Bearer {token}"}
    assert script.get("/api/me", headers=auth).json() == {"name": "reviewer", "role": "reviewer"}
    key = script.get("/api/reports/1/findings", headers=auth).json()["findings"][0]["key"]
    r = script.post(f"/api/reports/1/findings/{key}/decision", json={"decision": "confirm"}, headers=auth)
    assert r.status_code == 200  # no CSRF token needed with a bearer token
    tokens = c.get("/api/tokens").json()
    assert [t["name"] for t in tokens] == ["nightly"]
    assert c.api("DELETE", f"/api/tokens/{tokens[0]['id']}").status_code == 200
    assert script.get("/api/me", headers=auth).status_code == 401
    assert script.get("/api/me", headers={"Authorization": "Bearer nb_madeup"}).status_code == 401


def test_a_token_cannot_be_revoked_by_another_user(env: WebEnv) -> None:
    owner, other = env.login("reviewer"), env.login("viewer")
    made = owner.api("POST", "/api/tokens", json={"name": "mine"})
    assert made.status_code == 201
    assert other.api("DELETE", f"/api/tokens/{made.json()['id']}").status_code == 404


# --------------------------------------------------------------------------- throttling


def test_login_is_throttled_after_repeated_failures(tmp_path) -> None:  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path, {"login_failures": 3})
    try:
        c = e.anonymous()
        for _ in range(3):
            assert c.post("/login", data={"name": "viewer", "password": "bad"}).status_code == 401
        r = c.post("/login", data={"name": "viewer", "password": PASSWORD})  # right, but too late
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) > 0
        assert "次数过多" in r.text
        assert c.post("/login", data={"name": "admin", "password": PASSWORD}).status_code == 303  # another name
    finally:
        e.close()


# --------------------------------------------------------------------------- read-only mode


def test_read_only_public_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path, {"read_only": True})
    try:
        e.ingest([("a.txt", report_file(record(2, broken=True), 2))])
        c = e.anonymous()
        assert c.get("/").status_code == 200
        page = c.get("/reports/1")
        assert page.status_code == 200 and "确认问题" not in page.text and "保存更正" not in page.text
        assert c.get("/api/reports").json()["total"] == 1
        assert c.get("/login").status_code == 303
        assert c.post("/login", data={"name": "admin", "password": PASSWORD}).status_code == 403
        key = c.get("/api/reports/1/findings").json()["findings"][0]["key"]
        assert c.api("POST", f"/api/reports/1/findings/{key}/decision", json={"decision": "confirm"}).status_code == 403
        assert c.post("/upload", files={"files": ("a.txt", b"x")}).status_code == 403
        assert c.get("/upload").status_code == 403
        assert c.get("/audit").status_code == 403  # the public is a viewer
        assert c.get("/draft").status_code == 200  # drafting writes nothing
        assert c.get("/api/health").json()["read_only"] is True
    finally:
        e.close()


# --------------------------------------------------------------------------- the command line


def test_user_commands(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from nianbao.cli import main

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    r = runner.invoke(main, ["user", "add", "boss", "--role", "admin", "--password-stdin", "--db", db],
                      input="long enough password\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["user", "add", "clerk", "--db", db], input="another password\nanother password\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["user", "list", "--db", db])
    assert "boss\tadmin" in r.output and "clerk\treviewer" in r.output
    r = runner.invoke(main, ["user", "add", "boss", "--password-stdin", "--db", db], input="long enough password\n")
    assert r.exit_code == 2 and "已存在" in r.output and "Traceback" not in r.output
    r = runner.invoke(main, ["user", "add", "x", "--password-stdin", "--db", db], input="short\n")
    assert r.exit_code == 2 and "8" in r.output
    r = runner.invoke(main, ["user", "token", "clerk", "--db", db])
    token = r.output.strip().splitlines()[-1]
    assert r.exit_code == 0 and token.startswith("nb_")
    r = runner.invoke(main, ["user", "set", "clerk", "--role", "viewer", "--db", db])
    assert r.exit_code == 0
    from nianbao.web.accounts import authenticate, token_user
    from nianbao.web.db import open_store

    store = open_store(db)
    assert token_user(store.engine, token).role == "viewer"
    assert authenticate(store.engine, "boss", "long enough password").role == "admin"
    store.close()


def test_serve_starts_without_users_and_prints_the_first_run_link(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """(Issue 13 §13: a fresh store no longer stops `serve`; test_web_setup walks the page.)"""
    import uvicorn

    from nianbao.cli import main

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(app=app, **kw))
    r = CliRunner().invoke(main, ["serve", "--db", f"sqlite:///{tmp_path / 'empty.db'}"])
    assert r.exit_code == 0, r.output
    token = started["app"].state.nb.config.setup_token
    assert token and f"/setup?token={token}" in r.output and "nianbao user add" in r.output
    started["app"].state.nb.uploads.close()


def _audit_actions(env: WebEnv) -> list[tuple[str, str, str]]:
    from nianbao.web.audit import entries as audit_page

    rows, _ = audit_page(env.store.engine, 1, per_page=500)
    return [(r["user_name"], r["action"], r["target"]) for r in rows]


def test_account_changes_are_audited_in_their_own_transaction(env: WebEnv, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    admin = env.login("admin")
    r = admin.api("POST", "/api/users", json={"name": "审计对象", "role": "viewer", "password": "足够长的密码123"})
    assert r.status_code == 201
    token = admin.api("POST", "/api/tokens", json={"name": "审计令牌"}).json()
    assert admin.api("DELETE", f"/api/tokens/{token['id']}").status_code == 200
    assert admin.api("PATCH", "/api/users/审计对象", json={"role": "reviewer"}).status_code == 200
    actions = _audit_actions(env)
    for entry in (("admin", "user.add", "审计对象"), ("admin", "token.create", str(token["id"])),
                  ("admin", "token.revoke", str(token["id"])), ("admin", "user.update", "审计对象")):
        assert entry in actions

    # the audit entry failing takes the account change with it: both or neither
    import nianbao.web.reviews as reviews

    def broken_audit(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(reviews, "audit", broken_audit)
    with pytest.raises(RuntimeError):
        admin.api("POST", "/api/users", json={"name": "未入账", "role": "viewer", "password": "足够长的密码123"})
    monkeypatch.undo()
    assert "未入账" not in [u["name"] for u in admin.api("GET", "/api/users").json()]
