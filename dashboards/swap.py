"""Publishing a folder whole: the new version is built beside the published one, then put in
its place in one step, so a reader never sees half of each (site, Parquet marts, docs)."""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
from pathlib import Path


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def swap_folder(stage: Path, target: Path) -> None:
    """Put the staged folder in place of the published one, whole (one exchange on Linux;
    elsewhere two renames, the old one kept as `.<name>.old` in between)."""
    target = target.absolute()
    if target.exists() and _exchange(stage, target):
        shutil.rmtree(stage)  # now the previous version
        return
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.rename(target, old)
    os.rename(stage, target)
    shutil.rmtree(old, ignore_errors=True)
