"""The JSON API against its own OpenAPI document (SQLite and PostgreSQL): schemathesis
generates requests for every operation (valid and invalid ones) and sends them in process,
as an admin with an API token so the writes run too; no answer may be a server error, and
every answer's status, content type and body must be the documented ones.  Then, walking
the application's routes rather than the document: every /api/ route refuses anonymous
callers but the public few, and no route, pages too, answers what a database cannot store
(huge numbers, NUL characters) with a server error.  Last, the document itself: every JSON
answer is declared with its fields, and a script's ordinary calls to each operation answer
as declared (the generated run reaches some of them, a decision or an upload's state, only
by luck)."""
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
from tests.support.store_util import DIALECTS, Databases
from tests.support.web_util import PASSWORD, ROLES, WebEnv, record, report_file

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


# --------------------------------------------------------------------------- the documented answers

# (method, path) -> the keys its successful answer (for a list, each item) must declare, and
# those of the objects inside it, reached by a path of keys (lists are stepped through)
DECLARED: dict[tuple[str, str], dict[tuple[str, ...], set[str]]] = {
    ("GET", "/api/reports"): {(): {"page", "per_page", "total", "has_next", "items"},
                              ("items",): {"id", "agency", "region", "year", "status", "n_errors", "n_warnings"}},
    ("GET", "/api/reports/{report_id}"): {
        (): {"meta", "record", "errors", "warnings", "corrections"},
        ("meta",): {"id", "agency", "year", "status", "content_hash", "reader", "error_en"},
        ("record",): {"table2", "table3", "table4", "extras", "sections", "provenance"},
        ("record", "provenance"): set(), ("corrections",): set()},  # keyed by cell path: open maps
    ("GET", "/api/reports/{report_id}/cells"): {
        (): {"path", "label", "value", "corrected", "raw", "line", "start", "end", "origin", "confidence", "method"}},
    ("GET", "/api/reports/{report_id}/text"): {(): {"lines", "sections"}},
    ("GET", "/api/reports/{report_id}/findings"): {
        (): {"corrected", "extracted_counts", "findings"},
        ("findings",): {"rule", "severity", "status", "message", "location", "expected", "actual", "key", "title",
                        "cells", "decision", "values"},
        ("findings", "decision"): {"decision", "comment", "user", "at"}},
    ("POST", "/api/reports/{report_id}/findings/{key}/decision"): {
        (): {"rule", "severity", "status", "message", "key", "decision"},
        ("decision",): {"decision", "comment", "user", "at"}},
    ("GET", "/api/reports/{report_id}/corrections"): {
        (): {"path", "label", "value", "extracted", "comment", "user", "at"}},
    ("POST", "/api/reports/{report_id}/corrections"): {(): {"corrections", "findings"},
                                                       ("findings",): {"rule", "severity", "key", "decision"}},
    ("GET", "/api/reports/{report_id}/history"): {(): {"page", "has_next", "items"},
                                                  ("items",): {"at", "user_name", "action", "target", "detail"}},
    ("GET", "/api/audit"): {(): {"page", "has_next", "items"}, ("items",): {"at", "user_name", "action"}},
    ("GET", "/api/stats/region"): {(): {"region", "year", "reports", "errors", "missing", "totals", "agencies"},
                                   ("agencies", "items"): {"agency", "n_errors", "applications", "denied_share"}},
    ("GET", "/api/stats/expected"): {(): {"region", "year", "names"}},
    ("POST", "/api/reports/status"): {(): {"changed", "unchanged", "refused"}},
    ("POST", "/api/reports/{report_id}/withdraw"): {(): {"id", "done", "state", "replaces", "replaced_by"}},
    ("POST", "/api/reports/{report_id}/restore"): {(): {"id", "done", "state", "replaces", "replaced_by"}},
    ("GET", "/api/stats/changes"): {(): {"region", "before_year", "after_year", "total", "jumps", "rows"}},
    ("PUT", "/api/stats/expected"): {(): {"region", "year", "names"}},
    ("GET", "/api/agencies"): {(): {"id", "name", "region"}},
    ("GET", "/api/agencies/{agency_id}"): {(): {"agency", "years", "report_ids", "trend", "counts", "cells"},
                                           ("trend", "series"): {"name", "values"}},
    ("GET", "/api/search"): {(): {"agencies", "sections"},
                             ("sections", "items"): {"report_id", "agency", "section", "before", "match", "after"}},
    ("GET", "/api/rules"): {(): {"id", "severity", "title", "reports"}},
    ("GET", "/api/rules/{rule_id}"): {(): {"rule", "reports"}, ("reports", "items"): {"id", "agency", "message"}},
    ("POST", "/api/uploads"): {(): {"batch", "items"}, ("items",): {"name", "state", "report_id", "message"}},
    ("GET", "/api/uploads/{batch}"): {(): {"batch", "finished", "items"},
                                      ("items",): {"name", "state", "report_id", "position", "eta_seconds"}},
    ("GET", "/api/me"): {(): {"name", "role"}},
    ("GET", "/api/tokens"): {(): {"id", "name", "created_at", "last_used_at", "revoked"}},
    ("POST", "/api/tokens"): {(): {"id", "token"}},
    ("DELETE", "/api/tokens/{token_id}"): {(): {"revoked"}},
    ("GET", "/api/users"): {(): {"id", "name", "role", "active", "created_at", "last_login_at"}},
    ("POST", "/api/users"): {(): {"name", "role"}},
    ("PATCH", "/api/users/{name}"): {(): {"name", "role"}},
    ("POST", "/api/users/{name}/unlock"): {(): {"name", "cleared"}},
    ("POST", "/api/draft/check"): {(): {"passed", "bad_cells", "values", "errors", "warnings"}},
    ("GET", "/api/health"): {(): {"status", "version", "read_only"}},
}
BINARY = {("GET", "/api/reports/{report_id}/export/{name}"), ("POST", "/api/draft/docx")}


