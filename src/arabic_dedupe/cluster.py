"""Clusters from verified pairs, without chaining: every member matches its representative.

A~B and B~C never put A with C unless A~C was verified too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


def star_clusters(
    count: int,
    edges: dict[tuple[int, int], float],
    *,
    priority: Sequence[int] | None = None,
    verify: Callable[[int, int], float | None] | None = None,
) -> list[tuple[int, list[int], list[float]]]:
    """Group nodes 0..count-1 into stars around representatives.

    Nodes with the most verified neighbours become representatives first (ties: lower
    `priority`, then lower index), taking their still-free neighbours. A free node that
    matched only a member is then checked against that member's representative with
    `verify` (returning a similarity or None) and joins when it passes.
    Returns (representative, members in index order, similarity of each member), in
    order of the representative's index; singletons are left out.

    >>> star_clusters(4, {(0, 1): 0.9, (1, 2): 0.9})
    [(1, [0, 1, 2], [0.9, 1.0, 0.9])]
    >>> star_clusters(3, {(0, 1): 0.9, (1, 2): 0.8, (0, 2): 0.95}, priority=[2, 1, 0])
    [(2, [0, 1, 2], [0.95, 0.8, 1.0])]
    """
    neighbours: dict[int, dict[int, float]] = {}
    for (first, second), value in edges.items():
        neighbours.setdefault(first, {})[second] = value
        neighbours.setdefault(second, {})[first] = value
    rank = priority if priority is not None else range(count)
    order = sorted(neighbours, key=lambda node: (-len(neighbours[node]), rank[node], node))
    owner: dict[int, int] = {}
    stars: dict[int, dict[int, float]] = {}
    for node in order:
        if node in owner:
            continue
        free = {other: value for other, value in neighbours[node].items() if other not in owner}
        if not free:
            continue
        owner[node] = node
        stars[node] = {node: 1.0, **free}
        for other in free:
            owner[other] = node
    if verify is not None:
        for node in order:
            if node in owner:
                continue
            tried = set()
            for other in sorted(neighbours[node]):
                representative = owner.get(other)
                if representative is None or representative in tried:
                    continue
                tried.add(representative)
                value = verify(node, representative)
                if value is not None:
                    owner[node] = representative
                    stars[representative][node] = value
                    break
    result = []
    for representative in sorted(stars):
        members = sorted(stars[representative])
        result.append((representative, members, [stars[representative][member] for member in members]))
    return result
