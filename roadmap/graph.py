"""Cycle detection for prerequisite graphs, shared by the models, admin and loader."""

from collections.abc import Hashable, Mapping


def find_cycle[T: Hashable](edges: Mapping[T, set[T]]) -> list[T] | None:
    """Return one cycle as a path that ends where it starts, or None.

    `edges` maps a node to the nodes it depends on. Iterative depth-first search, so
    a long chain of prerequisites cannot exhaust the recursion limit.
    """
    white, grey, black = 0, 1, 2
    colour: dict[T, int] = {}
    for root in sorted(edges, key=str):
        if colour.get(root, white) != white:
            continue
        path: list[T] = [root]
        stack = [iter(sorted(edges.get(root, ()), key=str))]
        colour[root] = grey
        while stack:
            child = next(stack[-1], None)
            if child is None:
                colour[path.pop()] = black
                stack.pop()
                continue
            state = colour.get(child, white)
            if state == grey:
                return [*path[path.index(child) :], child]
            if state == white:
                colour[child] = grey
                path.append(child)
                stack.append(iter(sorted(edges.get(child, ()), key=str)))
    return None
