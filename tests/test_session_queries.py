"""Sessions assembled by indexed queries are the sessions the rule gives: beside schedule.pick runs a
reference that applies the rule to every card in Python (as kb picked before the queries), on a real
database put in many states — schedules of every state due before, soon and later, reviews today and
before, suspended and deleted cards, topic pools — for every mode, count, daily limit, --new and cram.
"""
from __future__ import annotations

import datetime as dt
import random

import pytest

from kb.quiz import schedule, topics
from kb.store.connect import open_db
from kb.text import stamp

NOW = dt.datetime(2026, 12, 1, 14, 0, tzinfo=dt.timezone.utc)


# ---------------------------------------------------------------- the reference: every card, in Python


def ref_new_terms_today(conn, now):
    day = now.astimezone(dt.timezone.utc).date().isoformat()
    first: dict[str, str] = {}
    for cid, at in conn.execute("SELECT card_id, reviewed_at FROM reviews"):
        first[cid] = min(first.get(cid, at), at)
    norm = dict(conn.execute("SELECT id, norm_term FROM cards"))
    return {norm[c] for c, at in first.items() if c in norm and f"{day}T00:00:00Z" <= at < f"{day}T99"}


def ref_rows(conn, pool):
    rows = conn.execute(
        "SELECT c.id, c.slug, c.norm_term, c.kind, s.due, s.state FROM cards c JOIN posts p ON p.id = c.post_id"
        " LEFT JOIN card_schedule s ON s.card_id = c.id LEFT JOIN card_decisions d ON d.card_id = c.id"
        " WHERE c.active = 1 AND d.suspended_at IS NULL AND d.deleted_at IS NULL"
        " ORDER BY p.rank, p.id, c.position, c.kind, c.id").fetchall()
    return [r for r in rows if pool is None or r["id"] in pool]


def ref_spread(rows):
    index: dict[str, int] = {}
    for r in rows:
        index.setdefault(r["norm_term"], len(index))
    return sorted(rows, key=lambda r: index[r["norm_term"]] + 3 * schedule.KIND_ORDER.get(r["kind"], 0))


def ref_pick(conn, *, kinds, pool, count, cram=False, new_per_day=20, now, new=None):
    rows = ref_rows(conn, pool)
    at, ahead = stamp(now), stamp(now + schedule.LEARN_AHEAD)
    learning = schedule.LEARNING_STATES
    bucket = {r["id"]: ("new" if not r["due"] else "learning" if r["state"] in learning else "due") for r in rows}
    if cram:
        mine = [r for r in rows if r["kind"] in kinds]
        scheduled = sorted((r for r in mine if r["due"]), key=lambda r: r["due"])
        chosen = ([r for r in scheduled if r["due"] <= at] + ref_spread([r for r in mine if not r["due"]])
                  + [r for r in scheduled if r["due"] > at])[:count]
        limit = {"per_day": new_per_day, "today": 0, "room": None, "held_back": 0}
    else:
        due = sorted((r for r in rows if r["due"] and r["due"] <= at), key=lambda r: r["due"])
        soon = sorted((r for r in rows if r["due"] and at < r["due"] <= ahead and r["state"] in learning),
                      key=lambda r: r["due"])
        fresh = ref_spread([r for r in rows if not r["due"] and r["kind"] in kinds])
        today = ref_new_terms_today(conn, now)
        room = max(0, new_per_day - len(today)) if new is None else new
        chosen, taken = due[:count], set()
        for r in fresh:
            if len(chosen) >= count:
                break
            if r["norm_term"] in today or r["norm_term"] in taken:
                chosen.append(r)
            elif len(taken) < room:
                taken.add(r["norm_term"])
                chosen.append(r)
        chosen += soon[: max(0, count - len(chosen))]
        waiting = {r["norm_term"] for r in fresh} - today - taken
        held = len(waiting) if len(taken) >= room and len(chosen) < count else 0
        limit = {"per_day": new_per_day if new is None else new, "today": len(today), "room": room, "held_back": held}
    buckets = {r["id"]: bucket[r["id"]] for r in chosen}
    counted = {b: sum(1 for v in buckets.values() if v == b) for b in ("new", "learning", "due")}
    return {"ids": [r["id"] for r in chosen], "buckets": buckets, **counted, "limit": limit}


