"""The config file through the real CLI: effective settings with origins, bad files, a bare `kb import`."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import CAPTURES


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    path = tmp_path / "conf" / "kb.yaml"
    path.parent.mkdir()
    monkeypatch.setenv("KB_CONFIG", str(path))
    return path


def settings(kb):
    r = kb("config", "--json")
    assert r.code == 0, r
    return {row["key"]: (row["value"], row["origin"]) for row in r.json()}


def test_defaults_without_a_file(kb, tmp_path):
    s = settings(kb)
    assert s["config file"][0] == str(tmp_path / "no-config.yaml")
    assert "no such file" in s["config file"][1]
    assert s["quiz.count"] == (10, "default")
    assert s["quiz.mode"] == ("flashcard", "default")
    assert s["captures"] == ([], "default")
    assert s["db"] == (str(tmp_path / "kbhome" / "kb.db"), "$KB_DB")


def test_values_and_their_lines(kb, config_file, tmp_path, monkeypatch):
    monkeypatch.delenv("KB_DB")
    config_file.write_text(
        "# mine\n"
        f"db: {tmp_path / 'notes.db'}\n"
        "quiz:\n"
        "  mode: typed\n"
        "  retention: 0.85\n"
        "captures:\n"
        f"  - {tmp_path / 'caps'}\n"
        "pager: false\n"
        "topics:\n"
        "  rl: [强化学习, policy gradient]\n",
        encoding="utf-8",
    )
    s = settings(kb)
    where = str(config_file)
    assert s["db"] == (str(tmp_path / "notes.db"), f"{where}:2")
    assert s["quiz.mode"] == ("typed", f"{where}:4")
    assert s["quiz.retention"] == (0.85, f"{where}:5")
    assert s["quiz.count"] == (10, "default")
    assert s["captures"] == ([str(tmp_path / "caps")], f"{where}:6")
    assert s["pager"] == ("never", f"{where}:8")
    assert s["topics"] == ({"rl": ["强化学习", "policy gradient"]}, f"{where}:9")
    # The configured database is the one commands use.
    assert kb("import", CAPTURES[0]).code == 0
    assert (tmp_path / "notes.db").exists()
    # --db and $KB_DB still win over the file.
    assert settings_with(kb, "--db", tmp_path / "x.db")["db"] == (str(tmp_path / "x.db"), "--db")
    monkeypatch.setenv("KB_DB", str(tmp_path / "y.db"))
    assert settings(kb)["db"] == (str(tmp_path / "y.db"), "$KB_DB")


def settings_with(kb, *args):
    r = kb(*args, "config", "--json")
    assert r.code == 0, r
    return {row["key"]: (row["value"], row["origin"]) for row in r.json()}


def test_human_output_names_the_origin(kb, config_file):
    config_file.write_text("quiz:\n  count: 25\n", encoding="utf-8")
    r = kb("config")
    assert r.code == 0
    line = next(line for line in r.stdout.splitlines() if line.startswith("quiz.count"))
    assert "25" in line
    assert "kb.yaml:2" in r.stdout  # a long path folds across lines; its end names the line
    assert "\x1b" not in r.stdout


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("db: [unclosed\nquiz: 1\n", 2, "malformed YAML"),
        ("quiz:\n  count: 5\n   mode: typed\n", 3, "malformed YAML"),
        ("captures: a\n\tpager: less\n", 2, "malformed YAML"),
        ("quiz:\n  count: many\n", 2, "quiz.count: expected a whole number"),
        ("quiz:\n  mode: flashcards\n", 2, "expected one of flashcard, typed, choice, mixed"),
        ("quiz:\n  retention: 2\n", 2, "quiz.retention"),
        ("\n\ncolour: red\n", 3, "colour: unknown setting"),
        ("- just\n- a list\n", 1, "must be a mapping"),
        ("topics:\n  flow: {a: b}\n", 2, "topics.flow: expected a list"),
        ("synonyms:\n  x: []\n", 2, "synonyms.x: expected a list of terms, not an empty list"),
        ("quiz:\n  count: 5\n  mode: typed\n  count: 6\n", 4, "count: set twice (first on line 2)"),
        ("db: a.db\npager: less\ndb: b.db\n", 3, "db: set twice (first on line 1)"),
    ],
)
def test_malformed_file_is_one_line_naming_file_and_line(kb, config_file, text, line, words):
    config_file.write_text(text, encoding="utf-8")
    r = kb("config")
    assert r.code == 1
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"kb: error: {config_file}:{line}: ")
    assert words in r.stderr


def test_malformed_file_stops_a_command_that_reads_it(kb, config_file, monkeypatch):
    monkeypatch.delenv("KB_DB")  # without it the database path comes from the config
    config_file.write_bytes(b"db: \xff\xfe\n")
    r = kb("latest")
    assert r.code == 1 and r.stderr == f"kb: error: {config_file}:1: not UTF-8 text\n"


def test_config_that_is_a_folder_or_unreadable(kb, config_file):
    config_file.mkdir()
    r = kb("config")
    assert r.code == 1 and "is a folder" in r.stderr and str(config_file) in r.stderr


def test_empty_file_means_defaults(kb, config_file):
    config_file.write_text("# nothing yet\n", encoding="utf-8")
    s = settings(kb)
    assert s["quiz.count"] == (10, "default")
    assert s["config file"][1] == "$KB_CONFIG"


def test_example_config_is_valid(kb, config_file):
    r = kb("config", "--example")
    assert r.code == 0
    config_file.write_text(r.stdout, encoding="utf-8")
    s = settings(kb)
    assert s["quiz.new_per_day"][0] == 20 and s["quiz.new_per_day"][1].startswith(str(config_file))
    assert s["synonyms"][0] == {"扩散模型": ["diffusion model", "DDPM"]}


def test_bare_import_rereads_the_configured_folders(kb, config_file, tmp_path):
    caps = tmp_path / "caps"
    caps.mkdir()
    for p in CAPTURES[:2]:
        shutil.copy(p, caps / p.name)
    config_file.write_text(f"captures:\n  - {caps}\n", encoding="utf-8")
    r = kb("import", "--json")
    assert r.code == 0, r
    assert r.json()["files_read"] == 2
    shutil.copy(CAPTURES[2], caps / CAPTURES[2].name)
    r = kb("import", "--json")
    assert (r.json()["files_read"], r.json()["unchanged_skipped"]) == (1, 2)


def test_bare_import_without_config_is_a_usage_error(kb, tmp_path):
    r = kb("import")
    assert r.code == 2
    assert "no capture folders configured" in r.stderr and str(tmp_path / "no-config.yaml") in r.stderr
    assert not (tmp_path / "kbhome" / "kb.db").exists()


def test_config_is_found_in_the_user_config_folder(kb, tmp_path, monkeypatch):
    monkeypatch.delenv("KB_CONFIG")
    folder = tmp_path / "xdg-config" / "kb"
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text("quiz:\n  count: 3\n", encoding="utf-8")
    s = settings(kb)
    assert s["config file"] == (str(folder / "config.yaml"), "default")
    assert s["quiz.count"] == (3, f"{folder / 'config.yaml'}:2")


def test_load_is_cached_and_sees_edits(tmp_path, monkeypatch):
    from kb import config

    path = tmp_path / "c.yaml"
    monkeypatch.setenv("KB_CONFIG", str(path))
    assert config.load().quiz.count == 10
    path.write_text("quiz:\n  count: 7\n", encoding="utf-8")
    first = config.load()
    assert first.quiz.count == 7 and config.load() is first
    path.write_text("quiz:\n  count: 8\n  mode: mixed\n", encoding="utf-8")
    assert config.load().quiz == config.QuizDefaults(count=8, mode="mixed")


def test_parsed_config_is_reused_without_importing_yaml(tmp_path):
    """`kb latest` must stay cheap with a config file: the second run reads the JSON cache."""
    import json
    import os
    import subprocess
    import sys

    home = tmp_path / "home-kb"
    home.mkdir()
    conf = tmp_path / "kb.yaml"
    conf.write_text(f"db: {tmp_path / 'configured.db'}\nquiz:\n  count: 4\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "KB_DB"}
    env.update(KB_HOME=str(home), KB_CONFIG=str(conf), PYTHONPROFILEIMPORTTIME="1")

    def latest():
        r = subprocess.run([sys.executable, "-m", "kb", "latest", "-n", "1", "--json"], env=env,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr[-2000:]
        modules = {line.split("|")[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
        return modules

    first = latest()
    assert "yaml" in first and (tmp_path / "configured.db").exists()
    assert "yaml" not in latest()
    conf.write_text(f"db: {tmp_path / 'other.db'}\n", encoding="utf-8")  # an edit is seen at once
    assert "yaml" in latest() and (tmp_path / "other.db").exists()
    (home / "config-cache.json").write_text("{not json", encoding="utf-8")  # a damaged cache is ignored
    assert "yaml" in latest()
    cached = json.loads((home / "config-cache.json").read_text(encoding="utf-8"))
    assert cached["config"]["db"] == str(tmp_path / "other.db")


def test_relative_paths_are_taken_from_the_config_files_folder(kb, config_file, monkeypatch):
    monkeypatch.delenv("KB_DB")
    config_file.write_text("db: data/kb.db\ncaptures: [caps, ~/more]\n", encoding="utf-8")
    s = settings(kb)
    assert s["db"][0] == str(config_file.parent / "data" / "kb.db")
    assert s["captures"][0] == [str(config_file.parent / "caps"), str(Path.home() / "more")]
