"""Near-identical sets, exactly and without comparing all pairs (pure functions).

`closest_earlier(sets, threshold)` gives, for each set of a sequence ordered earliest
first, the earlier set most similar to it (Jaccard >= `threshold`; the earliest of equals)
- the same answer, with the same figure, as comparing each pair - by a set-similarity join:

1. identical sets are grouped first: each distinct set is compared once, and a set's
   closest earlier one is the first of its identical group when it is not that first
   (similarity 1: none can be closer), so n copies of one text cost n, not n·(n-1)/2;
2. prefix filtering: with the tokens ordered rarest first, two sets with Jaccard >= t
   share a token among the first |x| - ceil(t·|x|) + 1 of each (they overlap in at least
   ceil(t·max(|x|, |y|)) tokens), so only sets sharing a prefix token are candidates;
3. size filtering: a candidate y of x needs t·|x| <= |y| <= |x| / t;
4. every candidate is verified by the exact Jaccard figure.

A block of fewer than `DIRECT_BELOW` distinct sets compares each pair of them instead
(a set intersection costs less than ranking the tokens of a few sets).

The work grows with the number of sets and of candidate pairs of *distinct* sets, not
with the square of the group: texts that are not near-identical rarely share their
rarest n-grams, and identical ones are one candidate.  The answer is one pair per set at
most (a cluster of 50 copies: 49 answers).
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterator, Sequence

_EPS = 1e-9  # t·|x| computed in floating point: never round a required overlap up


def min_overlap(size: int, threshold: float) -> int:
    """The fewest shared tokens a set of `size` needs with any set it is `threshold`-similar to."""
    return max(1, math.ceil(threshold * size - _EPS))


def prefix_length(size: int, threshold: float) -> int:
    return size - min_overlap(size, threshold) + 1


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def _distinct(sets: Sequence[frozenset]) -> tuple[list[frozenset], list[list[int]]]:
    """The distinct non-empty sets, and the positions of each in `sets`."""
    where: dict[frozenset, list[int]] = defaultdict(list)
    for i, s in enumerate(sets):
        if s:
            where[s].append(i)
    return list(where), list(where.values())


def _candidates(sets: Sequence[frozenset], threshold: float) -> Iterator[tuple[int, int]]:
    """Pairs (i, j), i != j, of distinct sets sharing a prefix token and passing the size filter."""
    freq: Counter[Hashable] = Counter()
    for s in sets:
        freq.update(s)
    rank = {t: r for r, (_, t) in enumerate(sorted((n, t) for t, n in freq.items()))}
    sizes = [len(s) for s in sets]
    order = sorted(range(len(sets)), key=sizes.__getitem__)
    index: dict[int, list[int]] = defaultdict(list)  # token rank -> sets (smaller or equal) holding it in their prefix
    for i in order:
        size = sizes[i]
        tokens = sorted(map(rank.__getitem__, sets[i]))[: prefix_length(size, threshold)]
        smallest = threshold * size - _EPS
        seen: set[int] = set()
        for t in tokens:
            for j in index[t]:
                if j not in seen and sizes[j] >= smallest:
                    seen.add(j)
                    yield j, i
            index[t].append(i)


DIRECT_BELOW = 32  # fewer distinct sets than this: compare each pair (cheaper than ranking their tokens)


def _pairs(sets: Sequence[frozenset], threshold: float, direct: int) -> Iterator[tuple[int, int]]:
    """The candidate pairs of distinct sets: every pair of a few sets, else `_candidates`."""
    if len(sets) >= direct:
        yield from _candidates(sets, threshold)
        return
    for i in range(1, len(sets)):
        for j in range(i):
            yield j, i


def closest_earlier(sets: Sequence[frozenset], threshold: float,
                    direct: int = DIRECT_BELOW) -> list[tuple[int, float] | None]:
    """For each position i of `sets` (ordered earliest first), (j, jaccard) of the j < i
    whose set is most similar to set i with jaccard >= threshold, the smallest j among
    equals; None when there is none (empty sets are similar to nothing).  Below `direct`
    distinct sets every pair of them is compared (the same answer, less work)."""
    best: list[tuple[int, float] | None] = [None] * len(sets)
    distinct, positions = _distinct(sets)
    for members in positions:  # identical sets: the group's first, similarity 1
        for m in members[1:]:
            best[m] = (members[0], 1.0)
    for x, y in _pairs(distinct, threshold, direct):
        score = jaccard(distinct[x], distinct[y])
        if score >= threshold:  # only the later group's first can gain: the others hold 1.0
            earlier, later = sorted((positions[x][0], positions[y][0]))
            held = best[later]
            if held is None or score > held[1] or (score == held[1] and earlier < held[0]):
                best[later] = (earlier, score)
    return best
