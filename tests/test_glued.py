"""Crawler text dumps: glued table cells split with the table's own arithmetic (issue 11 §2).

The property tests glue random valid tables into digit runs and check that every cell comes
back exactly where the split is unique, and otherwise stays null with the candidates listed;
never a wrong number."""
from __future__ import annotations

import itertools
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao import parse_text
from nianbao.formats import templates as T
from nianbao.parsing.extract import glued as G
from nianbao.model import LineMeta
from nianbao.parsing.normalize import normalize
from nianbao.parsing.readers import read
from nianbao.synth import corpus, document, random_record
from nianbao.parsing.unglue import is_glued, unglue

T3 = G.table3_specs(T.TEMPLATE_2021)["granted"]
T4 = G.table4_spec()
PLAIN3 = G.RowSpec("x", (G.COUNT,) * 3)


def oracle(run: str, spec: G.RowSpec) -> set[tuple]:
    """Every split by brute force over the cut points (the solver must find exactly these)."""
    n, k = len(run), spec.width
    out = set()
    if n < k:
        return out
    for cuts in itertools.combinations(range(1, n), k - 1):
        edges = (0,) + cuts + (n,)
        pieces = [run[a:b] for a, b in zip(edges, edges[1:])]
        if not all(G._PIECE[kind].fullmatch(p) for p, kind in zip(pieces, spec.kinds)):
            continue
        values = tuple(G._parse(p, kind) for p, kind in zip(pieces, spec.kinds))
        if all(sum(values[p] for p in parts) == values[total] for parts, total in spec.sums):
            out.add(values)
    return out


def glue(values) -> str:
    return "".join(str(v) for v in values)


# --------------------------------------------------------------------------- split_run


def test_one_digit_per_cell_is_the_only_split():
    s = G.split_run("9000009", T3)
    assert s.values == [(9, 0, 0, 0, 0, 0, 9)] and not s.exploded


def test_the_issue_example_has_one_split_that_sums():
    assert set(G.split_run("410021044", T3).values) == oracle("410021044", T3) == {(41, 0, 0, 2, 1, 0, 44)}


def test_no_cell_has_a_leading_zero():
    assert G.split_run("0510", PLAIN3).values == [(0, 5, 10), (0, 51, 0)]
    assert all(not str(v).startswith("0") or v == 0 for c in G.split_run("100200", PLAIN3).values for v in c)


def test_a_row_without_identity_keeps_every_split():
    got = G.split_run("2509250", PLAIN3)
    assert set(got.values) == oracle("2509250", PLAIN3) and len(got.values) == 11


def test_signed_and_money_cells():
    signed = G.RowSpec("licensing", (G.COUNT, G.SIGNED, G.COUNT))
    assert set(G.split_run("12-34", signed).values) == oracle("12-34", signed) == {(12, -3, 4)}
    money = G.RowSpec("procurement", (G.COUNT, G.MONEY))
    assert G.split_run("0974.45", money).values == [(0, 974.45)]
    assert set(G.split_run("31.5", money).values) == {(3, 1.5)}


def test_table4_groups_sum_to_their_totals():
    assert G.split_run("000330000000303", T4).values == [(0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 3)]


def test_an_enumeration_too_large_is_cut_off_not_guessed():
    got = G.split_run("1" * 60, G.RowSpec("x", (G.COUNT,) * 12), max_nodes=1000)
    assert got.exploded


@settings(max_examples=300, deadline=None)
@given(run=st.text("0123456789", min_size=1, max_size=12), k=st.integers(1, 5), summed=st.booleans())
def test_split_run_finds_exactly_the_brute_force_splits(run, k, summed):
    sums = ((tuple(range(k - 1)), k - 1),) if summed and k >= 2 else ()
    spec = G.RowSpec("x", (G.COUNT,) * k, sums)
    got = G.split_run(run, spec)
    assert not got.exploded
    assert set(got.values) == oracle(run, spec)
    assert len(got.values) == len(set(got.values))


