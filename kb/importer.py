"""Excerpts → posts: read capture files, dedupe near-identical excerpts, name posts, record sightings.

Each file is imported in one transaction; sources are remembered by content hash.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from rapidfuzz import fuzz

from kb import capture, naming, order, prepare
from kb.db import transaction

# Two excerpts whose overlapping start agrees this closely are one post captured twice.
SAME_POST_RATIO = 95.0
IMPORT_CHECKPOINT_PAGES = 16384
STDIN = "-"

# Called after a file's posts are written, in the same transaction, with the ids of posts
# created or changed: the search index and the cards hook in here.
POST_HOOKS: list[Callable[[sqlite3.Connection, list[int]], None]] = []


def _search_hook(conn: sqlite3.Connection, post_ids: list[int]) -> None:
    from kb import search

    search.index_posts(conn, post_ids)


# First: later hooks (quiz topics) may look posts up through the search index.
POST_HOOKS.append(_search_hook)


def _cards_hook(conn: sqlite3.Connection, post_ids: list[int]) -> None:
    from kb import cards  # extraction needs jieba: loaded only when posts change

    cards.on_posts_changed(conn, post_ids)


POST_HOOKS.append(_cards_hook)


@dataclass
class ImportReport:
    files_read: int = 0
    excerpts_seen: int = 0
    new_posts: int = 0
    merged_duplicates: int = 0
    unchanged_skipped: int = 0
    errors: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "files_read": self.files_read,
            "excerpts_seen": self.excerpts_seen,
            "new_posts": self.new_posts,
            "merged_duplicates": self.merged_duplicates,
            "unchanged_skipped": self.unchanged_skipped,
            "errors": self.errors,
        }


def expand_paths(paths: Iterable[str], report: ImportReport) -> list[tuple[str, Path | None]]:
    """Files to read, in a stable order: files as given, folders recursively (*.txt), '-' for stdin."""
    out: list[tuple[str, Path | None]] = []
    for raw in paths:
        if raw == STDIN:
            out.append((STDIN, None))
            continue
        path = Path(raw)
        if path.is_dir():
            out.extend((shown_path(p), p) for p in _walk_txt(path, report))
        elif path.exists() or path.is_symlink():
            out.append((shown_path(raw), path))  # a named pipe given by name (kb import <(…)) is read
        else:
            report.errors.append({"path": shown_path(raw), "error": "no such file or folder"})
    return out


def shown_path(path: str | Path) -> str:
    """A path as kb stores and shows it: bytes of a name that are not UTF-8 as \\x escapes
    (Python keeps them as lone surrogates, which SQLite and JSON cannot take)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _walk_txt(root: Path, report: ImportReport) -> list[Path]:
    found: list[Path] = []
    seen_dirs: set[tuple[int, int]] = set()

    def onerror(exc: OSError) -> None:
        report.errors.append({"path": shown_path(exc.filename or str(root)), "error": exc.strerror or str(exc)})

    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=onerror):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:  # a symlink loop: this folder was walked already
            report.errors.append({"path": shown_path(dirpath), "error": "symlink loop, folder skipped"})
            dirnames[:] = []
            continue
        seen_dirs.add(key)
        dirnames.sort()
        for name in sorted(filenames):
            if name.lower().endswith(".txt"):
                path = Path(dirpath) / name
                try:
                    regular = stat.S_ISREG(path.stat().st_mode)
                except OSError:
                    regular = True  # reading it will say what is wrong
                if regular:
                    found.append(path)
                else:  # a named pipe would block the import for ever; a device is no capture
                    report.errors.append({"path": shown_path(path), "error": "not a regular file, skipped"})
    return found


def import_paths(conn: sqlite3.Connection, paths: Iterable[str], *, stdin: bytes | None = None) -> ImportReport:
    report = ImportReport()
    files = expand_paths(paths, report)
    ahead = _files_to_prepare(conn, files)
    # Checkpoints copy the WAL into the database and sync it: an import writes tens of MB, and
    # at SQLite's default of every 4 MB those syncs were a tenth of a large import.
    conn.execute(f"PRAGMA wal_autocheckpoint = {IMPORT_CHECKPOINT_PAGES}")
    jobs = prepare.jobs(sum(size for _, _, size in ahead), len(ahead))
    with prepare.Workers(jobs, len(ahead)) as workers:
        ready = workers.prepare([path for _, path, _ in ahead])
        changed_any = _import_files(conn, files, {i for i, _, _ in ahead}, ready, stdin, report)
        if changed_any:
            with transaction(conn):
                order.refresh(conn)
                from kb import related  # related posts depend on every post's terms: once per import

                related.refresh(conn)
    return report


def _files_to_prepare(conn: sqlite3.Connection, files: list[tuple[str, Path | None]]) -> list[tuple[int, str, int]]:
    """The files (index in files, path, size) worth handing to import workers: large imports
    only, new content only."""
    sizes = []
    for _, path in files:
        try:
            sizes.append(path.stat().st_size if path is not None and path.is_file() else 0)
        except OSError:
            sizes.append(0)
    if sum(sizes) < prepare.AUTO_MIN_BYTES and not os.environ.get("KB_JOBS"):
        return []
    out = []
    for i, ((_, path), size) in enumerate(zip(files, sizes)):
        if not size:
            continue
        try:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue
        if not _known_hash(conn, sha):  # unchanged files are skipped: nothing to prepare
            out.append((i, str(path), size))
    return out


