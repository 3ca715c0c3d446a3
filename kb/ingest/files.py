"""The files an import reads: paths as given, folders walked (recursively, in a stable order), stdin.

Folders take the capture formats' files (*.txt, *.html, *.htm, *.md) and skip what is no regular
file and the resources folder a browser saves beside a page; every path is shown as kb prints it (a
source is stored by its absolute path, kb.ingest.importer).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable

from kb.posts.formats import FOLDER_SUFFIXES

STDIN = "-"


def expand_paths(paths: Iterable[str], errors: list[dict]) -> list[tuple[str, Path | None]]:
    """Files to read, in a stable order: files as given, folders recursively (the capture formats'
    files), '-' for stdin."""
    out: list[tuple[str, Path | None]] = []
    for raw in paths:
        if raw == STDIN:
            out.append((STDIN, None))
            continue
        path = Path(raw)
        if path.is_dir():
            before = len(errors)
            found = _walk_captures(path, errors)
            if not found and len(errors) == before:  # (an unreadable folder has said so already)
                # kb import ~/Downloads by mistake: nothing read is no success to report
                errors.append({"path": shown_path(raw), "error": "no capture files in this folder (*.txt, *.html, *.htm, *.md)"})
            out.extend((shown_path(p), p) for p in found)
        elif path.exists() or path.is_symlink():
            out.append((shown_path(raw), path))  # a named pipe given by name (kb import <(…)) is read
        else:
            errors.append({"path": shown_path(raw), "error": "no such file or folder"})
    return out


def shown_path(path: str | Path) -> str:
    """A path as kb stores and shows it: bytes of a name that are not UTF-8 as \\x escapes
    (Python keeps them as lone surrogates, which SQLite and JSON cannot take)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _walk_captures(root: Path, errors: list[dict]) -> list[Path]:
    found: list[Path] = []
    seen_dirs: set[tuple[int, int]] = set()

    def onerror(exc: OSError) -> None:
        errors.append({"path": shown_path(exc.filename or str(root)), "error": exc.strerror or str(exc)})

    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=onerror):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:  # a symlink loop: this folder was walked already
            errors.append({"path": shown_path(dirpath), "error": "symlink loop, folder skipped"})
            dirnames[:] = []
            continue
        seen_dirs.add(key)
        # "Save Page As…, complete" puts the page's scripts, styles and frames in NAME_files beside
        # NAME.html: the page is the capture, its resources are not.
        pages = {os.path.splitext(n)[0] for n in filenames if n.lower().endswith((".html", ".htm"))}
        dirnames[:] = sorted(d for d in dirnames if not (d.endswith("_files") and d[: -len("_files")] in pages))
        for name in sorted(filenames):
            if name.lower().endswith(FOLDER_SUFFIXES):
                path = Path(dirpath) / name
                try:
                    regular = stat.S_ISREG(path.stat().st_mode)
                except OSError:
                    regular = True  # reading it will say what is wrong
                if regular:
                    found.append(path)
                else:  # a named pipe would block the import for ever; a device is no capture
                    errors.append({"path": shown_path(path), "error": "not a regular file, skipped"})
    return found
