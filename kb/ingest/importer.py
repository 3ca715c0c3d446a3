"""Excerpts → posts: an import reads capture files, dedupes near-identical excerpts into posts, names
them, records every sighting, and keeps the derived parts fresh through kb.derived.

Each file goes through STAGES in order, in one transaction; what a stage finds travels on the
file's FileTask, and the import's shared state (connection, report, precompute) on its Run.
"""
from __future__ import annotations

import gc
import hashlib
import json
import os
import sqlite3
import sys
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from rapidfuzz import fuzz

from kb import derived
from kb.errors import CaptureError, InternalError, KbError
from kb.ingest import workers
from kb.ingest.files import STDIN, expand_paths, shown_path
from kb.posts import capture, formats, listing, naming, sightings
from kb.quiz import aside
from kb.store.transaction import transaction
from kb.text import stamp

# Two excerpts whose overlapping start agrees this closely are one post captured twice.
SAME_POST_RATIO = 95.0
IMPORT_CHECKPOINT_PAGES = 16384


@dataclass
class ImportReport:
    files_read: int = 0
    excerpts_seen: int = 0
    new_posts: int = 0
    merged_duplicates: int = 0
    unchanged_skipped: int = 0
    errors: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    formats: dict[str, int] = field(default_factory=dict)  # files read, by format
    skipped_lines: list[dict] = field(default_factory=list)  # overlong lines left out: path, line, length
    forced: list[dict] = field(default_factory=list)  # files no listing page, imported with --force
    cards_restored: int = 0  # reviewed cards kept aside by kb forget, back with their history
    # Not in the summary: the tracebacks of kb's own failures (shown with --debug), and what the
    # workers' precompute saved (hits) or missed (work done twice).
    tracebacks: list[str] = field(default_factory=list)
    precomputed_hits: int = 0
    precomputed_misses: int = 0

    def as_dict(self) -> dict:
        return {
            "files_read": self.files_read,
            "excerpts_seen": self.excerpts_seen,
            "new_posts": self.new_posts,
            "merged_duplicates": self.merged_duplicates,
            "unchanged_skipped": self.unchanged_skipped,
            "formats": {name: self.formats[name] for name in formats.FORMATS if name in self.formats},
            "skipped_lines": self.skipped_lines,
            "forced": self.forced,
            "cards_restored": self.cards_restored,
            "errors": self.errors,
        }


@dataclass
class Run:
    """One import: what every file's stages share."""

    conn: sqlite3.Connection
    report: ImportReport
    ahead: workers.Ahead
    stdin: bytes | None = None
    force: bool = False  # import files that are no listing page too
    refreshed: bool = False  # the derived parts were checked before this import's first write


@dataclass
class FileTask:
    """One file on its way through STAGES."""

    label: str  # the path as given and shown ("-" for stdin)
    path: Path | None  # None: standard input
    name: str = ""  # the file's name, as sightings show it
    data: bytes = b""
    sha: str = ""
    parsed: capture.Capture | None = None
    forced: str | None = None  # why it is no listing page, when --force imports it all the same
    changed: list[int] = field(default_factory=list)  # posts created or whose text changed
    done: bool = False  # a stage finished the file early (unchanged, or an error recorded)
    wrote: bool = False  # its transaction committed


def prepare_post(ahead, text: str) -> None:
    """What naming a new post asks of its text (import workers compute it ahead): its slug. (Its
    title is the titles part's, given in the same transaction.)"""
    ahead(naming.slug_stem, text)


def _warm_up() -> None:
    from kb.search import segment

    naming.warm_up()
    segment.warm_up()


# ---------------------------------------------------------------- the stages


def read_file(run: Run, task: FileTask) -> None:
    try:
        if task.path is None:
            task.data = run.stdin if run.stdin is not None else sys.stdin.buffer.read()
            task.name = "<stdin>"
        else:
            task.data = task.path.read_bytes()
            task.name = shown_path(task.path.name)
    except OSError as exc:
        _error(run, task, exc.strerror or str(exc))


def skip_known(run: Run, task: FileTask) -> None:
    task.sha = hashlib.sha256(task.data).hexdigest()
    if _known_hash(run.conn, task.sha):
        run.report.unchanged_skipped += 1
        task.done = True


def parse_capture(run: Run, task: FileTask) -> None:
    """The file in its format (kb.posts.formats), refused when it is no listing page (kb.posts.listing)
    unless --force says to import it all the same."""
    try:
        if not task.data.strip():
            raise CaptureError("empty file")
        ready = run.ahead.read_file(task.sha) if task.path is not None else None
        if ready is not None:  # a worker read these very bytes, as below
            parsed, verdict = ready
            task.parsed = parsed
        else:
            parsed = task.parsed = formats.read(task.data, task.name if task.path is not None else None)
        if not parsed.excerpts:
            if parsed.skipped:
                said = "; ".join(s.describe() for s in parsed.skipped[:3])
                raise CaptureError(f"{said}; no other line is a listing card's text")
            raise CaptureError("not a listing page: it has no line that could be a listing card's text")
        if ready is None:
            verdict = listing.judge(parsed, task.data if parsed.format == "text" else None)
        if not verdict.listing:
            if not run.force:
                raise CaptureError(f"not a listing page: {verdict.reason}; kb import --force imports it all the same")
            task.forced = verdict.reason
    except CaptureError as exc:
        _error(run, task, str(exc))


