"""Private temporary folders named after the process that owns them
(`<prefix><pid>-<random>`): a process killed outright cannot remove its own, so the next one
that makes a folder of the same kind removes those whose process is gone, never a living
one's. Only the standard library: `quartiers-dbt` imports it (platform_config.warm_dbt).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def owned_folder(prefix: str) -> Path:
    """A new folder for this process, after removing the folders of dead processes."""
    sweep(prefix)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))


def sweep(prefix: str) -> list[Path]:
    """Remove the folders of `prefix` whose process is gone. Returns those removed."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
        owner = folder.name[len(prefix) :].split("-")[0]
        if owner.isdigit() and not alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True
