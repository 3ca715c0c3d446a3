"""Bad days, with real processes: concurrent imports, SIGKILL mid-import, the first schema, a read-only
database, hostile input files, and the top-level error handler.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CAPTURES, ROOT

FIXTURE_V1 = ROOT / "tests" / "fixtures" / "schema-v1.db"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
# Root ignores file permissions. Dropping the two capabilities that let it do so makes a
# chmod bite for the child process, as it would for an ordinary user (setpriv: util-linux).
UNPRIVILEGED = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if IS_ROOT else []


def kb(*args, db: Path | None = None, env: dict | None = None, prefix=(), timeout=300) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    if db is not None:
        full_env["KB_DB"] = str(db)
    full_env.update(env or {})
    return subprocess.run([*prefix, sys.executable, "-m", "kb", *map(str, args)], env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def spawn(*args, db: Path, env: dict | None = None, group: bool = False) -> subprocess.Popen:
    env = dict(os.environ, KB_DB=str(db), **(env or {}))
    return subprocess.Popen([sys.executable, "-m", "kb", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=group)


def snapshot(db: Path) -> tuple[list, dict, list]:
    """What a user sees: every post in order, the counts, and every post's full record."""
    latest = kb("latest", "--json", "-n", "0", db=db)
    stats = kb("stats", "--json", db=db)
    assert latest.returncode == 0 and stats.returncode == 0, (latest.stderr, stats.stderr)
    posts = json.loads(latest.stdout)
    conn = sqlite3.connect(db)
    texts = sorted(conn.execute("SELECT slug, title, text, category, date, truncated FROM posts").fetchall())
    conn.close()
    return posts, json.loads(stats.stdout), texts


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# ---------------------------------------------------------------- the first schema


def test_a_database_of_the_first_schema_is_migrated_on_open(tmp_path):
    db = tmp_path / "old.db"
    shutil.copy(FIXTURE_V1, db)
    old = sqlite3.connect(db)
    old_posts = sorted(old.execute("SELECT slug, title, text FROM posts").fetchall())
    old.close()
    assert len(old_posts) == 20

    r = kb("latest", "--json", "-n", "0", db=db)
    assert r.returncode == 0, r.stderr
    assert "importing" not in r.stderr  # an old database with posts is not refilled
    assert sorted(p["slug"] for p in json.loads(r.stdout)) == [s for s, _, _ in old_posts]

    from kb.store.migrations import MIGRATIONS

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    applied = [r[0] for r in conn.execute("SELECT name FROM _migrations")]
    assert sorted(applied) == sorted(fn.__name__ for fn in MIGRATIONS)
    assert sorted(conn.execute("SELECT slug, text FROM posts").fetchall()) == [(s, t) for s, _, t in old_posts]
    # Its titles name their posts' subjects now (m010 marked them stale), and the index has them.
    from kb.show.subject import subject_titles

    for slug, title, text in conn.execute("SELECT slug, title, text FROM posts"):
        assert title in [c.title for c in subject_titles(text)], (slug, title)
    gumbel = conn.execute("SELECT title FROM posts WHERE slug = 'gumbel-softmax-c31d'").fetchone()
    assert gumbel in (None, ("重参数 · Gumbel Softmax",))
    from kb.search.segment import stored_form

    indexed = conn.execute("SELECT f.title, p.title FROM posts p JOIN search_fts f ON f.rowid = p.id")
    assert all(stored == stored_form(title) for stored, title in indexed)  # English words stored stemmed
    conn.close()
    # The upgraded database takes the remaining captures like any other.
    r = kb("import", *CAPTURES, "--json", db=db)
    assert r.returncode == 0, r.stderr
    assert json.loads(kb("stats", "--json", db=db).stdout)["posts"] == 43
    # Cards are derived when an import changes a post: the migration derived those of the old
    # posts (m007), so the quiz has every card a fresh import has, and doctor finds nothing to fix.
    assert kb("doctor", db=db).returncode == 0
    fresh = tmp_path / "fresh.db"
    assert kb("import", *CAPTURES, db=fresh).returncode == 0
    ids = [sorted(c["id"] for c in json.loads(kb("cards", "--json", db=d).stdout)) for d in (db, fresh)]
    assert ids[0] == ids[1] and ids[0]