def store_posts(run: Run, task: FileTask) -> None:
    """The file's source, posts and sightings, and the derived parts of the posts it changed: one
    transaction, so a file is imported whole or not at all."""
    conn, report, parsed = run.conn, run.report, task.parsed
    if not run.refreshed:
        # Parts a migration marked stale, or the search index of a dictionary that changed: before
        # the first file that changes anything (an import of unchanged files loads none of them).
        derived.refresh(conn)
        run.refreshed = True
    counts = {"new": 0, "merged": 0, "restored": 0}
    try:
        with transaction(conn):
            if _known_hash(conn, task.sha):  # another process imported it while we parsed
                report.unchanged_skipped += 1
                task.done = True
                return
            now = stamp()
            # A file is stored by its absolute path: two page.html imported from their own folders are
            # two sources, and the same file named from elsewhere is the same one.
            stored = task.label if task.path is None else shown_path(os.path.abspath(task.path))
            if task.label != STDIN:
                # The same file, changed since: it is re-read, its old sightings replaced.
                for (old_id,) in conn.execute("SELECT id FROM sources WHERE path = ?", (stored,)).fetchall():
                    conn.execute("DELETE FROM sightings WHERE source_id = ?", (old_id,))
                    conn.execute("DELETE FROM sources WHERE id = ?", (old_id,))
            source_id = conn.execute(
                "INSERT INTO sources (path, name, sha256, size, excerpts, imported_at, format, provenance)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (stored, task.name, task.sha, len(task.data), len(parsed.excerpts), now, parsed.format,
                 json.dumps(parsed.provenance, ensure_ascii=False) if parsed.provenance else None),
            ).lastrowid
            for ex in parsed.excerpts:
                post_id, is_new, new_text, post_text = _upsert_post(conn, ex, now, run.ahead)
                if new_text:  # the index and the cards derive from the text: nothing else changes them
                    task.changed.append(post_id)
                counts["new" if is_new else "merged"] += 1
                conn.execute(
                    "INSERT INTO sightings (post_id, source_id, file, position, line, text, truncated, category, date)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (post_id, source_id, task.name, ex.position, ex.line, sightings.stored_text(ex.text, post_text),
                     int(ex.truncated), ex.category, ex.date),
                )
            derived.posts_changed(conn, sorted(set(task.changed)), run.ahead)
            # A card kb forget kept aside is back when its post is: its history with it.
            counts["restored"] = aside.restore(conn)
    except InternalError as exc:
        # kb's bug, never the file's: the file is rolled back and not counted; the rest go on.
        report.tracebacks.append(traceback.format_exc())
        _error(run, task, str(exc), internal=True)
        return
    task.wrote = True
    report.new_posts += counts["new"]
    report.merged_duplicates += counts["merged"]
    report.cards_restored += counts["restored"]
    report.files_read += 1
    report.excerpts_seen += len(parsed.excerpts)
    report.formats[parsed.format] = report.formats.get(parsed.format, 0) + 1
    for note in parsed.notes:
        report.notes.append({"path": task.label, "note": note})
    for skip in parsed.skipped:
        report.skipped_lines.append({"path": task.label, "line": skip.line, "length": skip.length})
    if task.forced:
        report.forced.append({"path": task.label, "reason": task.forced})


STAGES: tuple[Callable[[Run, FileTask], None], ...] = (read_file, skip_known, parse_capture, store_posts)


def _error(run: Run, task: FileTask, message: str, *, internal: bool = False) -> None:
    entry = {"path": task.label, "error": message}
    if internal:
        entry["internal"] = True
    run.report.errors.append(entry)
    task.done = True


# ---------------------------------------------------------------- the import


def import_paths(conn: sqlite3.Connection, paths: Iterable[str], *, stdin: bytes | None = None,
                 force: bool = False) -> ImportReport:
    """Import capture files, folders and '-' (stdin) into the database; force: files that are no
    listing page too."""
    report = ImportReport()
    files = expand_paths(paths, report.errors)
    ahead_files = _files_to_prepare(conn, files)
    # Checkpoints copy the WAL into the database and sync it: an import writes tens of MB, and
    # at SQLite's default of every 4 MB those syncs were a tenth of a large import.
    conn.execute(f"PRAGMA wal_autocheckpoint = {IMPORT_CHECKPOINT_PAGES}")
    jobs = workers.jobs(sum(size for _, _, size in ahead_files), len(ahead_files))
    preparers = [prepare_post, *derived.preparers()] if jobs else []
    prepared = {i for i, _, _ in ahead_files}
    with workers.Workers(jobs, len(ahead_files), preparers, warm_up=_warm_up) as pool, _young_collections():
        ready = pool.prepare([path for _, path, _ in ahead_files])
        run = Run(conn, report, pool.ahead, stdin, force)
        changed_any = False
        for i, (label, path) in enumerate(files):
            if i in prepared:
                next(ready, None)  # the workers yield in file order: this file's results are in
            task = FileTask(label, path)
            for stage in STAGES:
                stage(run, task)
                if task.done:
                    break
            changed_any |= task.wrote
            if task.sha:
                pool.ahead.release(task.sha)
            gc.collect(1)
        # The workers are done: ended before the parts' pass over every post (related posts), so
        # their memory is not the import's peak on top of that pass's.
        pool.close()
        if changed_any:
            with transaction(conn):
                derived.after_import(conn, pool.ahead)
        report.precomputed_hits, report.precomputed_misses = pool.ahead.hits, pool.ahead.misses
    return report


