"""Peak memory of the running process, for the benchmarks' `rss_mb`."""

from __future__ import annotations

import resource
from pathlib import Path


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
