"""Work done ahead for a large import: an excerpt's pure, CPU-heavy derivations, computed in worker processes.

Workers go through the files before the importer reaches them; their results wait in a memo that titles,
slugs, the search index, card extraction and related posts consult before computing the same thing.
"""
from __future__ import annotations

import functools
import os
from typing import Callable, Iterator

# Below this much new capture text, starting workers costs more than it saves.
AUTO_MIN_BYTES = 256 * 1024
# The workers' results folder in the temporary directory: kb-import-<importer's pid>-<random>.
FOLDER_PREFIX = "kb-import-"

_FUNCS: dict[str, Callable] = {}
_MEMO: dict[tuple[str, str], object] = {}


def ahead(fn: Callable[[str], object]) -> Callable[[str], object]:
    """Let fn(text) answer from the memo when a worker has already computed fn for that text.

    Only for pure functions of the text: a result computed in another process must be the one
    this process would have computed.
    """
    name = f"{fn.__module__}.{fn.__qualname__}"
    _FUNCS[name] = fn

    @functools.wraps(fn)
    def wrapper(text: str):
        if _MEMO:
            # Popped: each result is wanted once, and holding them all would double the memory.
            hit = _MEMO.pop((name, text), None)
            if hit is not None:
                return hit
        return fn(text)

    return wrapper


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

    def __init__(self, n: int, count: int):
        self._n = n
        self._pool = None
        self._claimed = None
        self._dir = None
        if n > 0 and count > 0:
            import tempfile

            ctx = _context()
            if ctx.get_start_method() == "fork":
                _warm_up()  # forked workers then start with the segmenter and pinyin loaded
            # claimed[k]: file k is the importer's; the workers leave it alone.
            self._claimed = ctx.RawArray("b", count)
            # Results travel through files, not the pool's pipe: a pipe write blocks until this
            # process's result thread reads it, and that thread waits for the GIL, which the
            # importer holds while it works.
            _remove_stale_folders(tempfile.gettempdir())
            self._dir = tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-")
            self._pool = ctx.Pool(n, initializer=_init_worker, initargs=(self._claimed, self._dir))

    def prepare(self, paths: list[str]) -> Iterator[None]:
        """Yield once per path, when that file's results are in the memo (or could not be had:
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
                    _MEMO.update(_prepare_file(paths[steal]))
                try:
                    _MEMO.update(_load(result.get()))  # waits only when nothing is left to take over
                except Exception:  # a worker that failed: nothing is lost but time
                    pass
            pending[k] = None
            yield None

    def close(self) -> None:
        _MEMO.clear()
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


_CLAIMED = None
_DIR = None


def _init_worker(claimed, folder: str) -> None:
    global _CLAIMED, _DIR
    _CLAIMED, _DIR = claimed, folder
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


def _load(path: str | None) -> dict:
    if not path:
        return {}
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
        pickle.dump(_prepare_file(path), f, protocol=pickle.HIGHEST_PROTOCOL)
    return out


def _warm_up() -> None:
    from kb import cards, naming, segment

    segment.stored_form("扩散模型")
    naming._pinyin_words("扩散")
    cards.extract("")


def _prepare_file(path: str) -> dict[tuple[str, str], object]:
    """What the importer will ask of each excerpt of the file at path."""
    from kb import capture, cards, naming, related, segment

    try:
        with open(path, "rb") as f:
            parsed = capture.parse_bytes(f.read())
    except Exception:
        return {}  # the importer reports the file's error itself
    out: dict[tuple[str, str], object] = {}

    def put(fn: Callable, text: str) -> object:
        name = f"{fn.__module__}.{fn.__qualname__}"
        value = _FUNCS[name](text)
        out[(name, text)] = value
        return value

    for ex in parsed.excerpts:
        title = put(naming.make_title, ex.text)
        put(naming.slug_stem, ex.text)
        put(segment.word_count, put(segment.stored_form, title))
        put(segment.word_count, put(segment.stored_form, ex.text))
        put(cards.extract, ex.text)
        put(related.terms, related.plain(ex.text))
    return out
