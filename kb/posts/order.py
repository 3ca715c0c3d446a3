"""The newest-first order of all posts, from dates and the order evidence of the captures.

Each capture lists posts newest first, so every pair of neighbours in a capture says which
is newer; dated posts say so too. A topological sort of that evidence gives `kb latest`'s
order, and the dated posts above and below an undated one bound its date without inventing it.
"""
from __future__ import annotations

import heapq
import sqlite3
from collections import defaultdict


def compute_order(
    dates: dict[int, str | None],
    sequences: list[list[int]],
) -> tuple[list[int], dict[int, tuple[str | None, str | None]]]:
    """dates: post id → date or None; sequences: each capture's post ids, top to bottom.

    Returns the ids newest first and, for undated posts, (after, before): the latest date
    known to be older and the earliest known to be newer (either may be None).
    """
    first_seen: dict[int, int] = {}
    succ: dict[int, set[int]] = defaultdict(set)
    for seq in sequences:
        for pid in seq:
            first_seen.setdefault(pid, len(first_seen))
        for a, b in zip(seq, seq[1:]):
            if a != b:
                succ[a].add(b)
    for pid in dates:
        first_seen.setdefault(pid, len(first_seen))
    capture_succ = {k: set(v) for k, v in succ.items()}

    # Dated posts are ordered by date through one virtual node per date (linear, not n²).
    by_date: dict[str, list[int]] = defaultdict(list)
    for pid, d in dates.items():
        if d:
            by_date[d].append(pid)
    distinct = sorted(by_date, reverse=True)
    virtual: dict[str, int] = {}
    for idx, d in enumerate(distinct):
        v = -(idx + 1)
        virtual[d] = v
        for pid in by_date[d]:
            succ[pid].add(v)
        if idx + 1 < len(distinct):
            for pid in by_date[distinct[idx + 1]]:
                succ[v].add(pid)

    nodes = list(first_seen) + list(virtual.values())
    indeg: dict[int, int] = {n: 0 for n in nodes}
    for a, bs in succ.items():
        for b in bs:
            indeg[b] += 1

    after, before = _bounds(dates, capture_succ, first_seen)

    def priority(n: int) -> tuple:
        if n < 0:  # a virtual date node: as soon as it is free
            return (0, "", 0, n)
        d = dates.get(n)
        est = d or after.get(n) or before.get(n) or ""
        # Newest estimate first; on a tie dated before undated; then capture order.
        return (1, _neg(est), 0 if d else 1, first_seen[n], n)

    heap = [priority(n) for n in nodes if indeg[n] == 0]
    heapq.heapify(heap)
    fallback = sorted(nodes, key=lambda n: (n >= 0, first_seen.get(n, 0)))
    done: set[int] = set()
    order: list[int] = []
    fb = 0
    while len(done) < len(nodes):
        if heap:
            n = heapq.heappop(heap)[-1]
            if n in done:
                continue
        else:
            # The evidence has a cycle (captures that disagree): release the earliest-seen node.
            while fallback[fb] in done:
                fb += 1
            n = fallback[fb]
        done.add(n)
        if n >= 0:
            order.append(n)
        for m in succ.get(n, ()):
            indeg[m] -= 1
            if indeg[m] == 0 and m not in done:
                heapq.heappush(heap, priority(m))
    bounds = {
        pid: (after.get(pid), before.get(pid))
        for pid in first_seen
        if not dates.get(pid) and (after.get(pid) or before.get(pid))
    }
    return order, bounds


def _neg(date: str) -> str:
    """A key that sorts later dates first (dates are fixed-width ISO strings)."""
    return "".join(chr(0x10FFFF - ord(c)) for c in date) if date else "\U0010ffff"


def _bounds(dates, succ, first_seen):
    """Date bounds for undated posts through capture neighbours, transitively.

    before[x]: the earliest date of a dated post above x (x is no newer than it);
    after[x]: the latest date of a dated post below x. Only capture evidence is used,
    and a pair that contradicts itself (after > before) is dropped as no evidence.
    """
    pred: dict[int, set[int]] = defaultdict(set)
    for a, bs in succ.items():
        for b in bs:
            pred[b].add(a)
    before = _propagate(dates, succ, first_seen, min)
    after = _propagate(dates, pred, first_seen, max)
    for pid in list(first_seen):
        if dates.get(pid):
            before.pop(pid, None)
            after.pop(pid, None)
        elif pid in before and pid in after and after[pid] > before[pid]:
            before.pop(pid)
            after.pop(pid)
    return after, before


def _propagate(dates, edges, first_seen, pick):
    """Push each dated post's date along edges until nothing changes (a worklist)."""
    bound: dict[int, str] = {}
    work = [pid for pid in first_seen if dates.get(pid)]
    while work:
        nxt = []
        for a in work:
            value = dates.get(a) or bound.get(a)
            if not value:
                continue
            for b in edges.get(a, ()):
                if dates.get(b):
                    continue  # a dated post speaks for itself and its own neighbours
                old = bound.get(b)
                new = value if old is None else pick(old, value)
                if new != old:
                    bound[b] = new
                    nxt.append(b)
        work = nxt
    return bound


def refresh(conn: sqlite3.Connection) -> None:
    """Recompute rank and date bounds of every post (inside the caller's transaction)."""
    dates = {row[0]: row[1] for row in conn.execute("SELECT id, date FROM posts")}
    sequences: dict[int, list[int]] = defaultdict(list)
    for source_id, post_id in conn.execute(
        "SELECT source_id, post_id FROM sightings ORDER BY source_id, position"
    ):
        sequences[source_id].append(post_id)
    order, bounds = compute_order(dates, list(sequences.values()))
    rows = []
    for rank, pid in enumerate(order, start=1):
        after, before = bounds.get(pid, (None, None))
        rows.append((rank, after, before, pid))
    conn.executemany("UPDATE posts SET rank = ?, date_after = ?, date_before = ? WHERE id = ?", rows)