# ---------------------------------------------------------------- concurrency


def test_two_concurrent_imports_equal_a_sequential_one(tmp_path):
    sequential = tmp_path / "seq.db"
    assert kb("import", *CAPTURES, db=sequential).returncode == 0

    for round_ in range(2):  # a new database (both migrate at once), then a second pair of writers
        db = tmp_path / f"both{round_}.db"
        a = spawn("import", *CAPTURES, db=db)
        b = spawn("import", *CAPTURES, db=db)
        out_a, err_a = a.communicate(timeout=300)
        out_b, err_b = b.communicate(timeout=300)
        assert (a.returncode, b.returncode) == (0, 0), (err_a, err_b)
        assert "error" not in err_a + err_b
        assert snapshot(db) == snapshot(sequential)
        assert integrity(db) == "ok"


# ---------------------------------------------------------------- SIGKILL


def write_many_captures(folder: Path, n: int) -> None:
    folder.mkdir()
    for i in range(n):
        lines = ["LATEST UPDATES"]
        for j in range(4):
            lines += ["Synthetic", f"2025-{1 + i % 12:02d}-{1 + j:02d}",
                      f"第{i}号合成页面的第{j}篇文章:这里讨论编号{i * 10 + j}的概念与它的推导过程..."]
        (folder / f"page-{i:04d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def first_files_committed(proc: subprocess.Popen, db: Path) -> int:
    """Wait (at most 4 minutes) until the running import has committed a file; how many it has."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
            committed = conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0]
            conn.close()
            if committed:
                return committed
        except sqlite3.Error:
            pass  # not created or not migrated yet
        time.sleep(0.01)
    return 0


def processes_running(marker: str) -> list[int]:
    """Processes whose command line contains marker (the import's own, and its forked workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append(int(entry))
    return found


def processes_left(marker: str, wait: float = 30) -> list[int]:
    """The processes of marker still running after up to wait seconds (workers take a moment to exit)."""
    deadline = time.monotonic() + wait
    while processes_running(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return processes_running(marker)


# KB_JOBS=1: the same import with a worker process preparing files ahead (kb/ingest/workers.py).
@pytest.mark.parametrize("jobs", ["0", "1"])
def test_sigkill_mid_import_loses_nothing_and_a_rerun_completes(tmp_path, jobs):
    folder = tmp_path / "many"
    n = 150
    write_many_captures(folder, n)
    db = tmp_path / "killed.db"
    # A SIGKILLed importer cannot remove its workers' results folder: keep it out of the real /tmp.
    proc = spawn("import", folder, db=db, env={"KB_JOBS": jobs, "TMPDIR": str(tmp_path)})
    committed = first_files_committed(proc, db)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert 1 <= committed
    if Path("/proc").is_dir():  # orphaned workers notice their importer is gone and exit
        assert processes_left(str(folder)) == []
        # the workers shared the importer's stderr: none of them printed a traceback on its way out
        assert "Traceback" not in proc.stderr.read()

    assert integrity(db) == "ok"
    conn = sqlite3.connect(db)
    done = conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0]
    # Each file is all or nothing: every recorded source has all its sightings.
    partial = conn.execute(
        "SELECT COUNT(*) FROM sources s WHERE s.excerpts != (SELECT COUNT(*) FROM sightings WHERE source_id = s.id)"
    ).fetchone()[0]
    conn.close()
    assert done < n, "the import finished before the kill: the test proved nothing"
    assert partial == 0
    doctor = kb("doctor", "--json", db=db)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr

    rerun = kb("import", folder, "--json", db=db, env={"KB_JOBS": jobs, "TMPDIR": str(tmp_path)})
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["unchanged_skipped"] == done and report["files_read"] == n - done
    # the killed importer's results folder is gone too: the next import with workers removed it
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("kb-import-")] == []

    clean = tmp_path / "clean.db"
    assert kb("import", folder, db=clean).returncode == 0
    assert snapshot(db) == snapshot(clean)
    assert json.loads(kb("stats", "--json", db=db).stdout)["posts"] == 4 * n


def test_sigkill_inside_one_big_files_transaction_leaves_nothing_of_it(tmp_path):
    """Killed while a single large file is being written: that file is absent, not half there."""
    big = tmp_path / "big.txt"
    lines = ["LATEST UPDATES"]
    for i in range(4000):
        lines.append(f"大文件里的第{i}篇文章:这里讨论编号{i}的概念、它的定义以及推导过程,篇幅适中...")
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "big.db"
    assert kb("import", CAPTURES[0], db=db).returncode == 0  # migrated, with one file in it
    proc = spawn("import", big, db=db)
    wal = Path(str(db) + "-wal")
    deadline = time.monotonic() + 120
    # The write transaction has begun once the WAL grows past what the first import left.
    start_size = wal.stat().st_size if wal.exists() else 0
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > start_size + 64 * 1024:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the import finished before the kill: the test proved nothing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    assert integrity(db) == "ok"
    conn = sqlite3.connect(db)
    names = [r[0] for r in conn.execute("SELECT name FROM sources ORDER BY id")]
    posts = conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
    sightings = conn.execute("SELECT COUNT(*) FROM sightings").fetchone()[0]
    conn.close()
    # All or nothing: usually killed mid-transaction (nothing of big.txt); if the kill landed just
    # after its commit, all of it.
    if names == [CAPTURES[0].name]:
        assert (posts, sightings) == (12, 12)
    else:
        assert names == [CAPTURES[0].name, "big.txt"] and (posts, sightings) == (4012, 4012)
    assert kb("doctor", db=db).returncode == 0
    rerun = kb("import", big, "--json", db=db)
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(kb("stats", "--json", db=db).stdout)["posts"] == 4012


# ---------------------------------------------------------------- read-only


@pytest.fixture
def readonly_db(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "kb.db"
    assert kb("import", *CAPTURES, db=db).returncode == 0
    assert sorted(p.name for p in folder.iterdir()) == ["kb.db"]  # closed cleanly: no -wal left
    db.chmod(0o444)
    folder.chmod(0o555)
    yield db
    folder.chmod(0o755)
    db.chmod(0o644)


def test_read_only_path_reads_but_never_writes(readonly_db, tmp_path):
    """chmod'ed folder and file, and a process that permissions bind (as root: capabilities dropped)."""
    before = readonly_db.read_bytes()
    probe = subprocess.run([*UNPRIVILEGED, sys.executable, "-c", f"open({str(readonly_db)!r}, 'ab')"],
                           capture_output=True, text=True)
    assert probe.returncode != 0 and "Permission denied" in probe.stderr  # the chmod really binds

    latest = kb("latest", "--json", "-n", "0", db=readonly_db, prefix=UNPRIVILEGED)
    assert latest.returncode == 0, latest.stderr
    posts = json.loads(latest.stdout)
    assert len(posts) == 43 and latest.stderr == ""
    show = kb("show", posts[0]["slug"], "--json", db=readonly_db, prefix=UNPRIVILEGED)
    assert show.returncode == 0 and json.loads(show.stdout)["slug"] == posts[0]["slug"]
    assert kb("categories", "--json", db=readonly_db, prefix=UNPRIVILEGED).returncode == 0
    stats = kb("stats", "--json", db=readonly_db, prefix=UNPRIVILEGED)
    assert stats.returncode == 0 and json.loads(stats.stdout)["posts"] == 43
    assert kb("doctor", db=readonly_db, prefix=UNPRIVILEGED).returncode == 0

    extra = tmp_path / "new.txt"
    extra.write_text("一篇新的文章摘录,讲的是只读数据库不能写入的情形...\n", encoding="utf-8")
    for args in (("import", extra), ("doctor", "--fix")):
        r = kb(*args, db=readonly_db, prefix=UNPRIVILEGED)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        line = one_error_line(r.stderr)
        assert line.startswith("kb: error: ") and "read-only" in line and str(readonly_db) in line
    assert readonly_db.read_bytes() == before


def test_reading_command_in_a_read_only_empty_folder_fails_cleanly(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        r = kb("latest", db=folder / "kb.db", prefix=UNPRIVILEGED)
    finally:
        folder.chmod(0o755)
    assert r.returncode == 1
    line = one_error_line(r.stderr)
    assert "kb.db" in line and line.startswith("kb: error: ")
    assert not (folder / "kb.db").exists()


def test_kb_readonly_env_protects_a_writable_database(tmp_path):
    """KB_READONLY=1 opens any database read-only: the same guarantees without chmod."""
    db = tmp_path / "kb.db"
    assert kb("import", CAPTURES[0], db=db).returncode == 0
    before = db.read_bytes()
    env = {"KB_READONLY": "1"}
    assert len(json.loads(kb("latest", "--json", "-n", "0", db=db, env=env).stdout)) == 12
    r = kb("import", CAPTURES[1], db=db, env=env)
    assert r.returncode == 1 and "read-only" in one_error_line(r.stderr)
    assert db.read_bytes() == before
    assert json.loads(kb("stats", "--json", db=db).stdout)["posts"] == 12


# ---------------------------------------------------------------- bad input


# KB_JOBS=1: a worker prepares the files ahead, the bad ones among them (kb/ingest/workers.py).
@pytest.mark.parametrize("jobs", ["0", "1"])
def test_hostile_files_in_a_folder_import(tmp_path, jobs):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for p in CAPTURES:
        shutil.copy(p, folder / p.name)
    bad = {
        "binary.txt": b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4,
        "empty.txt": b"",
        "blank.txt": b"\n\r\n   \n",
        "oneline.txt": ("很长" * (512 * 1024 // 2)).encode("utf-8")[: 1024 * 1024] + b"\n",
        "undecodable.txt": "LATEST UPDATES\n正常的一行摘录,后面跟着坏字节...\n".encode("utf-8") + b"\x80\xff\xfe\x81\n",
    }
    for name, data in bad.items():
        (folder / name).write_bytes(data)
    unreadable = folder / "secret.txt"
    unreadable.write_text("一篇无法读取的文章的摘录,讲的是权限...\n", encoding="utf-8")
    unreadable.chmod(0o000)
    loops = folder / "loops"
    loops.mkdir()
    (loops / "again").symlink_to(folder, target_is_directory=True)  # a folder loop
    (folder / "self.txt").symlink_to("self.txt")  # a file symlink that points at itself
    (folder / "dangling.txt").symlink_to(folder / "gone.txt")

    try:
        r = kb("import", folder, "--json", db=tmp_path / "kb.db", env={"KB_JOBS": jobs}, prefix=UNPRIVILEGED)
    finally:
        unreadable.chmod(0o644)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    report = json.loads(r.stdout)
    assert report["files_read"] == 5 and report["new_posts"] == 43
    errors = {os.path.basename(e["path"].rstrip("/")): e["error"] for e in report["errors"]}
    expected = {**{name: None for name in bad}, "secret.txt": "ermission denied", "self.txt": None,
                "dangling.txt": None, "again": "symlink loop"}
    assert set(errors) == set(expected), errors
    assert "NUL" in errors["binary.txt"] or "not a text file" in errors["binary.txt"]
    assert "empty" in errors["empty.txt"] and "empty" in errors["blank.txt"]
    assert "line 1 is 524,288 characters long" in errors["oneline.txt"]
    assert "cannot decode" in errors["undecodable.txt"]
    assert "ermission denied" in errors["secret.txt"]
    # One line on stderr per bad file, each naming it.
    lines = r.stderr.strip().splitlines()
    assert len(lines) == len(expected)
    for name in expected:
        assert sum(1 for line in lines if line.startswith("kb: error: ") and name in line) >= 1, name


def test_an_empty_path_is_a_usage_error_not_the_current_folder(tmp_path):
    """kb import "$UNSET": Path("") is ".", which would import every capture below the cwd."""
    here = tmp_path / "cwd"
    here.mkdir()
    shutil.copy(CAPTURES[0], here / CAPTURES[0].name)
    db = tmp_path / "kb.db"
    r = subprocess.run([sys.executable, "-m", "kb", "import", ""], cwd=here, env=dict(os.environ, KB_DB=str(db)),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert one_error_line(r.stderr).startswith("kb: error: an empty path")
    assert not db.exists()


def test_a_bad_files_name_with_a_newline_or_escape_stays_one_line(tmp_path):
    folder = tmp_path / "names"
    folder.mkdir()
    shutil.copy(CAPTURES[0], folder / CAPTURES[0].name)
    for name in ("bad\nname.txt", "esc\x1b[31mred.txt", "bidi\u202eevil.txt"):
        (folder / name).write_bytes(b"\x00binary")
    r = kb("import", folder, db=tmp_path / "kb.db")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 3 and "\x1b" not in r.stderr and "\u202e" not in r.stderr, r.stderr
    assert {line.split(": ")[2] for line in lines} == {
        f"{folder}/bad\\nname.txt", f"{folder}/esc\\x1b[31mred.txt", f"{folder}/bidi\\u202eevil.txt"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_in_a_folder_is_skipped_and_a_non_utf8_name_imported(tmp_path):
    folder = tmp_path / "caps"
    folder.mkdir()
    shutil.copy(CAPTURES[0], folder / CAPTURES[0].name)
    os.mkfifo(folder / "pipe.txt")  # nobody writes to it: reading it would wait for ever
    odd = os.fsdecode(b"bad\xff name.txt")  # a Latin-1 era file name, not UTF-8
    shutil.copy(CAPTURES[1], folder / odd)
    db = tmp_path / "kb.db"
    r = kb("import", folder, "--json", db=db, timeout=60)
    assert r.returncode == 1
    report = json.loads(r.stdout)
    assert report["files_read"] == 2
    assert report["errors"] == [{"path": str(folder / "pipe.txt"), "error": "not a regular file, skipped"}]
    assert one_error_line(r.stderr) == f"kb: error: {folder / 'pipe.txt'}: not a regular file, skipped"
    conn = sqlite3.connect(db)
    names = sorted(r[0] for r in conn.execute("SELECT name FROM sources"))
    conn.close()
    assert names == [CAPTURES[0].name, "bad\\xff name.txt"]  # the undecodable byte as a visible escape
    again = kb("import", folder, "--json", db=db, timeout=60)
    assert json.loads(again.stdout)["unchanged_skipped"] == 2


def test_a_single_bad_file_named_on_the_command_line(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (1024 * 1024) + b"\n")
    r = kb("import", big, CAPTURES[0], db=tmp_path / "kb.db")
    assert r.returncode == 1
    line = one_error_line(r.stderr)
    assert line.startswith(f"kb: error: {big}: line 1 is 1,048,576 characters long")
    assert json.loads(kb("stats", "--json", db=tmp_path / "kb.db").stdout)["posts"] == 12


def test_a_folder_given_as_stdin_or_garbage_on_stdin(tmp_path):
    r = subprocess.run([sys.executable, "-m", "kb", "import", "-"], input=b"\x00\x01\x02binary",
                       env=dict(os.environ, KB_DB=str(tmp_path / "kb.db")), capture_output=True, timeout=120)
    assert r.returncode == 1
    line = one_error_line(r.stderr.decode())
    assert line.startswith("kb: error: -: ") and "NUL" in line


# ---------------------------------------------------------------- the top-level handler


def test_not_a_database_is_one_line(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is a text file, not SQLite" * 200)
    for args in (("latest",), ("stats",), ("import", CAPTURES[0]), ("doctor",)):
        r = kb(*args, db=junk)
        assert r.returncode == 1, args
        line = one_error_line(r.stderr)
        assert line.startswith("kb: error: ") and "junk.db" in line
    assert junk.read_bytes() == b"this is a text file, not SQLite" * 200


def test_database_of_a_newer_kb(tmp_path):
    db = tmp_path / "future.db"
    assert kb("import", CAPTURES[0], db=db).returncode == 0
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    r = kb("latest", db=db)
    assert r.returncode == 1 and "newer kb" in one_error_line(r.stderr)


def test_damaged_database_is_one_line_naming_it_and_doctor(tmp_path):
    """The root pages of the posts table overwritten: SQLite's 'malformed' becomes a line about the file."""
    db = tmp_path / "kb.db"
    assert kb("import", *CAPTURES, db=db).returncode == 0
    conn = sqlite3.connect(db)
    roots = [r[0] for r in conn.execute("SELECT rootpage FROM sqlite_master WHERE tbl_name = 'posts' AND rootpage")]
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(db, "r+b") as f:  # the table and its indexes: whichever a query reads, it is garbage
        for root in roots:
            f.seek((root - 1) * page)
            f.write(b"\xff" * page)
    r = kb("stats", db=db)
    assert r.returncode == 1
    line = one_error_line(r.stderr)
    assert line.startswith(f"kb: error: the database {db} is damaged") and "kb doctor" in line
    assert "unexpected" not in line


def test_a_database_locked_by_another_program_is_one_line(tmp_path, monkeypatch):
    """Another program holds the write lock past the busy timeout: one line naming the database."""
    from typer.testing import CliRunner

    from kb.store import connect as kb_db
    from kb.cli import app

    db = tmp_path / "kb.db"
    assert kb("import", CAPTURES[0], db=db).returncode == 0
    monkeypatch.setattr(kb_db, "BUSY_TIMEOUT_MS", 200)  # the real 30 s, shortened
    monkeypatch.setenv("KB_DB", str(db))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        r = CliRunner().invoke(app, ["import", str(CAPTURES[1])], catch_exceptions=False)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert r.exit_code == 1
    line = one_error_line(r.stderr)
    assert line.startswith(f"kb: error: the database {db} stayed locked by another program") and "try again" in line


def test_a_database_path_that_is_not_a_file_is_one_line(tmp_path):
    r = kb("latest", db=Path(os.devnull))
    assert r.returncode == 1
    line = one_error_line(r.stderr)
    assert line.startswith(f"kb: error: cannot use the database {os.devnull}") and "unexpected" not in line
    r = kb("--db", "~no-such-user-of-kb/kb.db", "latest")  # a ~user with no home
    assert r.returncode == 2
    line = one_error_line(r.stderr)
    assert line.startswith("kb: error: --db ~no-such-user-of-kb/kb.db: no home folder") and "unexpected" not in line


def test_unexpected_error_is_one_line_with_a_debug_hint(tmp_path):
    """An error kb did not anticipate (a table dropped behind its back) is still one line, and
    --debug shows the traceback."""
    db = tmp_path / "kb.db"
    assert kb("import", CAPTURES[0], db=db).returncode == 0
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE sightings")
    conn.close()
    r = kb("show", "gumbel", "--json", db=db)
    assert r.returncode == 1
    line = one_error_line(r.stderr)
    assert line.startswith("kb: error: unexpected error: OperationalError") and "--debug" in line
    debug = kb("--debug", "show", "gumbel", "--json", db=db)
    assert debug.returncode == 1 and "Traceback (most recent call last)" in debug.stderr


def test_usage_errors_exit_2_and_version(tmp_path):
    r = kb("latest", "--since", "yesterday", db=tmp_path / "kb.db")
    assert r.returncode == 2 and one_error_line(r.stderr).startswith("kb: error: --since")
    r = kb("latest", "--limit", "lots", db=tmp_path / "kb.db")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    # The parser's own usage errors are one line too, like kb's, with where to look for help.
    for args, said in [
        (("latest", "--bogus"), "kb: error: No such option: --bogus (see kb latest --help)"),
        (("latest", "--limit", "lots"), "kb: error: Invalid value for '--limit' / '-n': 'lots' is not an integer. (see kb latest --help)"),
        (("show",), "kb: error: Missing argument 'SLUG'. (see kb show --help)"),
        (("nosuch",), "kb: error: No such command 'nosuch'. (see kb --help)"),
    ]:
        r = kb(*args, db=tmp_path / "kb.db")
        assert (r.returncode, one_error_line(r.stderr)) == (2, said)
    bare = kb(db=tmp_path / "kb.db")  # kb alone: its help
    assert bare.returncode == 2 and "Commands:" in bare.stderr and "kb: error" not in bare.stderr
    assert kb("--help").returncode == 0 and "Commands:" in kb("--help").stdout
    v = kb("--version")
    from kb import __version__

    assert (v.returncode, v.stdout) == (0, f"kb {__version__}\n")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_that_cannot_be_written_is_one_line(tmp_path):
    """stdout on a full disk: one line saying so, not 'unexpected error: OSError'."""
    db = tmp_path / "kb.db"
    assert kb("import", *CAPTURES, db=db).returncode == 0
    for args in (("latest",), ("show", "gumbel", "--json")):
        with open("/dev/full", "w") as full:
            r = subprocess.run([sys.executable, "-m", "kb", *args], env=dict(os.environ, KB_DB=str(db)),
                               stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
        assert r.returncode == 1
        assert one_error_line(r.stderr) == "kb: error: cannot write the output: No space left on device"


def test_a_count_beyond_sqlites_integers_is_a_usage_error(tmp_path):
    db = tmp_path / "kb.db"
    assert kb("import", CAPTURES[0], db=db).returncode == 0
    for args in (("latest", "-n", 10**20), ("search", "--limit", 10**20, "扩散"), ("quiz", "--count", 10**20, "--json")):
        r = kb(*args, db=db)
        assert r.returncode == 2, (args, r.stderr)
        assert "OverflowError" not in r.stderr and "Traceback" not in r.stderr


def test_broken_pipe_is_quiet(tmp_path):
    db = tmp_path / "kb.db"
    assert kb("import", *CAPTURES, db=db).returncode == 0
    env = dict(os.environ, KB_DB=str(db))
    r = subprocess.run(f'"{sys.executable}" -m kb latest -n 0 --json | head -c 10', shell=True,
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.stdout == "[\n  {\n    " and r.stderr == ""


@pytest.mark.parametrize("jobs", ["0", "1"])
def test_interrupt_is_one_line(tmp_path, jobs):
    """Ctrl-C during a long import: exit 130, one line, and the files committed so far stay."""
    folder = tmp_path / "many"
    write_many_captures(folder, 150)
    db = tmp_path / "kb.db"
    # As a terminal sends it: to the whole process group, workers included.
    proc = spawn("import", folder, db=db, env={"KB_JOBS": jobs}, group=True)
    assert first_files_committed(proc, db)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert one_error_line(err) == "kb: interrupted"
    assert integrity(db) == "ok"


@pytest.mark.parametrize("jobs,signum", [("0", signal.SIGTERM), ("1", signal.SIGTERM), ("1", signal.SIGHUP)])
def test_sigterm_or_sighup_mid_import_stops_cleanly(tmp_path, jobs, signum):
    """kill, timeout or a closed terminal: one line, exit 128+N, the finished files kept, and no
    worker, worker traceback or temporary folder left behind."""
    folder = tmp_path / "many"
    n = 150
    write_many_captures(folder, n)
    db = tmp_path / "kb.db"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = spawn("import", folder, db=db, env={"KB_JOBS": jobs, "TMPDIR": str(scratch)})
    assert first_files_committed(proc, db)
    proc.send_signal(signum)  # to the importer alone, as kill PID does
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, err
    assert one_error_line(err) == f"kb: stopped by {signal.Signals(signum).name}"
    if Path("/proc").is_dir():
        assert processes_left(str(folder)) == []
    assert list(scratch.iterdir()) == []  # the workers' results folder went with them
    assert integrity(db) == "ok"
    conn = sqlite3.connect(db)
    done = conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0]
    conn.close()
    assert 1 <= done < n, "the import finished before the signal: the test proved nothing"
    rerun = kb("import", folder, "--json", db=db)
    assert rerun.returncode == 0 and json.loads(rerun.stdout)["files_read"] == n - done
