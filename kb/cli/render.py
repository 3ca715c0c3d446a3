"""Rich views for humans (lists, posts, summaries) and plain JSON for machines.

Post text is data: it goes into rich.text.Text, never through markup, and is sanitized first.
"""
from __future__ import annotations

import os
import sys
from typing import Any

from kb.posts.reads import date_label
from kb.text import head_in_cells, sanitize
from kb.text import to_json


def print_json(obj: Any) -> None:
    """JSON in UTF-8 whatever stdout's encoding (PYTHONIOENCODING, a Windows code page): machine output."""
    text = to_json(obj) + "\n"
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None or (sys.stdout.encoding or "").lower().replace("-", "") == "utf8":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def console(stderr: bool = False):
    from rich.console import Console

    width = None
    # Tests and pipes get a stable width; a terminal gets its own. A value that is no width
    # (KB_WIDTH=abc, 0) is ignored, as Rich ignores a bad COLUMNS.
    raw = os.environ.get("KB_WIDTH", "").strip()
    if raw.isdigit() and int(raw) > 0:
        width = int(raw)
    return Console(stderr=stderr, width=width, highlight=False, emoji=False, markup=False)


def reading_width(renderable, width: int | None):
    """renderable laid out at most width columns wide (None: the config's width; 0: no limit)."""
    if width is None:
        from kb import config

        width = config.load().width
    if not width:
        return renderable
    from rich.constrain import Constrain

    return Constrain(renderable, width)


def with_footer(renderable, note: str):
    """renderable, then a dim line (kb latest's "20 of 43 posts")."""
    from rich.console import Group
    from rich.text import Text

    return Group(renderable, Text(note, style="dim"))


def latest_table(posts: list[dict]):
    """The `kb latest` listing, laid out for the width it is printed at (see LatestTable)."""
    return LatestTable(posts)


class LatestTable:
    """Rows of #, date, category, title, slug, aligned in terminal cells (Chinese counts double).

    The slug is never cut: it is what `kb show` takes. When the width is short the category
    goes first, then the row number, then the date; the title takes what is left. A category
    shared by every row (after --category) is not repeated on each.
    """

    GAP = 2
    TITLE_MIN = 24  # below this the title says too little: drop a column instead
    CATEGORY_MAX = 16
    CATEGORY_MIN = 8

    def __init__(self, posts: list[dict]):
        self.rows = [
            {
                "#": str(i),
                "date": date_label(p),
                "category": sanitize(p.get("category")) or "—",
                "title": " ".join(sanitize(p["title"]).split()),
                "slug": p["slug"],
                "dated": bool(p.get("date")),
                "has_category": bool(p.get("category")),
            }
            for i, p in enumerate(posts, start=1)
        ]

    def widths(self, width: int) -> dict[str, int]:
        """Column widths for a line of width cells; a column left out is absent."""
        from rich.cells import cell_len

        def widest(key: str, header: str) -> int:
            return max([cell_len(header)] + [cell_len(r[key]) for r in self.rows])

        cols = {"slug": widest("slug", "slug")}
        room = width - cols["slug"] - self.GAP  # what the title (and optional columns) may use
        for key in ("date", "#"):
            w = widest(key, key)
            if room - w - self.GAP >= self.TITLE_MIN:
                cols[key] = w
                room -= w + self.GAP
        category = min(widest("category", "category"), self.CATEGORY_MAX)
        category = min(category, room - self.GAP - self.TITLE_MIN)
        # One category on every row (kb latest --category …) says nothing per row.
        one_category = len({r["category"] for r in self.rows}) == 1 and all(r["has_category"] for r in self.rows)
        if category >= self.CATEGORY_MIN and not one_category:
            cols["category"] = category
            room -= category + self.GAP
        if room >= self.TITLE_MIN // 2:
            cols["title"] = min(widest("title", "title"), room)
        return {k: cols[k] for k in ("#", "date", "category", "title", "slug") if k in cols}

    def __rich_console__(self, console, options):
        from rich.text import Text

        cols = self.widths(options.max_width)
        header = Text(end="\n", no_wrap=True, overflow="ignore")
        for i, (key, w) in enumerate(cols.items()):
            last = i == len(cols) - 1
            header.append(_fit(key, w, pad=not last, right=key == "#") + ("" if last else " " * self.GAP), style="bold")
        yield header
        for r in self.rows:
            line = Text(end="\n", no_wrap=True, overflow="ignore")
            for i, (key, w) in enumerate(cols.items()):
                last = i == len(cols) - 1
                style = {
                    "date": "" if r["dated"] else "dim",
                    "category": "" if r["has_category"] else "dim",
                    "slug": "cyan",
                }.get(key, "")
                line.append(_fit(r[key], w, pad=not last, right=key == "#"), style=style)
                if not last:
                    line.append(" " * self.GAP)
            yield line


