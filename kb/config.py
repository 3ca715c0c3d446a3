"""The user's settings: a YAML file ($KB_CONFIG, else config.yaml in the user config folder) → Config.

load() is cached and costs nothing when there is no file; every error names the file and line.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb import paths
from kb.errors import ConfigError, UsageError

QUIZ_MODES = ("flashcard", "typed", "choice", "mixed")
# kb show and kb browse wrap prose at this many columns on a wider terminal (glow's habit: a line of
# 160 cells is hard to follow back to its start); below WIDTH_MIN a line holds too few words.
READING_WIDTH = 100
WIDTH_MIN = 40

EXAMPLE = """\
# kb settings; every key is optional.
db: ~/notes/kb.db                # the database (overridden by --db and $KB_DB)
captures:                        # folders (or files) that a bare `kb import` re-reads
  - ~/captures/blog
pager: less -R                   # the pager for long output; false never pages
width: 100                       # kb show's reading width on wider terminals (≥ 40; 0: the terminal's)
quiz:
  count: 10                      # questions per session
  mode: flashcard                # flashcard | typed | choice | mixed
  new_per_day: 20                # new cards introduced per day
  retention: 0.9                 # desired retention for the scheduler (0.7 to 0.99)
topics:                          # extra topics for kb quiz --topic: name → terms
  rl: [强化学习, reinforcement learning, policy gradient]
synonyms:                        # extra search synonyms: term → equivalents
  扩散模型: [diffusion model, DDPM]
"""


@dataclass(frozen=True)
class QuizDefaults:
    count: int = 10
    mode: str = "flashcard"
    new_per_day: int = 20
    retention: float = 0.9


@dataclass(frozen=True)
class Config:
    """Effective settings. `origins` maps a dotted key to where its value came from."""

    file: Path
    file_exists: bool = False
    db: Path | None = None
    captures: tuple[Path, ...] = ()
    pager: str | None = None  # None: not set ($PAGER or the default applies); "": never page
    width: int = READING_WIDTH  # the reading width of kb show and kb browse
    quiz: QuizDefaults = field(default_factory=QuizDefaults)
    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)

    def origin(self, key: str) -> str:
        return self.origins.get(key, "default")


def data_home() -> Path:
    """kb's own folder (paths.data_home), a ~user without a home being the user's usage error."""
    try:
        return paths.data_home()
    except paths.NoHome as exc:
        raise UsageError(str(exc)) from None


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database file: --db PATH, else KB_DB, else the config's db, else kb.db in data_home()."""
    return db_path_origin(explicit)[0]


def db_path_origin(explicit: str | os.PathLike | None = None) -> tuple[Path, str]:
    """The database file and where that choice came from (for `kb config`)."""
    try:
        return paths.db_path_origin(explicit, configured_db)
    except paths.NoHome as exc:
        raise UsageError(str(exc)) from None


def configured_db() -> tuple[Path, str] | None:
    """The config file's db and the line that set it, if it sets one."""
    cfg = load()
    return (cfg.db, cfg.origin("db")) if cfg.db is not None else None


def config_path() -> Path:
    """$KB_CONFIG, else config.yaml in the platform's user config folder."""
    env = os.environ.get("KB_CONFIG")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME")
    if xdg:
        return Path(xdg) / "kb" / "config.yaml"
    import typer  # knows the macOS and Windows conventions

    return Path(typer.get_app_dir("kb")) / "config.yaml"


_cache: dict[tuple, Config] = {}


def load(path: Path | None = None) -> Config:
    """The settings, read once per process (re-read if the file changes); defaults without a file."""
    path = path or config_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        key: tuple = (str(path), None)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    else:
        if path.is_dir():
            raise ConfigError(f"config file {path} is a folder")
        key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _cache:
        _cache.clear()
        _cache[key] = Config(file=path) if key[1] is None else (_from_disk_cache(key) or _read_and_remember(path, key))
    return _cache[key]


# Parsing YAML costs more than `kb latest` may spend (importing yaml alone is most of it), so the
# parsed settings are kept as JSON beside the database, keyed by the file's path, mtime and size.
_DISK_CACHE_FORMAT = 2


def _disk_cache_path() -> Path:
    return data_home() / "config-cache.json"