@settings(max_examples=150, deadline=None)
@given(run=st.text("0123456789+-.", min_size=2, max_size=10))
def test_split_run_with_signs_and_decimals_matches_brute_force(run):
    for spec in (G.RowSpec("a", (G.COUNT, G.SIGNED, G.COUNT)), G.RowSpec("b", (G.COUNT, G.MONEY)),
                 G.RowSpec("c", (G.COUNT, G.SIGNED)), G.RowSpec("d", (G.COUNT,) * 3, (((0, 1), 2),)),
                 G.RowSpec("e", (G.COUNT,) * 4, (((0, 1), 2),))):
        assert set(G.split_run(run, spec).values) == oracle(run, spec)


# --------------------------------------------------------------------------- solve_table


def _table3(rows: dict[str, list[int]]) -> dict[str, list[int]]:
    tpl = T.TEMPLATE_2021
    t3 = {k: [0] * T.T3_WIDTH for k in tpl.table3_keys}
    t3.update(rows)
    return t3


def test_column_identities_settle_a_row_its_own_sum_leaves_open():
    # "101000011" is (10,1,0,0,0,0,11) or (1,0,10,0,0,0,11); 新收 5 + 结转 5 says column one holds 10
    t3 = _table3({"granted": [10, 1, 0, 0, 0, 0, 11], "results_total": [10, 1, 0, 0, 0, 0, 11],
                  "new_received": [5, 1, 0, 0, 0, 0, 6], "carried_over": [5, 0, 0, 0, 0, 0, 5]})
    specs = G.table3_specs(T.TEMPLATE_2021)
    assert len(G.split_run(glue(t3["granted"]), specs["granted"]).values) == 2
    out = G.solve_table({k: glue(v) for k, v in t3.items()}, specs, G.table3_identities(T.TEMPLATE_2021, set(t3)))
    assert out["granted"].values == [10, 1, 0, 0, 0, 0, 11] and out["granted"].settled_by == "table"


def test_when_the_arithmetic_leaves_two_splits_the_cells_stay_null_with_both_listed():
    out = G.solve_table({"x": "1110"}, {"x": G.RowSpec("x", (G.COUNT, G.COUNT))})
    assert out["x"].values == [None, None] and out["x"].reason == "ambiguous"
    assert set(out["x"].candidates) == {(1, 110), (11, 10), (111, 0)}


def test_cells_every_candidate_agrees_on_are_kept():
    out = G.solve_table({"x": "11007"}, {"x": G.RowSpec("x", (G.COUNT,) * 3)})
    cands = set(out["x"].candidates)
    assert cands == oracle("11007", G.RowSpec("x", (G.COUNT,) * 3))
    for col in range(3):
        values = {c[col] for c in cands}
        assert out["x"].values[col] == (values.pop() if len(values) == 1 else None)


def test_a_hint_chooses_only_among_consistent_splits():
    spec = {"x": G.RowSpec("x", (G.COUNT, G.COUNT))}
    out = G.solve_table({"x": "1010"}, spec, hints={("x", 1): 10})
    assert out["x"].values == [10, 10] and out["x"].settled_by == "hint"
    out = G.solve_table({"x": "1010"}, spec, hints={("x", 1): 99})  # a hint no split agrees with is ignored
    assert out["x"].values[1] is None


def test_broken_column_arithmetic_falls_back_to_the_rows_own_identities():
    t3 = _table3({"granted": [10, 1, 0, 0, 0, 0, 11], "results_total": [3, 0, 0, 0, 0, 0, 3],
                  "new_received": [3, 0, 0, 0, 0, 0, 3], "denied_state_secret": [2, 0, 0, 0, 0, 0, 2]})
    specs = G.table3_specs(T.TEMPLATE_2021)
    out = G.solve_table({k: glue(v) for k, v in t3.items()}, specs, G.table3_identities(T.TEMPLATE_2021, set(t3)))
    # the column identities cannot hold (（七）总计 3 is not 10 + 2): only the row's own sum counts,
    # which leaves (10,1,0,…) and (1,0,10,…) open
    assert out["granted"].values == [None, None, None, 0, 0, 0, 11]
    assert set(out["granted"].candidates) == {(10, 1, 0, 0, 0, 0, 11), (1, 0, 10, 0, 0, 0, 11)}
    assert out["results_total"].values == [3, 0, 0, 0, 0, 0, 3]


