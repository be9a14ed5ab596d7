"""What the repository holds must work on a fresh clone.

A symbolic link committed by mistake (a worktree's `.venv` pointing into another checkout) once
made every fresh clone fail at `make install`; so the repository tracks no symlinks and nothing
its own .gitignore excludes.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(),
    reason="not a git checkout (an image build copies the files without .git)",
)


def git(*args):
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def test_the_repository_tracks_no_symbolic_links():
    links = [
        line.split("\t", 1)[1]
        for line in git("ls-files", "--stage").splitlines()
        if line.startswith("120000 ")
    ]
    assert links == []


def test_the_repository_tracks_nothing_its_gitignore_excludes():
    assert git("ls-files", "--cached", "--ignored", "--exclude-standard").split() == []
