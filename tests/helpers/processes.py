"""Whether a process still runs, for tests of processes that must end with their parent."""

from __future__ import annotations

import os
from pathlib import Path


def alive(pid: int) -> bool:
    """Return whether pid runs (a zombie nobody has reaped yet counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
