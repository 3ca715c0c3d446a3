"""The README's set-up commands, .ci/run and the package layout agree."""
from __future__ import annotations

import re

from tests.conftest import ROOT


def readme_commands(root=ROOT):
    """The indented command lines of the README's Set-up section, in order."""
    text = (root / "README.md").read_text(encoding="utf-8")
    setup = text.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return [line.strip() for line in setup.splitlines() if line.startswith("    ")]


def test_readme_has_exactly_two_setup_commands():
    commands = readme_commands()
    assert len(commands) == 2
    assert commands[0].endswith("kb latest")
    assert "pytest" in commands[1]


def test_setup_commands_need_no_active_virtual_environment():
    """Each command makes .venv with the system's python3 and then names .venv's programs."""
    for command in readme_commands():
        first, *rest = [step.strip() for step in command.split("&&")]
        assert first == "python3 -m venv .venv"
        assert rest and all(step.startswith(".venv/bin/") for step in rest), command
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`pipx install .`" in text and "`uv tool install .`" in text


def test_pytest_collects_only_tests_folder():
    """The test command must not collect from .venv (or any other folder in the root)."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # no tomllib on Python 3.10
    pytest_section = pyproject.split("[tool.pytest.ini_options]", 1)[1].split("\n[", 1)[0]
    assert re.search(r'^testpaths = \["tests"\]$', pytest_section, re.M)


def test_ci_runs_the_readme_test_command():
    """.ci/run runs the README's test command as written: word for word, no venv activated first."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()
    code = [line for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert not any("activate" in line or "venv" in line for line in code if line != readme_commands()[1])


def test_bundled_data_ships_with_the_package():
    from kb import paths

    names = [p.name for p in paths.bundled_captures()]
    assert len(names) == 5 and all(re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", n) for n in names)


def test_wheel_carries_the_package_data_and_runs_installed(tmp_path):
    """Build the wheel from a copy of the sources, install it alone into a folder, run it from there."""
    import json
    import os
    import shutil
    import subprocess
    import sys
    import zipfile

    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "kb", src / "kb", ignore=ignore)
    shutil.copytree(ROOT / "data", src / "data", ignore=ignore)
    wheels = tmp_path / "wheels"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(src)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    [wheel] = wheels.glob("kb-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"kb/data/{p.name}" for p in (ROOT / "data").iterdir()
               if p.suffix in (".txt", ".yaml", ".json", ".md") or p.name == "__init__.py"}
    assert len(shipped) >= 6 and shipped <= names
    entry = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "kb = kb.cli:main" in entry

    target = tmp_path / "installed"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    env = dict(os.environ, PYTHONPATH=str(target), KB_DB=str(tmp_path / "fresh.db"))
    run = subprocess.run([sys.executable, "-c", "import kb, kb.paths; print(kb.__file__); print(kb.paths.bundled_data())"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    kb_file, data_dir = run.stdout.split()
    assert kb_file.startswith(str(target)) and data_dir.startswith(str(target))
    latest = subprocess.run([sys.executable, "-m", "kb", "latest", "-n", "3", "--json"],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert latest.returncode == 0, latest.stderr
    assert len(json.loads(latest.stdout)) == 3 and "importing the 5 bundled captures" in latest.stderr
    version = subprocess.run([sys.executable, "-m", "kb", "--version"], capture_output=True, text=True,
                             env=env, cwd=tmp_path, timeout=60)
    assert version.stdout.startswith("kb ") and version.returncode == 0
