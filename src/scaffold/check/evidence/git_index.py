"""The paths git tracks, read from `.git/index` as data (git is never run for this).

A tracked file is never ignored by git, whatever `.gitignore` says (a committed `Procfile` or
`runs/eval_1.json` under an ignored folder), so the file index keeps it. Index versions 2, 3 and 4
are understood, for SHA-1 and SHA-256 repositories; anything unexpected (an unknown version, a
truncated entry, an index over the size limit, a `.git` that leads outside the checked tree) means
"unknown", and `.gitignore` alone decides.
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path

MAX_INDEX_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 1_000_000
_OBJECT_FORMAT = re.compile(r"^\s*objectformat\s*=\s*sha256\s*$", re.IGNORECASE | re.MULTILINE)


def _git_directory(root: Path) -> Path | None:
    dot_git = root / ".git"
    try:
        if dot_git.is_symlink():
            return None
        if dot_git.is_dir():
            return dot_git
        if not dot_git.is_file() or dot_git.stat().st_size > 4096:
            return None
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if not text.startswith("gitdir:"):
            return None
        pointed = Path(text.removeprefix("gitdir:").strip())
        pointed = (pointed if pointed.is_absolute() else root / pointed).resolve()
        return pointed if pointed.is_relative_to(root.resolve()) else None
    except (OSError, RuntimeError, ValueError):
        return None


def _read_bounded(path: Path, limit: int) -> bytes | None:
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > limit:
            return None
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except OSError:
        return None


def parse_index(data: bytes, hash_size: int = 20) -> list[str] | None:
    """The paths of an index file's entries, or None when the data is not an index git wrote."""
    if len(data) < 12 or data[:4] != b"DIRC":
        return None
    version, count = struct.unpack(">II", data[4:12])
    if version not in (2, 3, 4) or count > MAX_ENTRIES:
        return None
    fixed = 40 + hash_size + 2  # stat data, object name, flags
    paths: list[str] = []
    previous = b""
    offset = 12
    for _ in range(count):
        if offset + fixed > len(data):
            return None
        (flags,) = struct.unpack(">H", data[offset + fixed - 2 : offset + fixed])
        start = offset + fixed
        if flags & 0x4000:
            if version < 3:
                return None
            start += 2
        if version == 4:
            strip, start = _varint(data, start)
            if strip is None or strip > len(previous):
                return None
            end = data.find(b"\0", start)
            if end == -1:
                return None
            name = previous[: len(previous) - strip] + data[start:end]
            offset = end + 1
        else:
            length = flags & 0x0FFF
            end = start + length if length < 0x0FFF else data.find(b"\0", start)
            if end == -1 or end >= len(data) or data[end] != 0:
                return None
            name = data[start:end]
            offset += (end - offset + 8) & ~7  # entries are padded with 1-8 NULs to 8 bytes
        previous = name
        paths.append(os.fsdecode(name))
    return paths


def _varint(data: bytes, position: int) -> tuple[int | None, int]:
    """git's offset encoding (as in index v4 path prefixes); (None, position) when truncated."""
    if position >= len(data):
        return None, position
    byte = data[position]
    value = byte & 0x7F
    position += 1
    while byte & 0x80:
        if position >= len(data) or value > 1 << 32:
            return None, position
        byte = data[position]
        position += 1
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, position


def tracked_paths(root: Path) -> frozenset[str] | None:
    """Paths (relative, POSIX) in the repository's own index; None when they cannot be known."""
    git_dir = _git_directory(root)
    if git_dir is None:
        return None
    index = git_dir / "index"
    try:
        if not index.resolve().is_relative_to(root.resolve()):
            return None
    except (OSError, RuntimeError):
        return None
    data = _read_bounded(index, MAX_INDEX_BYTES)
    if data is None or len(data) > MAX_INDEX_BYTES:
        return None
    config = _read_bounded(git_dir / "config", 1024 * 1024) or b""
    hash_size = 32 if _OBJECT_FORMAT.search(config.decode("utf-8", errors="replace")) else 20
    paths = parse_index(data, hash_size)
    return frozenset(paths) if paths is not None else None