def _object(spec: dict, schema: dict) -> dict:
    """The object a schema stands for: references followed, through a list to its items
    and through an optional (anyOf with null) to the value."""
    while True:
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif schema.get("type") == "array":
            schema = schema["items"]
        elif "anyOf" in schema:
            (schema,) = [s for s in schema["anyOf"] if s.get("type") != "null"]
        else:
            return schema


def test_every_json_answer_is_declared_with_its_fields(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Each operation's successful answer is a described object (no bare `object`), with
    the fields scripts rely on, down to the rows inside pages and lists."""
    env = WebEnv(tmp_path)
    spec = env.app.openapi()
    env.close()
    seen = set()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            key = (method.upper(), path)
            seen.add(key)
            (ok,) = [r for code, r in op["responses"].items() if code.startswith("2")]
            if key in BINARY:
                continue
            assert key in DECLARED, f"{key}: say here what its answer declares"
            top = _object(spec, ok["content"]["application/json"]["schema"])
            for steps, keys in DECLARED[key].items():
                schema = top
                for step in steps:
                    schema = _object(spec, schema["properties"][step])
                if keys:
                    declared = set(schema.get("properties", {}))
                    assert keys <= declared, (key, steps, keys - declared)
                else:  # an open map (keyed by cell path): its values are still described
                    assert _object(spec, schema["additionalProperties"]).get("properties"), (key, steps)
    assert seen == set(DECLARED) | BINARY


def test_known_good_requests_answer_as_documented(env: WebEnv, api) -> None:  # type: ignore[no-untyped-def]
    """The generated run reaches some answers rarely (a decision needs a real finding key,
    an upload's state a real batch): here every documented JSON operation is called once
    the way a script would, must succeed, and its answer must match the document."""
    from tests.support.web_util import wait_for_uploads

    http = env.login("admin")
    rid, region_report = env.ids[0], env.ids[1]
    meta = http.get(f"/api/reports/{region_report}").json()["meta"]
    key = http.get(f"/api/reports/{rid}/findings").json()["findings"][0]["key"]
    rule_id = next(f["rule"] for f in http.get(f"/api/reports/{rid}/findings").json()["findings"])
    draft = {"year": 2023, "agency": "寺口镇人民政府", "cells": {"table3.granted[0]": 1}}
    calls: list[tuple[str, str, dict, dict]] = [  # method, documented path, path parameters, request keywords
        ("GET", "/api/health", {}, {}), ("GET", "/api/me", {}, {}),
        ("POST", "/api/tokens", {}, {"json": {"name": "probe"}}), ("GET", "/api/tokens", {}, {}),
        ("POST", "/api/users", {}, {"json": {"name": "probe1", "role": "viewer", "password": PASSWORD}}),
        ("PATCH", "/api/users/{name}", {"name": "probe1"}, {"json": {"role": "reviewer"}}),
        ("POST", "/api/users/{name}/unlock", {"name": "probe1"}, {}),
        ("GET", "/api/users", {}, {}),
        ("GET", "/api/reports", {}, {"params": {"per_page": 500}}),
        ("GET", "/api/reports/{report_id}", {"report_id": rid}, {"params": {"text": "true"}}),
        ("GET", "/api/reports/{report_id}/cells", {"report_id": rid}, {}),
        ("GET", "/api/reports/{report_id}/text", {"report_id": rid}, {}),
        ("POST", "/api/reports/{report_id}/findings/{key}/decision", {"report_id": rid, "key": key},
         {"json": {"decision": DECISIONS[0], "comment": "核实"}}),
        ("POST", "/api/reports/{report_id}/corrections", {"report_id": rid},
         {"json": {"path": "table3.granted[0]", "value": 3}}),
        ("GET", "/api/reports/{report_id}/findings", {"report_id": rid}, {}),
        ("GET", "/api/reports/{report_id}/corrections", {"report_id": rid}, {}),
        ("GET", "/api/reports/{report_id}", {"report_id": rid}, {}),
        ("GET", "/api/reports/{report_id}/history", {"report_id": rid}, {}),
        ("GET", "/api/audit", {}, {}),
        ("GET", "/api/agencies", {}, {"params": {"q": meta["agency"][:2]}}),
        ("GET", "/api/agencies/{agency_id}", {"agency_id": meta["agency_id"]}, {}),
        ("PUT", "/api/stats/expected", {}, {"json": {"region": meta["region"], "year": meta["year"],
                                                      "names": [meta["agency"], "未报送局"]}}),
        ("GET", "/api/stats/expected", {}, {"params": {"region": meta["region"], "year": meta["year"]}}),
        ("GET", "/api/stats/region", {}, {"params": {"region": meta["region"], "year": meta["year"]}}),
        ("GET", "/api/stats/changes", {}, {"params": {"region": meta["region"], "years": str(meta["year"])}}),
        ("GET", "/api/search", {}, {"params": {"q": "政府"}}),
        ("GET", "/api/rules", {}, {}), ("GET", "/api/rules/{rule_id}", {"rule_id": rule_id}, {}),
        ("POST", "/api/draft/check", {}, {"json": draft}),
        ("POST", "/api/uploads", {}, {"files": [("files", ("probe.txt", report_file(record(7), 7)))]}),
    ]
    answers = {}
    for method, path, params, kw in calls:
        url = path.format(**params)
        r = http.api(method, url, **kw) if "files" not in kw else http.post(url, files=kw["files"])
        assert 200 <= r.status_code < 300, (method, url, r.status_code, r.text[:300])
        api[path][method].Case(path_parameters=params).validate_response(r, checks=CHECKS)
        answers[(method, path)] = r.json()
    wait_for_uploads(env)
    batch = answers[("POST", "/api/uploads")]["batch"]
    r = http.get(f"/api/uploads/{batch}")
    api["/api/uploads/{batch}"]["GET"].Case(path_parameters={"batch": batch}).validate_response(r, checks=CHECKS)
    assert r.json()["finished"] and r.json()["items"][0]["report_id"]
    token_id = answers[("POST", "/api/tokens")]["id"]
    r = http.api("DELETE", f"/api/tokens/{token_id}")
    api["/api/tokens/{token_id}"]["DELETE"].Case(path_parameters={"token_id": token_id}).validate_response(
        r, checks=CHECKS)
    assert r.json() == {"revoked": token_id}
    # what the answers hold, beyond their form
    decided = answers[("POST", "/api/reports/{report_id}/findings/{key}/decision")]
    assert decided["key"] == key and decided["decision"]["decision"] == DECISIONS[0]
    in_force = {c["path"]: c["value"] for c in answers[("GET", "/api/reports/{report_id}/corrections")]}
    assert in_force["table3.granted[0]"] == 3  # the generated run may have corrected other cells before
    assert "未报送局" in answers[("GET", "/api/stats/region")]["missing"]
    times = [e["at"] for e in answers[("GET", "/api/audit")]["items"]]
    assert times and all(t.endswith("+00:00") for t in times), times  # UTC, said so, on either database