def _from_disk_cache(key: tuple) -> Config | None:
    import json

    try:
        blob = json.loads(_disk_cache_path().read_text(encoding="utf-8"))
        if blob.get("format") != _DISK_CACHE_FORMAT or blob.get("key") != list(key):
            return None
        c = blob["config"]
        return Config(
            file=Path(c["file"]),
            file_exists=True,
            db=Path(c["db"]) if c["db"] is not None else None,
            captures=tuple(Path(p) for p in c["captures"]),
            pager=c["pager"],
            width=c["width"],
            quiz=QuizDefaults(**c["quiz"]),
            topics={k: tuple(v) for k, v in c["topics"].items()},
            synonyms={k: tuple(v) for k, v in c["synonyms"].items()},
            origins=dict(c["origins"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no cache, another file's, or damaged: parse the YAML


def _read_and_remember(path: Path, key: tuple) -> Config:
    import json

    cfg = _read(path)
    c = {
        "file": str(cfg.file),
        "db": str(cfg.db) if cfg.db is not None else None,
        "captures": [str(p) for p in cfg.captures],
        "pager": cfg.pager,
        "width": cfg.width,
        "quiz": dict(cfg.quiz.__dict__),
        "topics": {k: list(v) for k, v in cfg.topics.items()},
        "synonyms": {k: list(v) for k, v in cfg.synonyms.items()},
        "origins": cfg.origins,
    }
    target = _disk_cache_path()
    try:
        if target.parent.is_dir():  # never create kb's folder just for a cache
            tmp = target.with_name(f".{target.name}.{os.getpid()}")
            tmp.write_text(json.dumps({"format": _DISK_CACHE_FORMAT, "key": list(key), "config": c},
                                      ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, target)
    except OSError:
        pass  # a read-only home: parse each time
    return cfg


def _read(path: Path) -> Config:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text") from None
    data, lines = _parse_yaml(text, path)
    return _build(path, data, lines)


def _parse_yaml(text: str, path: Path) -> tuple[Any, dict[str, int]]:
    import yaml  # only when there is a file: the import costs more than `kb latest` may spend

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = " ".join(str(exc.problem or exc.context or "malformed YAML").split())
        raise ConfigError(f"{where}: malformed YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: malformed YAML: {' '.join(str(exc).split())}") from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if node is not None:
        _no_key_twice(node, path)
        _record_lines(node, "", lines)
    return data, lines


def _no_key_twice(node, path: Path) -> None:
    """YAML forbids a key twice in one mapping, but PyYAML keeps the last silently: a second
    `count:` would win over the first without a word."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen: dict[object, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
            if key in seen:
                raise ConfigError(f"{path}:{line}: {key}: set twice (first on line {seen[key]})")
            seen[key] = line
            _no_key_twice(value_node, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _no_key_twice(item, path)


def _record_lines(node, prefix: str, lines: dict[str, int]) -> None:
    import yaml

    lines.setdefault(prefix or ".", node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            lines[key] = key_node.start_mark.line + 1
            if isinstance(value_node, yaml.MappingNode) and not prefix:
                _record_lines(value_node, key, lines)


class _Reader:
    """Typed access to the parsed mapping, each error naming the file and the key's line."""

    def __init__(self, path: Path, lines: dict[str, int]):
        self.path = path
        self.lines = lines
        self.origins: dict[str, str] = {}

    def where(self, key: str) -> str:
        line = self.lines.get(key) or self.lines.get(key.split(".")[0]) or self.lines.get(".")
        return f"{self.path}:{line}" if line else str(self.path)

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where(key)}: {key}: {message}")

    def mark(self, key: str) -> None:
        self.origins[key] = self.where(key)


def _build(path: Path, data: Any, lines: dict[str, int]) -> Config:
    r = _Reader(path, lines)
    if data is None:
        return Config(file=path, file_exists=True)
    if not isinstance(data, dict):
        raise ConfigError(f"{r.where('.')}: the config must be a mapping of settings (key: value), not {_kind(data)}")
    known = {"db", "captures", "pager", "width", "quiz", "topics", "synonyms"}
    for key in data:
        if key not in known:
            raise r.error(str(key), f"unknown setting (known: {', '.join(sorted(known))})")
    values: dict[str, Any] = {}
    if data.get("db") is not None:
        values["db"] = _path(path, _string(r, "db", data["db"]))
        r.mark("db")
    if "captures" in data and data["captures"] is not None:
        items = data["captures"]
        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list):
            raise r.error("captures", f"expected a list of folders, not {_kind(items)}")
        values["captures"] = tuple(_path(path, _string(r, "captures", x)) for x in items)
        r.mark("captures")
    if "pager" in data:
        pager = data["pager"]
        if pager is False or pager is None:
            values["pager"] = ""
        else:
            values["pager"] = _string(r, "pager", pager)
        r.mark("pager")
    if data.get("width") is not None:
        values["width"] = _width(r, data["width"])
        r.mark("width")
    if data.get("quiz") is not None:
        values["quiz"] = _quiz(r, data["quiz"])
    for name in ("topics", "synonyms"):
        if data.get(name) is not None:
            values[name] = _term_lists(r, name, data[name])
            r.mark(name)
    return Config(file=path, file_exists=True, origins=r.origins, **values)


def _width(r: _Reader, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or (value != 0 and value < WIDTH_MIN):
        raise r.error("width", f"expected a whole number of columns ≥ {WIDTH_MIN} (0: the terminal's width), not {value!r}")
    return value


def _quiz(r: _Reader, raw: Any) -> QuizDefaults:
    if not isinstance(raw, dict):
        raise r.error("quiz", f"expected a mapping (count, mode, new_per_day, retention), not {_kind(raw)}")
    defaults = QuizDefaults()
    out: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"quiz.{key}"
        if key in ("count", "new_per_day"):
            if isinstance(value, bool) or not isinstance(value, int) or value < (1 if key == "count" else 0):
                raise r.error(dotted, f"expected a whole number ≥ {1 if key == 'count' else 0}, not {value!r}")
            out[key] = value
        elif key == "mode":
            if value not in QUIZ_MODES:
                raise r.error(dotted, f"expected one of {', '.join(QUIZ_MODES)}, not {value!r}")
            out[key] = value
        elif key == "retention":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.7 <= value <= 0.99:
                raise r.error(dotted, f"expected a number from 0.7 to 0.99, not {value!r}")
            out[key] = float(value)
        else:
            raise r.error(dotted, "unknown quiz setting (known: count, mode, new_per_day, retention)")
        r.mark(dotted)
    return QuizDefaults(**{**defaults.__dict__, **out})


def _term_lists(r: _Reader, name: str, raw: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise r.error(name, f"expected a mapping of name: [terms], not {_kind(raw)}")
    out: dict[str, tuple[str, ...]] = {}
    for key, terms in raw.items():
        dotted = f"{name}.{key}"
        if isinstance(terms, (str, int, float)) and not isinstance(terms, bool):
            terms = [terms]
        if not isinstance(terms, list) or not terms:
            raise r.error(dotted, f"expected a list of terms, not {_kind(terms)}")
        out[str(key)] = tuple(_string(r, dotted, t) for t in terms)
    return out


def _path(config_file: Path, text: str) -> Path:
    """A path as written in the file: ~ expanded, a relative one taken from the file's folder."""
    p = Path(text).expanduser()
    return p if p.is_absolute() else config_file.parent / p


def _string(r: _Reader, key: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise r.error(key, f"expected text, not {_kind(value)}")
    text = str(value).strip()
    if not text:
        raise r.error(key, "expected text, not an empty value")
    return text


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if value == [] or value == {}:
        return f"an empty {'list' if value == [] else 'mapping'}"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}.get(type(value), type(value).__name__)


def effective(explicit_db: str | None = None) -> list[dict]:
    """Every setting as {key, value, origin}, for `kb config`: what kb will use and why."""
    cfg = load()
    rows: list[dict] = [
        {"key": "config file", "value": str(cfg.file),
         "origin": ("$KB_CONFIG" if os.environ.get("KB_CONFIG") else "default")
         + ("" if cfg.file_exists else " (no such file: defaults apply)")},
    ]
    db, db_origin = db_path_origin(explicit_db)
    rows.append({"key": "db", "value": str(db), "origin": db_origin})
    rows.append({"key": "captures", "value": [str(p) for p in cfg.captures], "origin": cfg.origin("captures")})
    if cfg.pager is not None:
        pager, pager_origin = (cfg.pager or "never"), cfg.origin("pager")
    elif os.environ.get("PAGER"):
        pager, pager_origin = os.environ["PAGER"], "$PAGER"
    else:
        pager, pager_origin = "built-in (less if present)", "default"
    rows.append({"key": "pager", "value": pager, "origin": pager_origin})
    rows.append({"key": "width", "value": cfg.width, "origin": cfg.origin("width")})
    for key, value in cfg.quiz.__dict__.items():
        rows.append({"key": f"quiz.{key}", "value": value, "origin": cfg.origin(f"quiz.{key}")})
    rows.append({"key": "topics", "value": {k: list(v) for k, v in cfg.topics.items()}, "origin": cfg.origin("topics")})
    rows.append({"key": "synonyms", "value": {k: list(v) for k, v in cfg.synonyms.items()}, "origin": cfg.origin("synonyms")})
    return rows
