"""Posts' titles as a derived part: each post's title choices (kb.show.subject) kept in title_choices,
and its title the first choice that no other post could claim as early, so that titles stay distinct
whatever order the captures came in.

The rule: a post takes its choice of rank i unless another post has the same one (the same title, or
one naming the same: kb.show.subject.Choice.key) among its choices of rank ≤ i; so two posts about
自监督学习 both say more (自监督学习 · MAE, 自监督学习 · 互信息), and no two posts share a title. Titles
depend on nothing but the posts' texts: an import, a rebuild and another import order agree. The
search index holds titles: the posts whose title changes are re-indexed here, in the same transaction.
"""
from __future__ import annotations

import sqlite3

from kb.show.subject import subject_titles
from kb.store.meta import get_meta, set_meta

TABLES = ("title_choices",)
META_VERSION = "titles_version"
# The rules' version (kb.show.subject and the rule above): a new one retitles every post at the next
# import. Raise it with any change to what subject_titles returns.
VERSION = "1"


def prepare(ahead, text: str) -> None:
    """What import workers compute for a post's text: its title choices, and the search index's cut
    of the first, the title it takes unless another post has it (the index holds titles)."""
    from kb.search.index import body_form

    choices = ahead(subject_titles, text)
    ahead(body_form, choices[0].title)


def posts_changed(conn: sqlite3.Connection, post_ids: list[int], ahead) -> None:
    """New choices for these posts (their text changed), and new titles for them and for every post
    sharing a choice with them, old or new; those others' index rows follow."""
    if not post_ids:
        return
    touched = set(post_ids) | _sharing(conn, post_ids)
    rows = _texts(conn, post_ids)
    conn.executemany("DELETE FROM title_choices WHERE post_id = ?", [(pid,) for pid in post_ids])
    conn.executemany(
        "INSERT INTO title_choices (post_id, rank, choice, key) VALUES (?, ?, ?, ?)",
        [(pid, rank, c.title, c.key) for pid, text in rows for rank, c in enumerate(ahead(subject_titles, text))],
    )
    touched |= _sharing(conn, post_ids)
    retitled = _assign(conn, sorted(touched))
    _reindex(conn, sorted(retitled - set(post_ids)))  # the changed posts: the search part's, next


def rebuild(conn: sqlite3.Connection, ahead) -> None:
    """Every post's choices and title again (a migration's stale mark, a changed rule, kb doctor --fix)."""
    conn.execute("DELETE FROM title_choices")
    ids = [r[0] for r in conn.execute("SELECT id FROM posts ORDER BY id")]
    for i in range(0, len(ids), 500):
        rows = _texts(conn, ids[i:i + 500])
        conn.executemany(
            "INSERT INTO title_choices (post_id, rank, choice, key) VALUES (?, ?, ?, ?)",
            [(pid, rank, c.title, c.key) for pid, text in rows for rank, c in enumerate(ahead(subject_titles, text))],
        )
    _reindex(conn, sorted(_assign(conn, ids)))
    set_meta(conn, META_VERSION, VERSION)


def stale(conn: sqlite3.Connection) -> str | None:
    if get_meta(conn, META_VERSION) != VERSION:
        return "made by other title rules than the installed ones"
    return None


def _texts(conn: sqlite3.Connection, ids: list[int]) -> list[tuple[int, str]]:
    out = []
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        marks = ",".join("?" * len(chunk))
        out += [(r[0], r[1] or "") for r in conn.execute(f"SELECT id, text FROM posts WHERE id IN ({marks})", chunk)]
    return out


def _sharing(conn: sqlite3.Connection, ids: list[int]) -> set[int]:
    """The posts having a choice that one of these posts has."""
    out: set[int] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        marks = ",".join("?" * len(chunk))
        out.update(r[0] for r in conn.execute(
            f"SELECT b.post_id FROM title_choices a JOIN title_choices b ON b.key = a.key WHERE a.post_id IN ({marks})"
            f" UNION SELECT b.post_id FROM title_choices a JOIN title_choices b ON b.choice = a.choice"
            f" WHERE a.post_id IN ({marks})", chunk + chunk))
    return out


def _assign(conn: sqlite3.Connection, ids: list[int]) -> set[int]:
    """Give these posts their titles by the rule (see the module); returns those whose title changed."""
    changed = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        marks = ",".join("?" * len(chunk))
        choices: dict[int, list[tuple[str, str]]] = {}
        for pid, choice, key in conn.execute(
            f"SELECT post_id, choice, key FROM title_choices WHERE post_id IN ({marks}) ORDER BY post_id, rank", chunk
        ):
            choices.setdefault(pid, []).append((choice, key))
        # Who else has each of these choices (by title or by what it names), and how early: one query.
        earliest: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for pid, rank, choice, key in conn.execute(
            "SELECT b.post_id, b.rank, b.choice, b.key FROM title_choices a JOIN title_choices b"
            f" ON b.key = a.key OR b.choice = a.choice WHERE a.post_id IN ({marks})", chunk
        ):
            earliest.setdefault(("key", key), []).append((pid, rank))
            earliest.setdefault(("title", choice), []).append((pid, rank))
        for pid, title, slug in conn.execute(f"SELECT id, title, slug FROM posts WHERE id IN ({marks})", chunk).fetchall():
            new = _title(pid, choices.get(pid, []), slug, earliest)
            if new != title:
                conn.execute("UPDATE posts SET title = ? WHERE id = ?", (new, pid))
                changed.add(pid)
    return changed


def _title(pid: int, choices: list[tuple[str, str]], slug: str, others: dict) -> str:
    for rank, (choice, key) in enumerate(choices):
        holders = others.get(("key", key), []) + others.get(("title", choice), [])
        if not any(other != pid and their_rank <= rank for other, their_rank in holders):
            return choice
    # Every choice is another post's as early: the slug's end tells them apart (slugs are unique).
    first = choices[0][0] if choices else slug
    return f"{first} #{slug.rsplit('-', 1)[-1]}"


def _reindex(conn: sqlite3.Connection, ids: list[int]) -> None:
    """The index rows of posts retitled whose text did not change: their cuts are computed here (the
    workers' were used when the posts came; asking the import's precompute again would be a miss)."""
    if ids:
        from kb.search import index

        index.posts_changed(conn, ids, lambda fn, text: fn(text))