# a valid table 三 with larger numbers than the synth corpus draws
@st.composite
def valid_table3(draw, template=T.TEMPLATE_2021):
    results = list(template.results_rows)
    t3 = {k: [0] * T.T3_WIDTH for k in template.table3_keys}
    small = st.one_of(st.just(0), st.integers(0, 12), st.integers(0, 400))
    for col in range(T.T3_WIDTH - 1):
        busy = draw(st.sampled_from(results), label="busy")
        used = draw(st.lists(st.sampled_from(results), max_size=4)) + [busy]
        for k in used:
            t3[k][col] += draw(small)
        handled = sum(t3[k][col] for k in results)
        forward = draw(st.integers(0, 15))
        carried = draw(st.integers(0, min(15, handled + forward)))
        t3[T.RESULTS_TOTAL_KEY][col] = handled
        t3["carried_forward"][col], t3["carried_over"][col] = forward, carried
        t3["new_received"][col] = handled + forward - carried
    for row in t3.values():
        row[T.T3_TOTAL_COLUMN] = sum(row[: T.T3_TOTAL_COLUMN])
    return t3


def _check_outcomes(truth: dict[str, tuple], runs: dict[str, str], specs, out) -> None:
    for key, want in truth.items():
        got = out[key]
        row_unique = oracle(runs[key], specs[key]) if len(runs[key]) <= 16 else None
        for v, t in zip(got.values, want):
            assert v is None or v == t, (key, got.values, want)  # never a wrong number
        if None in got.values:
            assert got.reason in ("ambiguous", "many", "none")
            if got.reason == "ambiguous":
                assert tuple(want) in set(got.candidates), (key, want, got.candidates)
        if row_unique is not None and len(row_unique) == 1:
            assert got.values == list(want), (key, got.values, want)  # unique split: back exactly


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t3=valid_table3())
def test_random_valid_tables_glued_come_back_exactly_or_null_with_candidates(t3):
    specs = G.table3_specs(T.TEMPLATE_2021)
    runs = {k: glue(v) for k, v in t3.items()}
    out = G.solve_table(runs, specs, G.table3_identities(T.TEMPLATE_2021, set(t3)))
    _check_outcomes({k: tuple(v) for k, v in t3.items()}, runs, specs, out)


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(st.lists(st.one_of(st.just(0), st.integers(0, 9), st.integers(0, 300)), min_size=4, max_size=4),
                      min_size=3, max_size=3))
def test_random_table4_glued_comes_back_exactly_or_null_with_candidates(cells):
    values = tuple(v for group in cells for v in group + [sum(group)])
    run = glue(values)
    out = G.solve_table({G.TABLE4_ROW: run}, {G.TABLE4_ROW: T4})
    _check_outcomes({G.TABLE4_ROW: values}, {G.TABLE4_ROW: run}, {G.TABLE4_ROW: T4}, out)


@settings(max_examples=100, deadline=None)
@given(cells=st.lists(st.integers(0, 3000), min_size=3, max_size=3))
def test_rows_without_identities_are_exact_when_unique_and_null_otherwise(cells):
    run = glue(cells)
    out = G.solve_table({"x": run}, {"x": PLAIN3})
    splits = oracle(run, PLAIN3)
    if len(splits) == 1:
        assert out["x"].values == cells
    else:
        assert set(out["x"].candidates) == splits and tuple(cells) in splits
        assert all(v is None or v == c for v, c in zip(out["x"].values, cells))


SMALL = {k: G.RowSpec(k, (G.COUNT, G.COUNT)) for k in "abc"}
SMALL_IDS = [G.Identity("c=a+b", (("c", col),), (("a", col), ("b", col))) for col in range(2)]


@settings(max_examples=200, deadline=None)
@given(a=st.lists(st.integers(0, 150), min_size=2, max_size=2), b=st.lists(st.integers(0, 150), min_size=2, max_size=2))
def test_table_solve_settles_exactly_the_cells_every_consistent_assignment_agrees_on(a, b):
    truth = {"a": tuple(a), "b": tuple(b), "c": tuple(x + y for x, y in zip(a, b))}
    runs = {k: glue(v) for k, v in truth.items()}
    # the oracle: every combination of the rows' splits that satisfies the column identities
    splits = {k: sorted(oracle(runs[k], SMALL[k])) for k in "abc"}
    consistent = [dict(zip("abc", combo)) for combo in itertools.product(*(splits[k] for k in "abc"))
                  if all(combo[2][col] == combo[0][col] + combo[1][col] for col in range(2))]
    assert truth in consistent
    out = G.solve_table(runs, SMALL, SMALL_IDS)
    for key in "abc":
        for col in range(2):
            agreed = {sol[key][col] for sol in consistent}
            got = out[key].values[col]
            assert got is None or got == truth[key][col]
            if len(consistent) <= G.MAX_SOLUTIONS:
                assert got == (agreed.pop() if len(agreed) == 1 else None), (key, col, runs, consistent)
        if None in out[key].values:
            assert truth[key] in out[key].candidates


