"""Peak memory of the running process, for the benchmarks' `rss_mb`, and the child processes
that measure it."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> float:
    """Peak RSS of this process's own memory (VmHWM). getrusage's ru_maxrss is kept by Linux
    across execve, so a child started by a parent that loaded the data would report the
    parent's peak instead of its own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measured_in_child(script: str, *args: str, env: dict[str, str] | None = None) -> dict:
    """Run `script` with `args` in a child process, so that the peak RSS it reports is its own
    and not the loading parent's, and return the JSON its last line prints."""
    output = subprocess.run(
        [sys.executable, script, *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])
