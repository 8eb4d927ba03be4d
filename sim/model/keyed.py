"""Nodes that need keyed requests: a cache (it looks keys up) and a node with
``routing: consistent_hash`` (it places keys on a ring). A request without a key
reaching one is refused at validation, naming the sender, the path and the fix."""

from __future__ import annotations

from sim.errors import ModelError

__all__ = ["check_keyed", "needs_keys"]


def needs_keys(spec) -> str | None:
    """Why ``spec`` needs keyed requests, or None."""
    if spec.kind == "cache":
        return "a cache looks up each request's key"
    if getattr(spec, "routing", None) == "consistent_hash":
        return "routing: consistent_hash places each request's key on a hash ring"
    return None


def check_keyed(specs, edges) -> None:
    """Refuse a model where requests of a sender without ``keys`` reach a node that
    needs keys (along path and call edges: a call carries its request's key).
    O(nodes + edges) per keyless sender."""
    needing = {s.name: why for s in specs if (why := needs_keys(s)) is not None}
    if not needing:
        return
    succ: dict[str, list[str]] = {}
    for e in edges:
        succ.setdefault(e.source, []).append(e.target)
    for sender in (s for s in specs if s.kind == "sender" and s.keys is None):
        parent = {sender.name: None}
        frontier = [sender.name]
        while frontier:
            n = frontier.pop(0)
            if n in needing:
                raise _refusal(n, needing[n], sender.name, parent)
            for m in succ.get(n, ()):
                if m not in parent:
                    parent[m] = n
                    frontier.append(m)


def _refusal(node: str, why: str, sender: str, parent: dict) -> ModelError:
    path = [node]
    while parent[path[-1]] is not None:
        path.append(parent[path[-1]])
    through = " -> ".join(map(repr, reversed(path)))
    return ModelError(f"needs requests with keys ({why}), but requests of sender {sender!r}, "
                      f"which has no 'keys', reach it ({through}); give {sender!r} keys, "
                      f"e.g. keys: {{count: 10000, popularity: {{zipf: 0.9}}}}",
                      node=node, key="keys")