# --------------------------------------------------------------------------- unglue and the pipeline


def crawl(seed: int, template: str | None = None) -> tuple:
    rng = random.Random(seed)
    rec = random_record(rng, template=template)
    return rec, document(rec, "crawl", rng)


def test_the_crawl_layout_is_a_header_block_and_one_body_line():
    rec, text = crawl(5)
    lines = text.split("\n")
    assert len(lines) == 4
    assert [ln.split("：")[0].split(":")[0] for ln in lines[:3]] == ["标题", "发布时间", "原文链接"]
    body = lines[3]
    assert T.TEMPLATE_2021.t3_row("new_received").label in body and "\t" not in body
    assert re.search(re.escape(T.TEMPLATE_2021.t3_row("carried_over").label) + r"\d{7,}", body)


def test_unglue_cuts_the_body_into_tagged_rows():
    rec, text = crawl(7, "2021")
    lines, meta = normalize(read(text.encode()))
    tags = [m.glued for m in meta if m.glued]
    assert "table4" in tags and "table2.licensing" in tags
    assert [t.split(".")[1] for t in tags if t.startswith("table3.")] == list(T.TEMPLATE_2021.table3_keys)
    for line, m in zip(lines, meta):
        if m.glued:
            assert re.fullmatch(r"[0-9.+\-]+", line.rsplit("\t", 1)[1]), line


def test_ordinary_reports_are_not_touched():
    rec = random_record(random.Random(9))
    for layout in ("txt", "md", "pipe", "space"):
        text = document(rec, layout, random.Random(1))
        doc = read(text.encode())
        lines, meta = normalize(doc)
        assert not any(m.glued for m in meta)
        assert not any(is_glued(ln) for ln in lines)
    lines = ["x" * 500]
    meta = [LineMeta()]
    assert unglue(lines, meta) == (lines, meta)


def test_a_glued_report_parses_with_arithmetic_provenance():
    rec, text = crawl(3, "2021")
    rep = parse_text(text)
    assert (rep.agency, rep.year, rep.template) == (rec.agency, rec.year, rec.template)
    assert rep.table3 == rec.table3 and rep.table4 == rec.table4
    prov = rep.provenance["table3.new_received[6]"]
    assert prov.method == "arithmetic" and 0 < prov.confidence < 1
    assert rep.lines[prov.line - 1][prov.start:prov.end] == prov.raw == str(rec.table3["new_received"][6])
    assert any(f.rule == "N3" and f.location.get("table") == "table3" for f in rep.notes)


def test_an_ambiguous_row_is_null_with_an_n8_finding_listing_the_candidates():
    rec, text = crawl(3, "2021")
    rec.table2["normative_documents"] = {"issued": 250, "repealed": 9, "in_force": 250}
    text = document(rec, "crawl", random.Random(1))
    rep = parse_text(text)
    assert rep.table2["normative_documents"] == {"issued": None, "repealed": None, "in_force": None}
    n8 = [f for f in rep.notes if f.rule == "N8"]
    assert len(n8) == 1 and "2509250" in n8[0].message and "（250、9、250）" in n8[0].message
    assert [250, 9, 250] in n8[0].expected
    assert n8[0].location["cells"] == [f"table2.normative_documents.{k}" for k in ("issued", "repealed", "in_force")]
    prov = rep.provenance["table2.normative_documents.issued"]
    assert prov.method == "arithmetic" and prov.confidence == 0.0


