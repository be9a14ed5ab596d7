from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test stores files in its own empty directory."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def undeletable():
    """Make a directory refuse deletions of its files, for real: chmod for a normal user;
    as root, who ignores modes, the immutable attribute."""
    import contextlib
    import os
    import shutil
    import subprocess

    @contextlib.contextmanager
    def refuse(directory):
        if os.geteuid() != 0:
            directory.chmod(0o555)
            try:
                yield
            finally:
                directory.chmod(0o755)
            return
        if shutil.which("chattr") is None:
            pytest.skip("running as root without chattr: cannot make a directory refuse")
        result = subprocess.run(["chattr", "+i", str(directory)], capture_output=True)
        if result.returncode != 0:
            pytest.skip(f"this filesystem has no immutable attribute: {result.stderr!r}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(directory)], check=True)

    return refuse