def ref_next_due(conn, pool, after):
    found = [r for r in ref_rows(conn, pool) if r["due"] and r["due"] > stamp(after)]
    return min((r["due"] for r in found), default=None)


# ---------------------------------------------------------------- states


def shuffle_state(conn, rng: random.Random) -> None:
    """Schedules, reviews and decisions at random (written as kb writes them), on the bundled cards."""
    conn.execute("DELETE FROM card_schedule")
    conn.execute("DELETE FROM reviews")
    conn.execute("DELETE FROM card_decisions")
    ids = [r[0] for r in conn.execute("SELECT id FROM cards ORDER BY id")]
    norms = dict(conn.execute("SELECT id, norm_term FROM cards"))
    for cid in ids:
        roll = rng.random()
        if roll < 0.45:
            continue  # new
        # Due long ago, a moment ago, within the learn-ahead limit, or later; ties on purpose.
        due = NOW + rng.choice([dt.timedelta(days=-3), dt.timedelta(minutes=-5), dt.timedelta(minutes=-5),
                                dt.timedelta(minutes=7), dt.timedelta(minutes=30), dt.timedelta(days=4)])
        state = rng.choice([1, 2, 3])
        conn.execute("INSERT INTO card_schedule (card_id, fsrs, due, state, updated_at) VALUES (?, '{}', ?, ?, ?)",
                     (cid, stamp(due), state, stamp(NOW)))
        for _ in range(rng.randint(1, 3)):
            when = NOW - rng.choice([dt.timedelta(minutes=20), dt.timedelta(hours=3), dt.timedelta(days=2)])
            conn.execute("INSERT INTO reviews (card_id, rating, reviewed_at, mode) VALUES (?, 3, ?, 'flashcard')",
                         (cid, stamp(when)))
    for cid in rng.sample(ids, len(ids) // 12):
        what = rng.choice(["suspended_at", "deleted_at"])
        conn.execute(f"INSERT OR REPLACE INTO card_decisions (card_id, norm_term, {what}) VALUES (?, ?, ?)",
                     (cid, norms[cid], stamp(NOW)))
    conn.commit()


@pytest.mark.parametrize("seed, batch, walk", [(1, schedule.NEW_BATCH, False), (2, schedule.NEW_BATCH, True),
                                               (3, 1, False), (4, 1, True), (5, 3, True)])
def test_pick_by_indexed_queries_is_the_rule_applied_to_every_card(imported, seed, batch, walk, monkeypatch):
    # New cards read by walking the posts or by sorting the cards: the same cards in the same order.
    monkeypatch.setattr(schedule, "walk_posts", lambda conn, kinds: walk)
    # Small batches make a session read new cards in many rounds, as one at 100,000 posts may.
    if batch < schedule.NEW_BATCH:
        monkeypatch.setattr(schedule, "NEW_BATCH", batch)
        monkeypatch.setattr(schedule, "NEW_PER_CARD", 0)
    conn = open_db(imported)
    rng = random.Random(seed)
    shuffle_state(conn, rng)
    ids = [r[0] for r in conn.execute("SELECT id FROM cards")]
    pools = {"all": None, "flow": topics.card_ids(conn, topics.resolve(conn, "flow")),
             "some": set(rng.sample(ids, len(ids) // 3)), "none": set()}
    compared = 0
    for name, pool in pools.items():
        for mode, kinds in schedule.MODES.items():
            for count in (1, 4, 10, 60, 500):
                cases = [dict(), dict(new=0), dict(new=3), dict(new_per_day=0), dict(new_per_day=2), dict(cram=True)]
                for extra in cases:
                    args = dict(kinds=kinds, pool=pool, count=count, now=NOW) | extra
                    assert schedule.pick(conn, **args) == ref_pick(conn, **args), (name, mode, count, extra)
                    compared += 1
        for after in (NOW, NOW + dt.timedelta(minutes=10), NOW + dt.timedelta(days=30)):
            assert schedule.next_due(conn, pool, after) == ref_next_due(conn, pool, after), (name, after)
    assert compared == 4 * 4 * 5 * 6
    # The states hold every bucket, so the comparison saw each of them.
    seen = schedule.pick(conn, kinds=schedule.MODES["mixed"], pool=None, count=500, now=NOW, new=500)
    assert seen["new"] and seen["learning"] and seen["due"]
    assert schedule.new_terms_today(conn, NOW) == ref_new_terms_today(conn, NOW)
