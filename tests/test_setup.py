"""The README's first set-up command works as written in a fresh clone, on the system's python3.

The environment is what a new user on a stock Linux or macOS system has: PATH limited to the
system folders, an empty HOME, no virtual environment active, nothing else from the outer
environment except the settings pip needs to reach the package index. It installs kb's
dependencies from the index, so it takes a while (about 10-60 s).
"""
from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_packaging import readme_commands

# The system interpreters a stock system puts first on PATH (Debian/Ubuntu and macOS ship
# /usr/bin/python3; a python.org or source build goes to /usr/local/bin).
SYSTEM_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3")

# How pip on a given machine reaches its package index (a mirror, a proxy, a CA bundle); kept
# from the outer environment, everything else is dropped. System-wide pip configuration
# (/etc/pip.conf, /etc/xdg/pip) is read by pip whatever the environment.
INDEX_VARIABLES = (
    "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE", "PIP_TRUSTED_HOST",
    "PIP_CERT", "PIP_CLIENT_CERT", "PIP_PROXY", "PIP_DEFAULT_TIMEOUT", "PIP_RETRIES",
    "http_proxy", "https_proxy", "no_proxy", "all_proxy",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
)

BUNDLED_POSTS = 43


def system_python() -> str | None:
    """The first system python3 that is 3.10 or newer and can make a virtual environment with pip."""
    probe = "import sys, venv, ensurepip; ensurepip.version(); sys.exit(sys.version_info < (3, 10))"
    for candidate in SYSTEM_PYTHONS:
        if not os.access(candidate, os.X_OK):
            continue
        try:
            r = subprocess.run([candidate, "-I", "-c", probe], capture_output=True, env={}, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if r.returncode == 0:
            return candidate
    return None


def fresh_clone(dest: Path) -> None:
    """dest: a clone of the repository at HEAD, as a new user gets it.

    The checkout under test may be a full or shallow clone with a branch or a detached HEAD
    (CI checks out one commit), or owned by another user; without git metadata at all (an
    exported tree) the files are copied, leaving out what .gitignore names.
    """
    git = shutil.which("git")
    if git and (ROOT / ".git").exists():
        run = lambda *args, **kw: subprocess.run(  # noqa: E731
            [git, "-c", "safe.directory=*", *args], capture_output=True, text=True, timeout=300, **kw)
        head = run("-C", str(ROOT), "rev-parse", "--verify", "HEAD")
        if head.returncode == 0:
            cloned = run("clone", "--quiet", "--no-checkout", str(ROOT), str(dest))
            assert cloned.returncode == 0, cloned.stderr
            checkout = run("-C", str(dest), "checkout", "--quiet", "--detach", head.stdout.strip())
            assert checkout.returncode == 0, checkout.stderr
            return
    shutil.copytree(ROOT, dest, ignore=_gitignored, symlinks=True)


def _gitignored(folder: str, names: list[str]) -> set[str]:
    """The names in folder that .gitignore's patterns leave out (the simple forms it uses)."""
    patterns, keep = [".git", "__pycache__", "*.pyc"], []
    gitignore = ROOT / ".gitignore"
    if gitignore.exists():
        for line in gitignore.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                (keep if line.startswith("!") else patterns).append(line.lstrip("!").strip("/"))
    relative = Path(folder).relative_to(ROOT)
    left_out = set()
    for name in names:
        path = (relative / name).as_posix()
        if any(fnmatch.fnmatch(path if "/" in pattern else name, pattern) for pattern in patterns) \
                and not any(fnmatch.fnmatch(path, pattern) for pattern in keep):
            left_out.add(name)
    return left_out


def test_readme_install_command_works_in_a_fresh_clone_on_the_system_python(tmp_path):
    python = system_python()
    if python is None:
        pytest.skip(f"no system python3 >= 3.10 with venv and ensurepip at {' or '.join(SYSTEM_PYTHONS)}")
    clone = tmp_path / "clone"
    fresh_clone(clone)
    assert not (clone / ".venv").exists()
    command = readme_commands(clone)[0]
    home = tmp_path / "home"
    home.mkdir()
    system_path = ["/usr/bin", "/bin"]
    if os.path.dirname(python) not in system_path:
        system_path.insert(0, os.path.dirname(python))
    env = {"PATH": ":".join(system_path), "HOME": str(home)}
    env.update({name: os.environ[name] for name in INDEX_VARIABLES if name in os.environ})

    started = time.monotonic()
    r = subprocess.run(["bash", "-c", command], cwd=clone, env=env, capture_output=True,
                       encoding="utf-8", errors="replace", timeout=1800)
    took = time.monotonic() - started
    assert r.returncode == 0, f"{command!r} exited {r.returncode} after {took:.0f} s:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    assert f"new posts: {BUNDLED_POSTS}," in r.stderr, r.stderr[-3000:]
    # The database went to the user data folder in the empty HOME.
    assert [p.relative_to(home) for p in home.rglob("kb.db")] in (
        [Path(".local/share/kb/kb.db")], [Path("Library/Application Support/kb/kb.db")])

    listing = subprocess.run([str(clone / ".venv" / "bin" / "kb"), "latest", "-n", "0", "--json"],
                             cwd=clone, env=env, capture_output=True, encoding="utf-8", timeout=300)
    assert listing.returncode == 0, listing.stderr
    posts = json.loads(listing.stdout)
    assert len(posts) == BUNDLED_POSTS and len({p["slug"] for p in posts}) == BUNDLED_POSTS
    assert listing.stderr == ""  # imported once, by the README's command, not again
    assert posts[0]["slug"] in r.stdout  # the README's command listed the newest posts
    print(f"README set-up command took {took:.0f} s")