def _fit(text: str, width: int, *, pad: bool = True, right: bool = False) -> str:
    """text in exactly width cells: cut with … when longer, padded when shorter (if pad)."""
    from rich.cells import cell_len

    n = cell_len(text)
    if n > width:
        # a double-width character that would straddle the edge is left out; pad after the …
        text = head_in_cells(text, width, cell_len).rstrip() + "…"
        n = cell_len(text)
    if not pad:
        return text
    return " " * (width - n) + text if right else text + " " * (width - n)


def import_summary(report: dict) -> str:
    formats = report.get("formats") or {}
    # Which formats the files were read as, when any was not text.
    kinds = f" ({', '.join(f'{n} {name}' for name, n in formats.items())})" if set(formats) - {"text"} else ""
    skipped = f", long lines skipped: {len(report['skipped_lines'])}" if report.get("skipped_lines") else ""
    return (
        f"files read: {report['files_read']}{kinds}, excerpts seen: {report['excerpts_seen']}, "
        f"new posts: {report['new_posts']}, merged duplicates: {report['merged_duplicates']}, "
        f"unchanged files skipped: {report['unchanged_skipped']}{skipped}, errors: {len(report['errors'])}"
    )


def sources_table(rows: list[dict]):
    """`kb sources`: one row per imported file, its path last (it folds, the figures never do); paths
    and names are the user's, so Text, never markup."""
    from rich.table import Table
    from rich.text import Text

    from kb.text import visible

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("imported", no_wrap=True)
    table.add_column("format", no_wrap=True)
    table.add_column("posts", justify="right", no_wrap=True)  # first seen there
    table.add_column("only here", justify="right", no_wrap=True)  # seen in no other source
    table.add_column("sightings", justify="right", no_wrap=True)
    table.add_column("sha256", style="dim", no_wrap=True)
    table.add_column("source", overflow="fold", ratio=1)
    for r in rows:
        where = r["path"] if r["path"] != "-" else r["name"]
        if r["provenance"].get("source"):
            where += f" ({r['provenance']['source']})"
        table.add_row(Text(r["imported_at"][:16].replace("T", " ")), Text(r["format"]), Text(str(r["posts_first_seen"])),
                      Text(str(r["posts_only_here"])), Text(str(r["sightings"])), Text(r["sha256"][:8]),
                      Text(visible(where)))
    return table


def forget_plan(plan: dict):
    """What kb forget would take away: the sources, the posts seen only there (the first ones named),
    their cards."""
    from rich.console import Group
    from rich.text import Text

    from kb.text import visible

    parts = [Text("would forget:", style="bold")]
    for s in plan["sources"]:
        parts.append(Text(f"  {visible(s['path'])} ({s['format']}, {s['sightings']} sightings)"))
    parts.append(Text(f"posts seen only there: {plan['posts']}; also seen elsewhere (they stay): {plan['posts_kept']}"))
    for p in plan["posts_shown"]:
        line = Text("  ")
        line.append(p["slug"], style="cyan")
        line.append("  " + " ".join(sanitize(p["title"]).split()))
        parts.append(line)
    if plan["posts"] > len(plan["posts_shown"]):
        parts.append(Text(f"  … and {plan['posts'] - len(plan['posts_shown'])} more", style="dim"))
    parts.append(Text(f"their cards: {plan['cards']}, of which reviewed: {plan['reviewed_cards']}"
                      + (" (kept aside: importing the source again brings their reviews back)" if plan["reviewed_cards"] else "")))
    return Group(*parts)


def forget_done(done: dict) -> str:
    n = len(done["sources"])
    return (f"forgot {n} source{'s' if n != 1 else ''}: {done['sightings']} sightings, {done['posts']} posts, "
            f"{done['cards']} cards ({done['reviewed_cards']} reviewed, kept aside)")


def categories_table(rows: list[dict], uncategorized: int = 0):
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("category")
    table.add_column("posts", justify="right")
    for r in rows:
        table.add_row(Text(sanitize(r["category"])), Text(str(r["posts"])))
    if uncategorized:  # so the counts add up to every post (not in --json: it is no category)
        table.add_row(Text("(no category)", style="dim"), Text(str(uncategorized), style="dim"))
    return table


def stats_text(stats: dict) -> str:
    # No reviews yet: retention is null in --json, a dash here (not Python's None).
    return "\n".join(f"{k}: {'—' if v is None else v}" for k, v in stats.items())


