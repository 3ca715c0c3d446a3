"""Work done ahead for a large import: the pure, CPU-heavy derivations of each excerpt's text
(title, slug, the index's cut, definitions, related-post terms), computed in worker processes.

Workers go through the files before the importer reaches them. Their results reach the importer's
code through an Ahead object passed down explicitly: ahead(fn, text) answers from them, or computes.
"""
from __future__ import annotations

import os
from typing import Callable, Iterator

# Below this much new capture text, starting workers costs more than it saves.
AUTO_MIN_BYTES = 256 * 1024
# The workers' results folder in the temporary directory: kb-import-<importer's pid>-<random>.
FOLDER_PREFIX = "kb-import-"

Preparer = Callable[["Recorder", str], None]


def fn_key(fn: Callable) -> str:
    """How a function is named across processes: a result computed by a worker is filed under it."""
    return f"{fn.__module__}.{fn.__qualname__}"


class Ahead:
    """ahead(fn, text): fn(text), taken from the workers' results when they computed it.

    Only for pure functions of the text: a result computed in another process must be the one
    this process would have computed. Each result is used once (then dropped: holding them all
    would double an import's memory). misses counts what was asked of an excerpt's text that
    the workers prepared but was not ready: work done twice (a test keeps it at 0)."""

    def __init__(self) -> None:
        self._memo: dict[tuple[str, str], object] = {}
        # How many more times each result will be asked for: parts asking the same of a text (the
        # cards' and the titles' definitions of a short post) share one result, dropped after its last use.
        self._uses: dict[tuple[str, str], int] = {}
        # hash() of each excerpt text prepared (a str caches its hash: this costs nothing more).
        self._prepared: set[int] = set()
        # sha256 of a file's bytes → (its Capture, its listing verdict), as the workers read it.
        self._read: dict[str, tuple] = {}
        self.hits = 0
        self.misses = 0

    def read_file(self, sha: str) -> tuple | None:
        """The file of these bytes as a worker read it (kb.posts.formats.read, kb.posts.listing.judge),
        taken once; None when no worker did."""
        return self._read.pop(sha, None)

    def add(self, prepared: tuple[dict[tuple[str, str], object], list[str]] | tuple) -> None:
        """One file's results ((fn_key, text) → value), the excerpt texts they were prepared for, and
        (optionally) how many times each result is asked for."""
        results, texts = prepared[0], prepared[1]
        uses = prepared[2] if len(prepared) > 2 else {}
        if len(prepared) > 3:
            sha, parsed, verdict = prepared[3]
            self._read[sha] = (parsed, verdict)
        for key, value in results.items():
            self._memo[key] = value
            self._uses[key] = self._uses.get(key, 0) + uses.get(key, 1)
        self._prepared.update(map(hash, texts))

    def __call__(self, fn: Callable[[str], object], text: str) -> object:
        if self._memo:
            key = (fn_key(fn), text)
            hit = self._memo.get(key, _MISSING)
            if hit is not _MISSING:
                self.hits += 1
                left = self._uses.get(key, 1) - 1
                if left <= 0:
                    del self._memo[key]
                    self._uses.pop(key, None)
                else:
                    self._uses[key] = left
                return hit
        if self._prepared and hash(text) in self._prepared:
            self.misses += 1
        return fn(text)

    def clear(self) -> None:
        self._read.clear()
        self._memo.clear()
        self._uses.clear()
        self._prepared.clear()


_MISSING = object()


class Recorder:
    """The Ahead a preparer is given where results are made: computes fn(text) once and files it."""

    def __init__(self) -> None:
        self.results: dict[tuple[str, str], object] = {}
        self.uses: dict[tuple[str, str], int] = {}

    def __call__(self, fn: Callable[[str], object], text: str) -> object:
        key = (fn_key(fn), text)
        if key not in self.results:
            self.results[key] = fn(text)
        self.uses[key] = self.uses.get(key, 0) + 1
        return self.results[key]


def jobs(new_bytes: int, new_files: int) -> int:
    """How many worker processes an import of this much new text should use (0: none).

    $KB_JOBS sets it (0 turns workers off); by default, one per core but one once the import is large."""
    if new_files < 2:
        return 0
    raw = os.environ.get("KB_JOBS", "").strip()
    if raw:
        try:
            wanted = max(0, int(raw))
        except ValueError:
            return 0
        # More workers than cores only compete for them (KB_JOBS=1000 would fork 1000 processes).
        return min(wanted, max(1, os.cpu_count() or 1))
    if new_bytes < AUTO_MIN_BYTES:
        return 0
    # One core stays with the importer, which writes SQLite; more workers than cores only
    # compete with it (and their results are unpickled in its process).
    return max(0, (os.cpu_count() or 1) - 1)


def _context():
    import multiprocessing  # only for a large import: reading commands never pay for it

    # fork: workers start at once with kb already imported; elsewhere the platform's default.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


