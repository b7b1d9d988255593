"""The inbox: files as they arrive, identified by the hash of their bytes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from returns.process import file_hash

IGNORED_PREFIXES = (".", "~$")  # hidden files, Office lock files


def inbox_files(inbox: Path) -> list[Path]:
    if not inbox.exists():
        return []
    return sorted(p for p in inbox.rglob("*")
                  if p.is_file() and not p.name.startswith(IGNORED_PREFIXES))


def index_by_hash(inbox: Path) -> dict[str, Path]:
    """Content hash → file. Two files with the same bytes are one arrival (the first name)."""
    index: dict[str, Path] = {}
    for path in inbox_files(inbox):
        index.setdefault(file_hash(path), path)
    return index


def received_at(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