def _setting_text(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {', '.join(v)}" for k, v in value.items()) or "—"
    return str(value)


def config_table(rows: list[dict]):
    """`kb config`: setting, value, origin; values are user text, so Text, never markup."""
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("setting", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("from", style="dim", overflow="fold")
    for r in rows:
        table.add_row(Text(r["key"]), Text(sanitize(_setting_text(r["value"]))), Text(sanitize(r["origin"])))
    return table


def doctor_table(findings: list[dict]):
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("check", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("detail", overflow="fold")
    for f in findings:
        mark = "ok" if f["ok"] else ("fixed" if f["fixed"] else "PROBLEM")
        style = "green" if f["ok"] else ("yellow" if f["fixed"] else "bold red")
        table.add_row(Text(f["check"]), Text(mark, style=style), Text(sanitize(f["detail"])))
    return table


def cards_table(cards: list[dict]):
    """`kb cards`: per concept, its id (the definition card's, as kb cards suspend/edit/delete take it),
    the term and its post's slug, what the user decided, then the definition on one line.

    Not a table: a term, a slug and a long definition do not share one line of a terminal.
    """
    from rich.console import Group
    from rich.text import Text

    suspended: dict[tuple, list[str]] = {}
    for c in cards:
        if c.get("suspended"):
            suspended.setdefault((c["term"], c["slug"]), []).append(c["kind"])
    parts = []
    for c in cards:
        if c["kind"] != "definition":
            continue
        head = Text(c["id"][:ID_SHOWN] + "  ", style="dim")
        head.append(sanitize(c["term"]), style="bold")
        if c["aliases"]:
            head.append(f" ({sanitize(', '.join(c['aliases']))})")
        head.append("  ")
        head.append(c["slug"], style="cyan")
        more = c.get("sources_total", len(c.get("sources", []))) - 1
        if more > 0:  # one card per concept: the other posts that define it too
            head.append(f"  +{more} post{'s' if more > 1 else ''}", style="dim")
        if c.get("edited"):
            head.append("  edited", style="yellow")
        kinds = suspended.get((c["term"], c["slug"]))
        if kinds:
            head.append(f"  suspended: {', '.join(kinds)}", style="yellow")
        parts.append(head)
        parts.append(Text("  " + sanitize(c["definition"]), no_wrap=True, overflow="ellipsis"))
    return Group(*parts)


# kb cards shows ids as git shows commits: the first digits, any unique prefix being a name.
ID_SHOWN = 8


def topics_table(rows: list[dict]):
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("topic", no_wrap=True, min_width=8)
    table.add_column("cards", justify="right", no_wrap=True)
    table.add_column("due", justify="right", no_wrap=True)
    # fold: with the default overflow Rich cut a Chinese term at the wrap with its own … (流模型…).
    table.add_column("terms", style="dim", ratio=1, overflow="fold")
    for r in rows:
        # A few terms say what the topic is; all of them are in --json.
        more = len(r["terms"]) - 5
        terms = ", ".join(r["terms"][:5]) + (f", … (+{more})" if more > 0 else "")
        table.add_row(Text(sanitize(r["topic"])), Text(str(r["cards"])), Text(str(r["due"])), Text(sanitize(terms)))
    return table


def search_results(results: list[dict]):
    """kb search for humans: rank, title, category · date · slug, then the snippet, matches in bold,
    its formulas in Unicode and its lines wrapped as kb show prints a post (kb.show)."""
    from rich.console import Group
    from rich.text import Text

    from kb.show.wrap import Wrapped

    parts = []
    for i, r in enumerate(results, start=1):
        head = Text(f"{i:>2}. ", style="bold")
        head.append(sanitize(r["title"]), style="bold")
        meta = Text(f"    {sanitize(r.get('category')) or '—'} · {date_label(r)} · ", style="dim")
        meta.append(r["slug"], style="cyan")
        parts += [head, meta, Wrapped(snippet_text(r["snippet"], r.get("highlights", [])), indent=4)]
    return Group(*parts)


def snippet_text(snippet: str, highlights: list[tuple[int, int]]):
    """A snippet as Rich text: its formulas as kb show prints them (Unicode, italic, kept whole when
    wrapped), the matched words bold; a match inside a formula is not marked (its text changed)."""
    from rich.text import Text

    if "\\(" not in snippet and "\\[" not in snippet:
        text = Text(sanitize(snippet))
        for a, b in highlights:
            text.stylize("bold reverse", a, b)
        return text
    from kb.show.article import segment_spans
    from kb.show.latex import PLACEHOLDER, math_to_unicode
    from kb.show.wrap import math_style

    text = Text()
    for kind, value, start in segment_spans(snippet):
        if kind in ("math", "display"):
            text.append(math_to_unicode(value), style=math_style())
        elif kind == "placeholder":
            text.append(PLACEHOLDER, style="dim")
        else:
            offset = len(text.plain)
            text.append(sanitize(value))
            for a, b in highlights:
                if start <= a and b <= start + len(value):
                    text.stylize("bold reverse", offset + a - start, offset + b - start)
    return text