class Workers:
    """Worker processes preparing files in order, while the importer works through them.

    When the importer would have to wait for a file's results, it claims and prepares a file
    just beyond the ones the workers are busy with instead; the workers skip claimed files.
    So neither side idles for long, and both stay busy until the last file. A no-op when n is 0."""

    def __init__(self, n: int, count: int, preparers: list[Preparer], ahead: Ahead | None = None,
                 warm_up: Callable[[], None] | None = None):
        self._n = n
        self._preparers = preparers
        self.ahead = ahead if ahead is not None else Ahead()
        self._pool = None
        self._claimed = None
        self._dir = None
        if n > 0 and count > 0:
            import tempfile

            ctx = _context()
            if ctx.get_start_method() == "fork" and warm_up is not None:
                warm_up()  # forked workers then start with the segmenter and pinyin loaded
            # claimed[k]: file k is the importer's; the workers leave it alone.
            self._claimed = ctx.RawArray("b", count)
            # Results travel through files, not the pool's pipe: a pipe write blocks until this
            # process's result thread reads it, and that thread waits for the GIL, which the
            # importer holds while it works.
            _remove_stale_folders(tempfile.gettempdir())
            self._dir = tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-")
            self._pool = ctx.Pool(n, initializer=_init_worker, initargs=(self._claimed, self._dir, preparers))

    def prepare(self, paths: list[str]) -> Iterator[None]:
        """Yield once per path, when that file's results are in self.ahead (or could not be had:
        the importer then computes what is missing as it goes)."""
        if self._pool is None:
            for _ in paths:
                yield None
            return
        pending = [self._pool.apply_async(_prepare_in_worker, (k, path)) for k, path in enumerate(paths)]
        for k, result in enumerate(pending):
            if not self._claimed[k]:
                # The workers are busy with files k .. k+n-1: take the next one nobody has.
                steal = k + self._n
                while not result.ready():
                    while steal < len(paths) and (self._claimed[steal] or pending[steal].ready()):
                        steal += 1
                    if steal >= len(paths):
                        break
                    self._claimed[steal] = 1
                    self.ahead.add(prepare_file(paths[steal], self._preparers))
                try:
                    self.ahead.add(_load(result.get()))  # waits only when nothing is left to take over
                except Exception:  # a worker that failed: nothing is lost but time
                    pass
            pending[k] = None
            yield None

    def close(self) -> None:
        self.ahead.clear()
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
        if self._dir is not None:
            import shutil

            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# A worker process's own state, set once by _init_worker (each worker is a process of its own).
_CLAIMED = None
_DIR = None
_PREPARERS: list[Preparer] = []


def _init_worker(claimed, folder: str, preparers: list[Preparer]) -> None:
    global _CLAIMED, _DIR, _PREPARERS
    _CLAIMED, _DIR, _PREPARERS = claimed, folder, preparers
    import signal

    # Ctrl-C reaches the whole process group: the importer handles it (one line, workers
    # terminated); a worker must not print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Nor when its importer is killed (BrokenPipeError on the way back): whatever a worker fails
    # at, the importer computes itself, so a worker has nothing to tell the terminal.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _remove_stale_folders(tmp: str) -> None:
    """Results folders of importers that were killed (SIGKILL leaves no chance to clean up)."""
    try:
        names = [n for n in os.listdir(tmp) if n.startswith(FOLDER_PREFIX)]
    except OSError:
        return
    for name in names:
        pid = name[len(FOLDER_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        import shutil

        shutil.rmtree(os.path.join(tmp, name), ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive, and not ours to judge
        return True
    return True


def _load(path: str | None) -> tuple[dict, list[str]]:
    if not path:
        return {}, []
    import pickle

    with open(path, "rb") as f:
        data = pickle.load(f)
    os.unlink(path)
    return data


def _prepare_in_worker(k: int, path: str) -> str | None:
    """In a worker: prepare file k into a results file; None for a file the importer took over."""
    if _CLAIMED is not None and _CLAIMED[k]:
        return None
    import pickle

    out = os.path.join(_DIR, f"{k}.pickle")
    with open(out, "wb") as f:
        pickle.dump(prepare_file(path, _PREPARERS), f, protocol=pickle.HIGHEST_PROTOCOL)
    return out


def prepare_file(path: str, preparers: list[Preparer]) -> tuple:
    """What the importer will ask of each excerpt of the file at path (every preparer run over it),
    the excerpts' texts, how many times each result is asked for, and the file read as the importer
    reads it: (its bytes' sha256, its Capture, whether it is a listing page)."""
    import hashlib

    from kb.ingest.files import shown_path
    from kb.posts import formats, listing

    try:
        with open(path, "rb") as f:
            data = f.read()
        # Read as kb.ingest.importer.parse_capture reads it, so the importer can take it as it is.
        parsed = formats.read(data, shown_path(os.path.basename(path)))
        verdict = listing.judge(parsed, data if parsed.format == "text" else None)
    except Exception:  # noqa: BLE001 - the importer reports the file's error itself
        return {}, []
    record = Recorder()
    texts = [ex.text for ex in parsed.excerpts]
    for text in texts:
        for prepare in preparers:
            prepare(record, text)
    return record.results, texts, record.uses, (hashlib.sha256(data).hexdigest(), parsed, verdict)