def _import_files(
    conn: sqlite3.Connection,
    files: list[tuple[str, Path | None]],
    prepared: set[int],
    ready: Iterator[None],
    stdin: bytes | None,
    report: ImportReport,
) -> bool:
    changed_any = False
    for i, (label, path) in enumerate(files):
        if i in prepared:
            next(ready, None)  # the workers yield in file order: this file's results are in
        try:
            if path is None:
                data = stdin if stdin is not None else sys.stdin.buffer.read()
                name = "<stdin>"
            else:
                data = path.read_bytes()
                name = shown_path(path.name)
        except OSError as exc:
            report.errors.append({"path": label, "error": exc.strerror or str(exc)})
            continue
        try:
            changed_any |= import_bytes(conn, data, name=name, path=label, report=report)
        except capture_errors() as exc:
            report.errors.append({"path": label, "error": str(exc)})
    return changed_any


def capture_errors() -> tuple[type[Exception], ...]:
    return (ValueError,)


def import_bytes(conn: sqlite3.Connection, data: bytes, *, name: str, path: str, report: ImportReport) -> bool:
    """Import one file's bytes in one transaction. Returns whether anything changed."""
    sha = hashlib.sha256(data).hexdigest()
    if _known_hash(conn, sha):
        report.unchanged_skipped += 1
        return False
    if not data.strip():
        raise ValueError("empty file")
    parsed = capture.parse_bytes(data)  # ValueError for a file that is not text
    if not parsed.excerpts:
        raise ValueError("no excerpts found (not a capture of the blog's listing pages?)")
    with transaction(conn):
        if _known_hash(conn, sha):  # another process imported it while we parsed
            report.unchanged_skipped += 1
            return False
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        if path != STDIN:
            # The same file, changed since: it is re-read, its old sightings replaced.
            for (old_id,) in conn.execute("SELECT id FROM sources WHERE path = ?", (path,)).fetchall():
                conn.execute("DELETE FROM sightings WHERE source_id = ?", (old_id,))
                conn.execute("DELETE FROM sources WHERE id = ?", (old_id,))
        cur = conn.execute(
            "INSERT INTO sources (path, name, sha256, size, excerpts, imported_at) VALUES (?, ?, ?, ?, ?, ?)",
            (path, name, sha, len(data), len(parsed.excerpts), now),
        )
        source_id = cur.lastrowid
        changed: list[int] = []
        for ex in parsed.excerpts:
            post_id, is_new, new_text = _upsert_post(conn, ex, now)
            if new_text:  # the index and the cards derive from the text: nothing else changes them
                changed.append(post_id)
            if is_new:
                report.new_posts += 1
            else:
                report.merged_duplicates += 1
            conn.execute(
                "INSERT INTO sightings (post_id, source_id, file, position, line, text, truncated, category, date)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (post_id, source_id, name, ex.position, ex.line, ex.text, int(ex.truncated), ex.category, ex.date),
            )
        unique_changed = sorted(set(changed))
        for hook in POST_HOOKS:
            hook(conn, unique_changed)
    report.files_read += 1
    report.excerpts_seen += len(parsed.excerpts)
    for note in parsed.notes:
        report.notes.append({"path": path, "note": note})
    return True


def _known_hash(conn: sqlite3.Connection, sha: str) -> bool:
    return conn.execute("SELECT 1 FROM sources WHERE sha256 = ?", (sha,)).fetchone() is not None


def find_same_post(conn: sqlite3.Connection, norm: str) -> sqlite3.Row | None:
    """The post this excerpt is a capture of, if any: same block, then a rapidfuzz check.

    Blocking by the normalized prefix keeps this a single indexed lookup per excerpt,
    however many posts there are.
    """
    best = None
    best_score = 0.0
    for row in conn.execute(
        "SELECT id, norm, text, truncated, category, date FROM posts WHERE block = ?",
        (naming.block_key(norm),),
    ):
        other = row["norm"]
        n = min(len(other), len(norm))
        if n == 0:
            continue
        if other[:n] == norm[:n]:
            score = 100.0
        else:
            score = fuzz.ratio(other[:n], norm[:n], score_cutoff=SAME_POST_RATIO)
        if score > best_score:
            best, best_score = row, score
    return best


def _upsert_post(conn: sqlite3.Connection, ex: capture.Excerpt, now: str) -> tuple[int, bool, bool]:
    """Create the excerpt's post or merge the excerpt into it: (post id, created, text changed)."""
    norm = capture.normalize(ex.text)
    row = find_same_post(conn, norm)
    if row is None:
        title = naming.make_title(ex.text)
        slug = _free_slug(conn, ex.text, norm)
        cur = conn.execute(
            "INSERT INTO posts (slug, title, text, norm, block, truncated, category, date, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (slug, title, ex.text, norm, naming.block_key(norm), int(ex.truncated), ex.category, ex.date, now, now),
        )
        return cur.lastrowid, True, True
    updates: dict[str, object] = {}
    # Keep the longest text; a complete capture beats a truncated one of equal length.
    if len(norm) > len(row["norm"]) or (len(norm) == len(row["norm"]) and row["truncated"] and not ex.truncated):
        updates.update(text=ex.text, norm=norm, truncated=int(ex.truncated))
    new_text = "text" in updates and ex.text != row["text"]
    if ex.category and not row["category"]:
        updates["category"] = ex.category
    if ex.date and not row["date"]:
        updates["date"] = ex.date
    if updates:
        updates["updated_at"] = now
        sets = ", ".join(f"{k} = ?" for k in updates)
        conn.execute(f"UPDATE posts SET {sets} WHERE id = ?", (*updates.values(), row["id"]))
    return row["id"], False, new_text


def _free_slug(conn: sqlite3.Connection, text: str, norm: str) -> str:
    for slug in naming.slug_candidates(text, norm):
        if conn.execute("SELECT 1 FROM posts WHERE slug = ?", (slug,)).fetchone() is None:
            return slug
    raise RuntimeError("no free slug")  # unreachable: candidates are effectively unbounded
