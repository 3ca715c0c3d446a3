"""The README's set-up commands, .ci/run and the package layout agree."""
from __future__ import annotations

import re

from tests.conftest import ROOT


def readme_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = text.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return [line.strip() for line in setup.splitlines() if line.startswith("    ")]


def test_readme_has_exactly_two_setup_commands():
    commands = readme_commands()
    assert len(commands) == 2
    assert commands[0].endswith("kb latest")
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()


def test_bundled_data_ships_with_the_package():
    from kb import paths

    names = [p.name for p in paths.bundled_captures()]
    assert len(names) == 5 and all(re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", n) for n in names)
