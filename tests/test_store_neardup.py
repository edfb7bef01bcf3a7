"""The cross-report G6 check finds, for each report, the earlier report whose section 五
it copies without comparing all pairs; it must give exactly what comparing every pair
gives (the most similar earlier text, the earliest of equals, and its figure)."""
from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from nianbao.rules.crossyear import G6_THRESHOLD, shingles, similarity
from nianbao.store.crosscheck import peer_similarity
from nianbao.store import lifecycle
from nianbao.store.neardup import closest_earlier, min_overlap

from tests.support.store_util import dbs, problems_text, record, text_of  # noqa: F401

SENTENCES = ["政策解读形式还不够丰富，解读材料质量有待提高。", "部分栏目更新不够及时，信息发布的规范性还需加强。",
             "工作人员业务能力有待提升，培训还不够系统。", "依申请公开答复的规范性有待加强。",
             "进一步规范政府信息公开工作流程，健全信息发布审核机制。"]


def brute_force(texts: list[str], threshold: float) -> list[tuple[int, float] | None]:
    """For each text, the earlier one most similar to it (the earliest of equals), by all pairs."""
    out: list[tuple[int, float] | None] = []
    for i, t in enumerate(texts):
        scores = [(similarity(t, texts[j]), -j) for j in range(i)]
        best = max((x for x in scores if x[0] >= threshold and x[0] > 0), default=None)
        out.append(None if best is None else (-best[1], best[0]))
    return out


# texts made of a few shared sentences, with small edits: many near-identical, some exactly
text = st.builds(lambda picks, edit, cut: "".join(SENTENCES[p] for p in picks)[cut:] + edit,
                 st.lists(st.integers(0, len(SENTENCES) - 1), min_size=0, max_size=4),
                 st.sampled_from(["", "此外。", "整改", "一二三四五六"]), st.integers(0, 6))


@settings(max_examples=300, deadline=None)
@given(st.lists(text, min_size=0, max_size=14), st.sampled_from([0.5, 0.7, G6_THRESHOLD, 0.9, 1.0]))
def test_closest_earlier_is_that_of_all_pairs(texts, threshold):
    expected = brute_force(texts, threshold)
    sets = [shingles(t) for t in texts]
    assert closest_earlier(sets, threshold, direct=0) == expected  # the prefix-filtered join
    assert closest_earlier(sets, threshold, direct=len(texts) + 1) == expected  # every pair of distinct sets


def test_many_identical_texts_are_one_candidate():
    """5,000 copies of a few texts: one answer per copy (the first of its text), found
    without the 12.5 million pairs."""
    texts = ["".join(SENTENCES[(k + i) % len(SENTENCES)] for i in range(3)) for k in range(len(SENTENCES))]
    sets = [shingles(texts[i % len(texts)]) for i in range(5000)]
    best = closest_earlier(sets, G6_THRESHOLD)
    assert best[: len(texts)] == brute_force(texts, G6_THRESHOLD)
    assert best[len(texts):] == [(i % len(texts), 1.0) for i in range(len(texts), 5000)]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 400), st.floats(0.05, 1.0))
def test_min_overlap_is_exact(size, threshold):
    need = min_overlap(size, threshold)
    # a set of `size` with a superset of itself of size/threshold keeps exactly `need` ... at least
    assert need <= size and need / size >= threshold - 1e-9 and (need - 1) / size < threshold


def test_stored_g6_findings_are_those_of_all_pairs(dbs):
    """A region-year of 14 agencies whose section 五 are drawn from a few shared texts,
    ingested in two runs, some dated: the stored G6 findings name, for each report, the
    report published before it (undated ones after the dated, then in the order stored)
    that comparing every pair finds most similar."""
    store = dbs.store()
    rng = random.Random(3)
    variants = [problems_text(s) for s in (1, 2)] + ["".join(rng.sample(SENTENCES, 4)) for _ in range(3)]
    files = []
    for i in range(14):
        rec = record(f"洪泽区测试{i}局", "洪泽区", 2023, "department", seed=40 + i)
        files.append((f"r{i}.txt", text_of(rec, problems=rng.choice(variants) + ("另" if i % 3 else ""))))
    store.ingest(files[:7], workers=1)
    store.ingest(files[7:], workers=1)  # the earlier reports learn of their later peers
    stored_order = sorted(int(i) for i in store.reports()["id"])
    dates = {rid: f"2024-01-{10 + k:02}" for k, rid in enumerate(reversed(stored_order[4:9]))}
    for rid, date in dates.items():
        lifecycle.set_publish_date(store.engine, rid, date)
    store.crosscheck()
    ids = sorted(stored_order, key=lambda rid: (dates.get(rid, "9999"), rid))
    reps = {i: store.report(i) for i in ids}
    expected = {}
    for k, a in enumerate(ids):
        scores = [(peer_similarity(reps[a], reps[b]), -j) for j, b in enumerate(ids[:k])]
        best = max(((s, j) for s, j in scores if s is not None), default=None)
        if best is not None:
            expected[a] = (ids[-best[1]], round(best[0], 3))
    g6 = store.findings().query("rule == 'G6'")
    stored = {int(r.report_id): (int(r.related_report_id), float(r.actual)) for r in g6.itertuples()}
    assert len(expected) > 3 and stored == expected
    store.crosscheck(everything=True)
    again = store.findings().query("rule == 'G6'")
    assert sorted(again["message"]) == sorted(g6["message"])
