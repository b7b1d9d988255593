"""The inbox: files as they arrive, identified by the hash of their bytes.

Symbolic links are not arrivals: a porteur sends a file, not a pointer to one, and a link
could make the pipeline read (and store, and publish) a file outside the inbox. They are
skipped, as are links to folders, hidden files and Office lock files; `skipped_links` lists
them for the data staff.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
from datetime import UTC, datetime
from pathlib import Path


def open_regular(path: Path) -> io.BufferedReader:
    """Open a regular file without following a symbolic link at its name."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    return os.fdopen(fd, "rb")


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open_regular(path) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


IGNORED_PREFIXES = (".", "~$")  # hidden files, Office lock files


def _walk(inbox: Path):
    """(path, is a regular file) for every entry under the inbox, links not followed."""
    for root, dirs, files in os.walk(inbox, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(IGNORED_PREFIXES))
        for name in files + [d for d in dirs if Path(root, d).is_symlink()]:
            if name.startswith(IGNORED_PREFIXES):
                continue
            path = Path(root, name)
            yield path, stat.S_ISREG(path.lstat().st_mode)


def inbox_files(inbox: Path) -> list[Path]:
    if not inbox.exists():
        return []
    return sorted(p for p, regular in _walk(inbox) if regular)


def skipped_links(inbox: Path) -> list[Path]:
    """Symbolic links (and other non-regular entries) found in the inbox, never read."""
    if not inbox.exists():
        return []
    return sorted(p for p, regular in _walk(inbox) if not regular)


def scan(inbox: Path) -> list[tuple[Path, str]]:
    """Every file of the inbox with the hash of its bytes, duplicates included, oldest
    first: of two files with the same bytes, the later one is the re-send. A file that
    cannot be opened (permissions, removed meanwhile) waits for the next scan."""
    out = []
    for path in inbox_files(inbox):
        try:
            out.append((path.lstat().st_mtime_ns, path, file_hash(path)))
        except OSError:
            continue
    return [(path, digest) for _, path, digest in sorted(out)]


def duplicates(scanned: list[tuple[Path, str]]) -> dict[Path, Path]:
    """A file whose bytes another file of the inbox already has → that first file."""
    first: dict[str, Path] = {}
    out: dict[Path, Path] = {}
    for path, digest in scanned:
        if digest in first:
            out[path] = first[digest]
        else:
            first[digest] = path
    return out


def index_by_hash(inbox: Path) -> dict[str, Path]:
    """Content hash → file. Two files with the same bytes are one arrival (the oldest)."""
    index: dict[str, Path] = {}
    for path, digest in scan(inbox):
        index.setdefault(digest, path)
    return index


def received_at(path: Path) -> datetime:
    return datetime.fromtimestamp(path.lstat().st_mtime, UTC).replace(tzinfo=None)


def partition_ranges(keys: list[str], stored: list[str]) -> list[tuple[str, str]]:
    """(first, last) ranges of `stored` (the partitions in their stored order) that cover
    exactly `keys`: one run per range, as a Dagster partition range is contiguous."""
    order = {k: i for i, k in enumerate(stored)}
    positions = sorted({order[k] for k in keys})
    ranges: list[tuple[str, str]] = []
    start = previous = None
    for i in positions:
        if start is not None and i == previous + 1:
            previous = i
            continue
        if start is not None:
            ranges.append((stored[start], stored[previous]))
        start = previous = i
    if start is not None:
        ranges.append((stored[start], stored[previous]))
    return ranges