def test_prose_figure_settles_a_split_the_arithmetic_leaves_open():
    lines = ["一、总体情况", "全年共收到政府信息公开申请11件。"]

    class Sec:
        key, line_start, line_end, text = "overview", 1, 2, ""

    assert G.prose_hints(lines, [Sec()]) == {("new_received", T.T3_TOTAL_COLUMN): 11}


def test_last_years_report_pins_the_carry_over():
    prev = random_record(random.Random(4), template="2021")
    values, relations = G.previous_hints("table3", T.TEMPLATE_2021, prev)
    assert values[("carried_over", 0)] == prev.table3["carried_forward"][0] and not relations
    assert G.previous_hints("table3", T.TEMPLATE_2019, prev) == ({}, {})


def test_last_years_report_settles_a_table2_row_its_own_year_leaves_open():
    rec, _ = crawl(3, "2021")
    rec.table2["normative_documents"] = {"issued": 250, "repealed": 9, "in_force": 250}
    rep = parse_text(document(rec, "crawl", random.Random(1)))
    assert rep.table2["normative_documents"]["issued"] is None
    prev = random_record(random.Random(8), template="2021")
    prev.table2["normative_documents"]["in_force"] = 7  # 250 = 7 + 250 - 9 is wrong: nothing may change
    assert G.refine_with_previous(rep, prev) == 0
    assert rep.table2["normative_documents"]["issued"] is None
    prev.table2["normative_documents"]["in_force"] = 9  # 250 = 9 + 250 - 9
    assert G.refine_with_previous(rep, prev) == 3
    assert rep.table2["normative_documents"] == {"issued": 250, "repealed": 9, "in_force": 250}
    assert not any(f.rule == "N8" for f in rep.notes)
    prov = rep.provenance["table2.normative_documents.issued"]
    assert prov.method == "arithmetic" and prov.confidence == G.CONF_HINT and prov.raw == "250"
    assert rep.lines[prov.line - 1][prov.start:prov.end] == "250"


def test_last_years_2019_item_count_is_a_hint():
    prev = random_record(random.Random(4), template="2019")
    values, _ = G.previous_hints("table2", T.TEMPLATE_2019, prev)
    before = prev.table2["licensing"]
    assert values[("licensing", 0)] == before["prev_count"] + before["change"]


@pytest.mark.parametrize("seed", range(3))
def test_crawl_round_trip_every_cell_back_or_null_with_a_finding(seed):
    """Many records in the crawl layout: every cell comes back, or is null and named by an
    N8 finding; never a wrong number; metadata as rendered."""
    nulls = total = 0
    for s in corpus(120, seed=7000 + seed, layouts=("crawl",), corruption_rate=0.7):  # with in-line damage
        got = parse_text(s.text)
        assert (got.agency, got.year, got.template, got.region) == (
            s.record.agency, s.record.year, s.record.template, s.record.region), s.name
        flagged = {c for f in got.notes if f.rule == "N8" for c in f.location.get("cells", [])}
        for f in got.notes:
            if f.rule == "N8" and f.expected:  # the candidates listed include the printed row
                table, key = f.location["table"], f.location["row"]
                want = getattr(s.record, table)
                row = ([v for g, _, _ in T.T4_GROUPS for v in want[g].values()] if table == "table4"
                       else list(want[key].values()) if table == "table2" else want[key])
                assert row in f.expected, (s.name, f.message)
        for table in ("table2", "table3", "table4"):
            want, have = getattr(s.record, table), getattr(got, table)
            assert set(have) == set(want), (s.name, table)
            for key, row in want.items():
                items = enumerate(row) if isinstance(row, list) else row.items()
                for col, truth in items:
                    total += 1
                    value = have[key][col]
                    path = f"{table}.{key}[{col}]" if isinstance(row, list) else f"{table}.{key}.{col}"
                    if value is None:
                        nulls += 1
                        assert path in flagged, (s.name, path)
                    else:
                        assert value == truth, (s.name, path, value, truth)
    assert nulls < total * 0.05  # the arithmetic settles nearly all of it