@contextmanager
def _young_collections():
    """Python's collector off for the import, the young generations collected after each file instead.

    What the import keeps (the precomputed results, the terms of every post) are millions of objects
    that live until its end, and each automatic collection of the old generation walked all of them:
    a fifth of a large import, growing with it. A file's own garbage is young, and goes with it."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _files_to_prepare(conn: sqlite3.Connection, files: list[tuple[str, Path | None]]) -> list[tuple[int, str, int]]:
    """The files (index in files, path, size) worth handing to import workers: large imports
    only, new content only."""
    import os

    sizes = []
    for _, path in files:
        try:
            sizes.append(path.stat().st_size if path is not None and path.is_file() else 0)
        except OSError:
            sizes.append(0)
    if sum(sizes) < workers.AUTO_MIN_BYTES and not os.environ.get("KB_JOBS"):
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


def _known_hash(conn: sqlite3.Connection, sha: str) -> bool:
    return conn.execute("SELECT 1 FROM sources WHERE sha256 = ?", (sha,)).fetchone() is not None


def find_same_post(conn: sqlite3.Connection, norm: str) -> tuple[sqlite3.Row, str] | None:
    """The post this excerpt is a capture of, if any, and its text's normalized form: same block,
    then a rapidfuzz check.

    Blocking by the normalized prefix keeps this a single indexed lookup per excerpt,
    however many posts there are.
    """
    best, best_norm = None, ""
    best_score = 0.0
    for row in conn.execute(
        "SELECT id, text, truncated, category, date FROM posts WHERE block = ?",
        (naming.block_key(norm),),
    ):
        other = capture.normalize(row["text"])  # not stored: the text once is enough
        n = min(len(other), len(norm))
        if n == 0:
            continue
        if other[:n] == norm[:n]:
            score = 100.0
        else:
            score = fuzz.ratio(other[:n], norm[:n], score_cutoff=SAME_POST_RATIO)
        if score > best_score:
            best, best_score, best_norm = row, score, other
    return (best, best_norm) if best is not None else None


def _upsert_post(conn: sqlite3.Connection, ex: capture.Excerpt, now: str, ahead) -> tuple[int, bool, bool, str]:
    """Create the excerpt's post or merge the excerpt into it: (post id, created, text changed, the
    post's text now)."""
    norm = capture.normalize(ex.text)
    found = find_same_post(conn, norm)
    row, row_norm = found if found is not None else (None, "")
    if row is None:
        # No title yet: the titles part gives every post of the file its title before the file's
        # transaction ends (computing one here would be the titles' work done twice).
        title = ""
        slug = _free_slug(conn, ahead(naming.slug_stem, ex.text), norm)
        cur = conn.execute(
            "INSERT INTO posts (slug, title, text, block, truncated, category, date, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (slug, title, ex.text, naming.block_key(norm), int(ex.truncated), ex.category, ex.date, now, now),
        )
        return cur.lastrowid, True, True, ex.text
    updates: dict[str, object] = {}
    # Keep the longest text; a complete capture beats a truncated one of equal length.
    if len(norm) > len(row_norm) or (len(norm) == len(row_norm) and row["truncated"] and not ex.truncated):
        updates.update(text=ex.text, truncated=int(ex.truncated))
    new_text = "text" in updates and ex.text != row["text"]
    if new_text:
        sightings.text_changes(conn, row["id"], row["text"], ex.text)
    if ex.category and not row["category"]:
        updates["category"] = ex.category
    if ex.date and not row["date"]:
        updates["date"] = ex.date
    if updates:
        updates["updated_at"] = now
        sets = ", ".join(f"{k} = ?" for k in updates)
        conn.execute(f"UPDATE posts SET {sets} WHERE id = ?", (*updates.values(), row["id"]))
    return row["id"], False, new_text, updates.get("text", row["text"])


def _free_slug(conn: sqlite3.Connection, stem: str, norm: str) -> str:
    for slug in naming.slug_candidates(stem, norm):
        if conn.execute("SELECT 1 FROM posts WHERE slug = ?", (slug,)).fetchone() is None:
            return slug
    raise KbError("no free slug among a thousand candidates")  # unreachable: they are effectively unbounded
