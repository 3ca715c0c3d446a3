"""Shell completion: the committed scripts are current, the bash one works when sourced, and dynamic
completion of slugs, categories and topics is read-only and silent on any error.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CAPTURES, ROOT

SHELLS = ("bash", "zsh", "fish")
BIN = str(Path(sys.executable).parent)


def env_for(db: Path, **extra) -> dict:
    env = dict(os.environ, KB_DB=str(db), PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    env.update(extra)
    return env


def complete(db: Path, shell: str, words: str, **extra) -> subprocess.CompletedProcess:
    env = env_for(db, _KB_COMPLETE=f"complete_{shell}", **extra)
    if shell == "bash":
        parts = words.split(" ")
        env.update(COMP_WORDS=words, COMP_CWORD=str(len(parts) - 1))
    else:
        env["_TYPER_COMPLETE_ARGS"] = words
        if shell == "fish":
            env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    return subprocess.run([sys.executable, "-m", "kb"], env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("completion") / "kb.db"
    env = dict(os.environ, KB_DB=str(path), KB_CONFIG=str(path.parent / "none.yaml"))
    r = subprocess.run([sys.executable, "-m", "kb", "import", *map(str, CAPTURES)], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return path


@pytest.mark.parametrize("shell", SHELLS)
def test_committed_scripts_are_current(shell, tmp_path):
    """Regenerate each script from the app; a stale committed file fails here."""
    r = subprocess.run([sys.executable, "-m", "kb"], env=env_for(tmp_path / "none.db", _KB_COMPLETE=f"source_{shell}"),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr == ""
    committed = (ROOT / "completions" / f"kb.{shell}").read_text(encoding="utf-8")
    assert r.stdout == committed, f"completions/kb.{shell} is stale: regenerate it (see README)"
    # Each script is for its own shell (typer's --show-completion would guess from $SHELL).
    marker = {"bash": "complete -o default -F", "zsh": "#compdef kb", "fish": "complete --command kb"}[shell]
    assert marker in committed


def test_bash_script_completes_when_sourced(db):
    script = ROOT / "completions" / "kb.bash"

    def tab(*words):
        line = " ".join(words)
        cmd = (
            f'source "{script}"; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; '
            '_kb_completion kb; printf "%s\\n" "${COMPREPLY[@]}"'
        )
        r = subprocess.run(["bash", "--norc", "--noprofile", "-c", cmd], env=env_for(db),
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and r.stderr == "", r
        return [x for x in r.stdout.splitlines() if x]

    assert tab("kb", "sh") == ["show"]
    assert {"import", "latest", "show", "config", "doctor"} <= set(tab("kb", "''"))
    assert tab("kb", "show", "gumbel") == ["gumbel-softmax-c31d"]
    slugs = tab("kb", "show", "''")
    assert len(slugs) == 43 and len(set(slugs)) == 43
    assert tab("kb", "latest", "--category", "Self") == ["Self-Supervised"]
    assert tab("kb", "latest", "--cat") == ["--category"]
    # Bash puts a completion on the line as it is: a name with a space comes escaped, one word.
    assert tab("kb", "search", "--category", "Dee") == ["Deep\\ Learning"]
    assert "Generative\\ Model" in tab("kb", "quiz", "--topic", "Gen")  # a category is a topic too
    assert tab("kb", "latest", "-c", "Deep\\ L") == ["Deep\\ Learning"]  # typed escaped, matched unescaped
    assert tab("kb", "latest", "-c", "'\"Deep L'") == ["Deep Learning"]  # inside an open quote: as it is


def test_bash_completion_of_a_name_with_a_space_runs_as_one_argument(db):
    """What bash inserts is re-read as shell words when the line runs: kb must get one argument."""
    script = ROOT / "completions" / "kb.bash"
    cmd = (
        f'source "{script}"; COMP_WORDS=(kb latest -c Dee); COMP_CWORD=3; _kb_completion kb; '
        'eval "set -- kb latest -c ${COMPREPLY[0]} --json"; printf "%s\\n" "$@"'
    )
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", cmd], env=env_for(db),
                       capture_output=True, text=True, timeout=60)
    words = r.stdout.splitlines()
    assert words == ["kb", "latest", "-c", "Deep Learning", "--json"], r
    ran = subprocess.run([sys.executable, "-m", "kb", *words[1:]], env=env_for(db),
                         capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0 and len(json.loads(ran.stdout)) == 4, ran.stderr


def test_zsh_and_fish_show_titles_as_descriptions(db):
    zsh = complete(db, "zsh", "kb show gumbel")
    assert zsh.returncode == 0 and zsh.stderr == ""
    assert '"gumbel-softmax-c31d":"重参数 · Gumbel Softmax"' in zsh.stdout
    fish = complete(db, "fish", "kb show gumbel")
    assert fish.stdout.startswith("gumbel-softmax-c31d\t重参数 · Gumbel Softmax")
    cats = complete(db, "fish", "kb latest --category ")
    assert [line.split("\t") for line in cats.stdout.splitlines()] == [
        ["3D Model", "1 posts"], ["Deep Learning", "4 posts"], ["Generative Model", "2 posts"],
        ["Large Model", "2 posts"], ["Self-Supervised", "2 posts"],
    ]


def test_hostile_titles_stay_on_one_line(tmp_path):
    cap = tmp_path / "evil.txt"
    cap.write_text("hostile-post \x1b[31mred\x1b[0m 标题\u2028第二行 的摘录,内容足够长...\n", encoding="utf-8")
    db = tmp_path / "evil.db"
    subprocess.run([sys.executable, "-m", "kb", "import", str(cap)], env=env_for(db), check=True,
                   capture_output=True, timeout=60)
    r = complete(db, "fish", "kb show hostile")
    lines = r.stdout.splitlines()
    assert len(lines) == 1 and "\x1b" not in r.stdout and "\u2028" not in r.stdout


def test_no_database_means_no_suggestions_and_no_database(tmp_path):
    missing = tmp_path / "sub" / "kb.db"
    r = complete(missing, "bash", "kb show ")
    assert (r.returncode, r.stdout.strip(), r.stderr) == (0, "", "")
    assert not missing.exists() and not missing.parent.exists()  # never imports the bundled captures


@pytest.mark.parametrize("content", [b"this is not a database at all" * 100, b"", b"SQLite format 3\x00" + b"\xff" * 2000])
def test_broken_database_is_silent(tmp_path, content):
    bad = tmp_path / "kb.db"
    bad.write_bytes(content)
    r = complete(bad, "bash", "kb show ")
    assert (r.returncode, r.stdout.strip(), r.stderr) == (0, "", "")
    assert bad.read_bytes() == content


def test_malformed_config_is_silent(db, tmp_path):
    conf = tmp_path / "broken.yaml"
    conf.write_text("db: [oops\n", encoding="utf-8")
    env = {"KB_CONFIG": str(conf)}
    r = complete(db, "bash", "kb show gumbel", **env)
    assert (r.returncode, r.stdout.strip(), r.stderr) == (0, "gumbel-softmax-c31d", "")


def test_completion_is_read_only_and_never_imports_jieba(db, tmp_path):
    copy = tmp_path / "ro.db"
    shutil.copy(db, copy)
    before = copy.read_bytes()
    r = complete(copy, "bash", "kb show ", PYTHONPROFILEIMPORTTIME="1")
    assert len(r.stdout.splitlines()) == 43
    assert copy.read_bytes() == before
    imported = {line.split("|")[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
    assert "kb.cli" in imported  # the profile did run
    assert not {"jieba", "sqlite_utils", "kb.importer"} & imported


def test_topic_completion_offers_config_topics_then_categories(db, tmp_path, monkeypatch):
    from kb.cli import completion

    conf = tmp_path / "c.yaml"
    conf.write_text("topics:\n  rl: [强化学习]\n  retrieval: [RAG]\n", encoding="utf-8")
    monkeypatch.setenv("KB_CONFIG", str(conf))
    monkeypatch.setenv("KB_DB", str(db))
    names = [name for name, _ in completion.complete_topic(None, [], "")]
    assert names.index("rl") < names.index("Deep Learning") and "retrieval" in names
    assert [n for n, _ in completion.complete_topic(None, [], "re")] == ["retrieval"]
    monkeypatch.setenv("KB_CONFIG", str(tmp_path / "missing-dir" / "x.yaml"))
    monkeypatch.setenv("KB_DB", str(tmp_path / "nothing.db"))
    assert all(desc == "topic" for _, desc in completion.complete_topic(None, [], ""))


def test_topic_completion_names_each_topics_cards_as_kb_topics_counts_them(db, tmp_path, monkeypatch):
    from kb.cli import completion

    env = env_for(db, KB_CONFIG=str(db.parent / "none.yaml"))
    r = subprocess.run([sys.executable, "-m", "kb", "topics", "--json"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    counted = {t["topic"]: t["cards"] for t in json.loads(r.stdout)}
    assert counted["flow"] > 1
    monkeypatch.setenv("KB_CONFIG", str(db.parent / "none.yaml"))
    monkeypatch.setenv("KB_DB", str(db))
    offered = dict(completion.complete_topic(None, [], ""))
    assert {n: offered[n] for n in counted} == {n: f"topic, {c} card{'' if c == 1 else 's'}" for n, c in counted.items()}
    # From a shell: the counts come from the tables, without the segmenter.
    r = complete(db, "zsh", "kb quiz --topic fl", KB_CONFIG=str(db.parent / "none.yaml"), PYTHONPROFILEIMPORTTIME="1")
    assert f"topic, {counted['flow']} cards" in r.stdout
    imported = {line.split("|")[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
    assert "kb.cli" in imported and not {"jieba", "kb.search.segment"} & imported
    # A topic the config redefines since the import is offered without a count (nothing is worked out).
    conf = tmp_path / "c.yaml"
    conf.write_text("topics:\n  flow: [耦合流]\n", encoding="utf-8")
    monkeypatch.setenv("KB_CONFIG", str(conf))
    assert dict(completion.complete_topic(None, [], "flo"))["flow"] == "topic"


def test_forget_completes_the_imported_sources(db):
    r = complete(db, "zsh", "kb forget 00")
    assert r.returncode == 0, r.stderr
    names = [p.name for p in CAPTURES]
    for name in names:
        assert name in r.stdout
    assert "text, 12 excerpts" in r.stdout
    one = complete(db, "bash", f"kb forget {names[0]} 00")
    assert names[0] not in one.stdout.split() and names[1] in one.stdout.split()