def test_a_glued_table4_on_its_own_line_in_an_ordinary_report():
    rec = random_record(random.Random(21), template="2021")
    rec.table4["review"] = {"upheld": 12, "corrected": 3, "other": 0, "pending": 1, "total": 16}
    text = document(rec, "txt", random.Random(2))
    from nianbao.render.report import grids_of
    from nianbao.synth.crawl import glued_table
    lines = text.split("\n")
    head = next(i for i, ln in enumerate(lines) if ln.startswith(T.SECTION_BY_KEY["appeals"].title))
    tail = next(i for i, ln in enumerate(lines) if ln.startswith(T.SECTION_BY_KEY["problems"].title))
    lines[head + 1:tail] = ["", glued_table(grids_of(rec)[2]), ""]
    rep = parse_text("\n".join(lines))
    got = rep.table4
    for group, cells in rec.table4.items():
        for key, want in cells.items():
            assert got[group][key] == want
    assert rep.table3 == rec.table3 and rep.table2 == rec.table2
    assert rep.provenance["table4.review.upheld"].method == "arithmetic"


def test_a_glued_row_is_not_read_as_a_mobile_number():
    rec, _ = crawl(3, "2021")
    rec.table3["partially_granted"] = [188, 0, 0, 0, 0, 0, 188]  # glued: "18800000188"
    for key in ("new_received", T.RESULTS_TOTAL_KEY):
        rec.table3[key] = [a + b for a, b in zip(rec.table3[key], rec.table3["partially_granted"])]
    rep = parse_text(document(rec, "crawl", random.Random(1)))
    assert rep.table3["partially_granted"] == [188, 0, 0, 0, 0, 0, 188]
    from nianbao import check
    assert not [f for f in check(rep) if f.rule == "G8"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), edits=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(
    list("0123456789-+.|增减万元 ") + ["", "00", "1.", "\t"])), max_size=25))
def test_damaged_glued_bodies_never_crash_and_never_invent_rows(seed, edits):
    from nianbao.errors import NianbaoError
    rec, text = crawl(seed)
    head, body = text.rsplit("\n", 1)
    chars = list(body)
    for pos, new in edits:
        chars[pos % len(chars)] = new
    try:
        rep = parse_text(head + "\n" + "".join(chars))
    except NianbaoError:
        return
    for table in ("table2", "table3", "table4"):
        assert set(getattr(rep, table)) <= set(getattr(rec, table))


def test_a_row_label_in_the_prose_does_not_start_a_table():
    rec, _ = crawl(3, "2021")
    label = T.TEMPLATE_2021.t3_row("new_received").label
    prose = {"overview": f"本机关{label}12件，{label}较上年增加。", "problems": "无。", "other": "无。"}
    text = document(rec, "crawl", random.Random(1), prose=prose)
    rep = parse_text(text)
    assert rep.table3 == rec.table3
    overview = rep.section_text("overview")
    assert f"{label}12件" in overview and "\t" not in overview


def _glue_each_row(text: str) -> str:
    """Every table line printed without separators, its blank cells gone ("规章000"), as an
    HTML table flattened row by row."""
    return "\n".join("".join(c.strip() for c in ln.split("|")) if "|" in ln else ln
                     for ln in text.split("\n") if "|---" not in ln)


@pytest.mark.parametrize("seed", range(8))
def test_a_table_printed_one_glued_row_per_line_comes_back_exactly_or_null(seed):
    rec = random_record(random.Random(seed), template="2021")
    rec.table2["regulations"] = {k: 0 for k in rec.table2["regulations"]}
    text = _glue_each_row(document(rec, "md", random.Random(seed)))
    assert re.search(r"^规章000$", text, re.M)
    rep = parse_text(text)
    want = {**{f"table2.{r}.{c}": v for r, cells in rec.table2.items() for c, v in cells.items()},
            **{f"table3.{r}[{i}]": v for r, row in rec.table3.items() for i, v in enumerate(row)}}
    got = {**{f"table2.{r}.{c}": v for r, cells in rep.table2.items() for c, v in cells.items()},
           **{f"table3.{r}[{i}]": v for r, row in rep.table3.items() for i, v in enumerate(row)}}
    assert not {k: v for k, v in got.items() if v is not None and want.get(k) != v}  # never a wrong number
    assert rep.table2["regulations"] == rec.table2["regulations"]  # an all-zero row is read
    # a table 二 row with other digits is not split (a vanished blank cell is not told apart)
    assert all(v is None for r, cells in rep.table2.items() if set(map(str, rec.table2[r].values())) - {"0"}
               for v in cells.values())
