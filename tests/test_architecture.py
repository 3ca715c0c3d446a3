"""The shape of the code: no import cycles, dependencies pointing down the layers, the schema layer
alone, private names kept private, the migrations in their landed order, and the README's command
tables naming exactly the app's commands.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

KB = ROOT / "kb"

# Lower layers first; a module may import from its own layer or one below, never above.
LAYERS = [
    ("kb.errors", "kb.paths", "kb.text"),
    ("kb.config",),
    ("kb.store",),
    ("kb.posts",),
    ("kb.search",),
    ("kb.cards",),
    ("kb.show",),
    ("kb.quiz",),
    ("kb.browse",),
    ("kb.derived",),
    ("kb.ingest", "kb.doctor"),
    ("kb.cli",),
    ("kb", "kb.__main__"),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(KB.rglob("*.py"))}


def imports(path: Path, known: set[str]) -> list[tuple[str, int, list[str]]]:
    """(module imported, line, names taken from it) for every import in the file, function bodies
    included: `from kb.x import y` is an import of kb.x.y when that is a module."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno, []) for a in node.names if a.name.split(".")[0] == "kb"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "kb":
            names = []
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                if sub in known:
                    out.append((sub, node.lineno, []))
                else:
                    names.append(a.name)
            if names:
                out.append((node.module, node.lineno, names))
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {m: {target for target, _, _ in imports(p, known) if target != m} for m, p in mods.items()}


def layer_of(module: str) -> int:
    best, found = -1, None
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), i
    assert found is not None, f"{module} is in no layer: add it to LAYERS"
    return found


def test_no_import_cycles():
    g = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in g.get(v, ()):
            if w not in g:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    assert cycles == []


def test_dependencies_point_down_the_layers():
    wrong = []
    for module, targets in graph().items():
        for target in targets:
            if target in ("kb",):  # `import kb` for __version__: the package's own metadata
                continue
            if layer_of(target) > layer_of(module):
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_the_schema_layer_and_paths_stand_alone():
    g = graph()
    for module, targets in g.items():
        if module.startswith("kb.store"):
            assert {t for t in targets if not t.startswith("kb.store")} <= {"kb.errors"}, module
    assert g["kb.paths"] == set() and g["kb.text"] == set() and g["kb.errors"] == set()


def test_core_modules_never_import_the_command_line():
    wrong = [f"{m} imports {t}" for m, ts in graph().items() if not m.startswith("kb.cli") and m not in ("kb", "kb.__main__")
             for t in ts if t.startswith("kb.cli")]
    assert wrong == []


def test_private_names_stay_in_their_module():
    mods = modules()
    known = set(mods)
    wrong = []
    for module, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {}
        for target, line, names in imports(path, known):
            wrong += [f"{module}:{line} imports {target}.{n}" for n in names if n.startswith("_") and not n.startswith("__")]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kb"):
                for a in node.names:
                    if f"{node.module}.{a.name}" in known:
                        aliases[a.asname or a.name] = f"{node.module}.{a.name}"
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("kb.") and a.asname:
                        aliases[a.asname] = a.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                wrong.append(f"{module}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    assert wrong == []


def test_no_module_is_a_house_of_its_own():
    sizes = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in modules().items()}
    assert {m: n for m, n in sizes.items() if n > 450} == {}


def test_modules_say_what_they_own():
    for module, path in modules().items():
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc and doc.strip(), f"{module} has no docstring"


def test_the_migrations_in_their_landed_order():
    from kb.store.migrations import MIGRATIONS

    # Landed order, never to be edited: a new migration goes at the end, under a new name.
    assert tuple(fn.__name__ for fn in MIGRATIONS) == (
        "m001_posts_sources_sightings",
        "m003_cards_reviews",
        "m005_related_posts",
        "m002_search_index",
        "m006_search_vocabulary",
        "m007_cards_of_older_posts",
        "m008_one_timestamp_format",
        "m010_sources_format_provenance",
        "m011_cards_aside",
        "m009_cards_by_term",
        "m012_subject_titles",
        "m013_card_decisions",
        "m014_search_glosses_glossary_parts",
        "m015_topic_members",
        "m016_post_text_once",
        "m017_search_spelling",
        "m018_one_byte_token_separator",
    )


def _app_commands() -> set[str]:
    from kb.cli import app
    from typer.main import get_command

    root = get_command(app)
    out = set()
    for name, cmd in root.commands.items():
        out.add(name)
        for sub in getattr(cmd, "commands", {}) or {}:
            out.add(f"{name} {sub}")
    return out


def _readme_commands() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = set()
    for line in text.splitlines():
        m = re.match(r"\| `kb ([a-z][a-z-]*(?: [a-z][a-z-]*)?)", line)
        if m:
            words = m.group(1).split()
            found.add(" ".join(words))
    return found


def test_the_readme_tables_list_the_apps_commands():
    app_cmds = _app_commands()
    readme = _readme_commands()
    # A README row "kb cards export …" names the subcommand; "kb cards [--topic]" the group.
    readme = {r if r in app_cmds else r.split()[0] for r in readme}
    assert readme == app_cmds
