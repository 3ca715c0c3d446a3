"""The capture formats and the choice between them: text (kb.posts.capture), saved HTML pages
(capture_html) and Markdown clips (capture_md), by the file's name and what its start looks like.

Each format comes to the text format's parser; the HTML and Markdown parsers are imported only
for a file of theirs.
"""
from __future__ import annotations

from pathlib import PurePath

from kb.posts import capture

FORMATS = ("text", "html", "markdown")
EXTENSIONS = {".txt": "text", ".html": "html", ".htm": "html", ".xhtml": "html", ".md": "markdown", ".markdown": "markdown"}
# What a folder import takes.
FOLDER_SUFFIXES = tuple(EXTENSIONS)


def detect(data: bytes, name: str | None) -> str:
    """The format of a file: an HTML page is HTML whatever it is called (a page saved as .txt, or
    piped in); else the extension says; a file without one is Markdown when it opens with front
    matter, else text."""
    from kb.posts import capture_html

    if capture_html.sniff(data):
        return "html"
    suffix = PurePath(name).suffix.lower() if name else ""
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    start = data[:4096].lstrip(b"\xef\xbb\xbf")
    if start.startswith(b"---") and b"\n---" in start[3:]:
        return "markdown"
    return "text"


def read(data: bytes, name: str | None = None) -> capture.Capture:
    """A capture file's bytes → its excerpts, in the format detect() names (Capture.format)."""
    kind = detect(data, name)
    if kind == "html":
        from kb.posts import capture_html

        return capture_html.parse(data)
    if kind == "markdown":
        from kb.posts import capture_md

        return capture_md.parse(data)
    return capture.parse_bytes(data)
