"""The cross-report G6 check finds near-identical section 五 texts without comparing all
pairs; it must find exactly the pairs (and figures) that comparing every pair finds."""
from __future__ import annotations

import random
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from nianbao.rules.crossyear import G6_THRESHOLD, shingles, similarity
from nianbao.store.crosscheck import peer_similarity
from nianbao.store.neardup import min_overlap, similar_pairs

from tests.support.store_util import dbs, problems_text, record, text_of  # noqa: F401

SENTENCES = ["政策解读形式还不够丰富，解读材料质量有待提高。", "部分栏目更新不够及时，信息发布的规范性还需加强。",
             "工作人员业务能力有待提升，培训还不够系统。", "依申请公开答复的规范性有待加强。",
             "进一步规范政府信息公开工作流程，健全信息发布审核机制。"]


def brute_force(texts: list[str], threshold: float) -> dict[tuple[int, int], float]:
    out = {}
    for i, j in combinations(range(len(texts)), 2):
        score = similarity(texts[i], texts[j])
        if score >= threshold:
            out[(i, j)] = score
    return out


# texts made of a few shared sentences, with small edits: many near-identical, some exactly
text = st.builds(lambda picks, edit, cut: "".join(SENTENCES[p] for p in picks)[cut:] + edit,
                 st.lists(st.integers(0, len(SENTENCES) - 1), min_size=0, max_size=4),
                 st.sampled_from(["", "此外。", "整改", "一二三四五六"]), st.integers(0, 6))


@settings(max_examples=300, deadline=None)
@given(st.lists(text, min_size=0, max_size=14), st.sampled_from([0.5, 0.7, G6_THRESHOLD, 0.9, 1.0]))
def test_similar_pairs_are_those_of_all_pairs(texts, threshold):
    found = {(i, j): s for i, j, s in similar_pairs([shingles(t) for t in texts], threshold)}
    assert found == brute_force(texts, threshold)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 400), st.floats(0.05, 1.0))
def test_min_overlap_is_exact(size, threshold):
    need = min_overlap(size, threshold)
    # a set of `size` with a superset of itself of size/threshold keeps exactly `need` ... at least
    assert need <= size and need / size >= threshold - 1e-9 and (need - 1) / size < threshold


def test_stored_g6_findings_are_those_of_all_pairs(dbs):
    """A region-year of 14 agencies whose section 五 are drawn from a few shared texts,
    ingested in two runs: the stored G6 pairs and figures are those of comparing every
    pair of reports."""
    store = dbs.store()
    rng = random.Random(3)
    variants = [problems_text(s) for s in (1, 2)] + ["".join(rng.sample(SENTENCES, 4)) for _ in range(3)]
    files = []
    for i in range(14):
        rec = record(f"洪泽区测试{i}局", "洪泽区", 2023, "department", seed=40 + i)
        files.append((f"r{i}.txt", text_of(rec, problems=rng.choice(variants) + ("另" if i % 3 else ""))))
    store.ingest(files[:7], workers=1)
    store.ingest(files[7:], workers=1)  # the earlier reports learn of their later peers
    ids = sorted(int(i) for i in store.reports()["id"])
    reps = {i: store.report(i) for i in ids}
    expected = {}
    for a, b in combinations(ids, 2):
        score = peer_similarity(reps[a], reps[b])
        if score is not None:
            expected[(a, b)] = expected[(b, a)] = round(score, 3)
    g6 = store.findings().query("rule == 'G6'")
    stored = {(int(r.report_id), int(r.related_report_id)): float(r.actual) for r in g6.itertuples()}
    assert expected and stored == expected
    store.crosscheck(everything=True)
    again = store.findings().query("rule == 'G6'")
    assert sorted(again["message"]) == sorted(g6["message"])
