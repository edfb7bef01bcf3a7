"""The JSON API against its own OpenAPI document (SQLite and PostgreSQL): schemathesis
generates requests for every operation (valid and invalid ones) and sends them in process,
as an admin with an API token so the writes run too; no answer may be a server error, and
every answer's status, content type and body must be the documented ones.  Then, walking
the application's routes rather than the document: every /api/ route refuses anonymous
callers but the public few, and no route, pages too, answers what a database cannot store
(huge numbers, NUL characters) with a server error."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
import schemathesis
from fastapi.routing import iter_route_contexts
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks

from nianbao.web.schema import DECISIONS
from store_util import DIALECTS, Databases
from web_util import PASSWORD, ROLES, WebEnv, record, report_file

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]
PUBLIC = {("GET", "/api/health"), ("GET", "/api/openapi.json"), ("GET", "/api/docs")}


@pytest.fixture(scope="module", params=DIALECTS)
def env(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("schemathesis")
    dbs = Databases(request.param, tmp)
    e = WebEnv(tmp, url=dbs.url())
    e.ids = e.ingest([("a.txt", report_file(record(1, broken=True), 1)), ("b.txt", report_file(record(2), 2))])
    e.token = ""
    yield e
    e.close()
    dbs.close()


def admin_token(env: WebEnv) -> str:
    """The admin's API token, made again when a generated DELETE /api/tokens/{id} revoked it."""
    import sqlalchemy as sa

    from nianbao.web.accounts import User, create_token, token_user
    from nianbao.web.schema import users

    if not env.token or token_user(env.store.engine, env.token) is None:
        with env.store.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == "admin")).one()
        env.token = create_token(env.store.engine, User(row.id, row.name, row.role), "schemathesis")[1]
    return env.token


@pytest.fixture(scope="module")
def api(env):  # type: ignore[no-untyped-def]
    """The schema, with hooks that mix known ids, finding keys, cells and names into the
    generated values: random ones alone would hardly ever reach a stored report's review."""
    from nianbao.draft.cells import cell_map
    from nianbao.rules import catalogue

    http = env.login("viewer")
    keys = [f["key"] for f in http.get(f"/api/reports/{env.ids[0]}/findings").json()["findings"]]
    assert keys, "the broken report has no findings to decide on"
    known = {"report_id": env.ids, "agency_id": [1], "key": keys, "rule_id": [r.id for r in catalogue()][:5],
             "name": ["findings.xlsx", "findings.docx", "cells.csv", "cells.xlsx", "viewer", "reviewer"]}
    bodies = {"POST /api/reports/{report_id}/corrections": st.fixed_dictionaries(
                  {"path": st.sampled_from(sorted(cell_map("2021"))[:40]),
                   "value": st.one_of(st.none(), st.integers(0, 10**6), st.just("12"))}),
              "POST /api/reports/{report_id}/findings/{key}/decision": st.fixed_dictionaries(
                  {"decision": st.sampled_from(DECISIONS)}, optional={"comment": st.text(max_size=20)}),
              "POST /api/users": st.fixed_dictionaries({"name": st.from_regex(r"[a-z]{3,12}", fullmatch=True),
                                                        "role": st.sampled_from(ROLES), "password": st.just(PASSWORD)}),
              "PATCH /api/users/{name}": st.fixed_dictionaries({}, optional={"role": st.sampled_from(ROLES),
                                                                             "active": st.booleans()})}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", env.app)

    @schema.hook
    def flatmap_path_parameters(context, params):  # type: ignore[no-untyped-def]
        names = [k for k in params or () if k in known]
        if not names:
            return st.just(params)
        good = st.fixed_dictionaries({k: st.sampled_from(known[k]) for k in names})
        if "key" in names:  # the keys are the broken report's findings
            good = good.map(lambda d: {**d, "report_id": env.ids[0]})
        return st.one_of(st.just(params), good.map(lambda d: {**params, **d}))

    @schema.hook
    def flatmap_body(context, body):  # type: ignore[no-untyped-def]
        good = bodies.get(context.operation.label)
        return st.just(body) if good is None else st.one_of(st.just(body), good)

    return schema


schema = schemathesis.pytest.from_fixture("api")


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_openapi_document(case, env) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token(env)}"}, checks=CHECKS)


def test_every_api_route_refuses_anonymous_callers_but_the_public_ones(env: WebEnv) -> None:
    """Walks the application's routes (not the OpenAPI document, which leaves out the
    routes it does not list), so an undocumented API route cannot slip through open."""
    http = env.anonymous().http
    seen = set()
    for route in iter_route_contexts(env.app.routes):
        path = route.path or ""
        if not path.startswith("/api/"):
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            seen.add((method, path))
            r = http.request(method, url, json={})
            if (method, path) in PUBLIC:
                assert r.status_code == 200, (method, path, r.status_code)
            else:
                assert r.status_code == 401, (method, path, r.status_code)
                assert r.headers["www-authenticate"] == "Bearer"
    assert PUBLIC <= seen and len(seen) > 30


HOSTILE = {  # a path parameter's value, and the query or form fields sent with it
    **{f"numbers of {bits} bits": (str(2**bits), {"year": str(2**bits), "page": str(2**bits), "agency_id": str(2**bits)})
       for bits in (40, 64)},
    "NUL characters": ("x\x00", {"q": "政府\x00", "region": "栖霞市\x00", "agency": "镇\x00", "year": "2023",
                                  "names": "寺口镇\x00", "name": "x\x00", "decision": "confirm", "path": "x\x00"}),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_no_route_answers_hostile_parameters_with_a_server_error(env: WebEnv, kind: str) -> None:
    """Every route, pages too, with each path parameter and the usual query and form fields
    set to what a database cannot take (SQLite binds no integer beyond 64 bits, PostgreSQL
    has 32-bit ids and no text with NUL): refused as bad input, never a 500."""
    from fastapi.testclient import TestClient

    value, fields = HOSTILE[kind]
    http = TestClient(env.app, raise_server_exceptions=False, follow_redirects=False)
    headers = {"Authorization": f"Bearer {admin_token(env)}"}
    tried = 0
    for route in iter_route_contexts(env.app.routes):
        path = route.path or ""
        if path.startswith("/static"):
            continue
        url = re.sub(r"\{[^}]+\}", quote(value), path)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            if method == "GET":
                r = http.get(url, params=fields, headers=headers)
            else:
                r = http.request(method, url, data=fields, headers=headers)
            tried += 1
            assert r.status_code < 500, (method, path, r.status_code)
    http.close()
    assert tried > 60
