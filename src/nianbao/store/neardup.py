"""Near-identical sets, exactly and without comparing all pairs (pure functions).

`similar_pairs(sets, threshold)` gives every pair of sets whose Jaccard similarity is at
least `threshold` - the same pairs, with the same figures, as comparing each pair - by
a set-similarity join:

1. identical sets are grouped first (each distinct set is compared once);
2. prefix filtering: with the tokens ordered rarest first, two sets with Jaccard >= t
   share a token among the first |x| - ceil(t·|x|) + 1 of each (they overlap in at least
   ceil(t·max(|x|, |y|)) tokens), so only sets sharing a prefix token are candidates;
3. size filtering: a candidate y of x needs t·|x| <= |y| <= |x| / t;
4. every candidate is verified by the exact Jaccard figure.

The work grows with the number of sets and of candidate pairs, not with the square of
the group: texts that are not near-identical rarely share their rarest n-grams.
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
    freq: Counter[Hashable] = Counter(t for s in sets for t in s)
    rank = {t: r for r, t in enumerate(sorted(freq, key=lambda t: (freq[t], t)))}
    order = sorted(range(len(sets)), key=lambda i: len(sets[i]))
    index: dict[int, list[int]] = defaultdict(list)  # token rank -> sets (smaller or equal) holding it in their prefix
    for i in order:
        size = len(sets[i])
        tokens = sorted(rank[t] for t in sets[i])[: prefix_length(size, threshold)]
        smallest = threshold * size - _EPS
        seen: set[int] = set()
        for t in tokens:
            for j in index[t]:
                if j not in seen and len(sets[j]) >= smallest:
                    seen.add(j)
                    yield j, i
            index[t].append(i)


def similar_pairs(sets: Sequence[frozenset], threshold: float) -> Iterator[tuple[int, int, float]]:
    """(i, j, jaccard) for every pair i < j of `sets` with jaccard >= threshold (empty sets
    are similar to nothing)."""
    distinct, positions = _distinct(sets)
    for members in positions:  # identical sets: similarity 1
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                yield members[a], members[b], 1.0
    for x, y in _candidates(distinct, threshold):
        score = jaccard(distinct[x], distinct[y])
        if score >= threshold:
            for i in positions[x]:
                for j in positions[y]:
                    yield min(i, j), max(i, j), score
