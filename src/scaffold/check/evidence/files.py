"""The file index: every regular file under the root, found once, never following a link."""

from __future__ import annotations

import hashlib
import os
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scaffold.check.evidence.git_index import tracked_paths
from scaffold.check.evidence.ignore import IgnoreSpec, parse_gitignore

DEFAULT_SIZE_LIMIT = 1024 * 1024
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
DEFAULT_FILE_LIMIT = 200_000
_TEXT_CACHE_BUDGET = 32 * 1024 * 1024

# Tool caches, virtual environments and build output: never the author's work.
SKIPPED_DIRECTORIES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".hypothesis",
        ".eggs",
        "site-packages",
        ".ipynb_checkpoints",
        ".idea",
        ".vscode",
        ".cache",
        ".data",
    }
)
BINARY_SUFFIXES = frozenset(
    {
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".webp",
        ".ico",
        ".bmp",
        ".pdf",
        ".zip",
        ".gz",
        ".tgz",
        ".bz2",
        ".xz",
        ".7z",
        ".whl",
        ".pt",
        ".pth",
        ".bin",
        ".safetensors",
        ".gguf",
        ".onnx",
        ".parquet",
        ".arrow",
        ".feather",
        ".npy",
        ".npz",
        ".pkl",
        ".pickle",
        ".so",
        ".dylib",
        ".dll",
        ".exe",
        ".o",
        ".a",
        ".pyc",
        ".db",
        ".sqlite",
        ".mp4",
        ".mov",
        ".webm",
        ".mp3",
        ".wav",
        ".ttf",
        ".woff",
        ".woff2",
        ".jar",
        ".h5",
        ".ckpt",
        ".index",
    }
)


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def read_regular_file(path: str, limit: int) -> bytes | None:
    """At most `limit + 1` bytes of `path`, or None unless it is still a regular file when opened.

    The file is opened without following a link and without blocking (so a FIFO or device that
    replaced a file after the walk is neither followed nor waited on), then checked with fstat."""
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(descriptor)


@dataclass(frozen=True)
class IndexedFile:
    path: str
    size: int

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def suffix(self) -> str:
        name = self.name
        dot = name.rfind(".")
        return name[dot:].lower() if 0 < dot < len(name) - 1 else ""

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.path.split("/"))


@dataclass
class FileIndex:
    """Files under `root` (relative POSIX paths) plus counts of what was skipped and why."""

    root: Path
    size_limit: int = DEFAULT_SIZE_LIMIT
    files: dict[str, IndexedFile] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_examples: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tracked: frozenset[str] | None = None
    """The paths git tracks (its index, read as data); None when the tree is not a git checkout
    or its index cannot be read, so "committed" cannot be told from "present"."""
    _text_cache: dict[str, str | None] = field(default_factory=dict, repr=False)
    _counted: set[tuple[str, str]] = field(default_factory=set, repr=False)
    _cached_bytes: int = field(default=0, repr=False)

    def skip(self, reason: str, path: str) -> None:
        """Count `path` as skipped for `reason` (once per file and reason)."""
        if (reason, path) in self._counted:
            return
        self._counted.add((reason, path))
        self.skipped[reason] += 1
        examples = self.skipped_examples.setdefault(reason, [])
        if len(examples) < 3:
            examples.append(path)

    def __contains__(self, path: object) -> bool:
        return path in self.files

    def __iter__(self) -> Iterator[IndexedFile]:
        return iter(self.files.values())

    def __len__(self) -> int:
        return len(self.files)

    def named(self, *names: str) -> list[IndexedFile]:
        """Files whose base name is one of `names` (case-insensitive), shallowest first."""
        wanted = {name.lower() for name in names}
        found = [f for f in self.files.values() if f.name.lower() in wanted]
        return sorted(found, key=lambda f: (f.path.count("/"), f.path))

    def at_root(self, *names: str) -> IndexedFile | None:
        for found in self.named(*names):
            if "/" not in found.path:
                return found
        return None

    def with_suffix(self, *suffixes: str) -> list[IndexedFile]:
        wanted = {s.lower() for s in suffixes}
        return [f for f in self.files.values() if f.suffix in wanted]

    def readable(self, indexed: IndexedFile) -> bool:
        return indexed.size <= self.size_limit

    def read_text(self, path: str) -> str | None:
        """The file's text, or None when it is missing, too large, binary, not UTF-8 or unreadable.

        Each reason is counted once per file. Small texts are cached within a fixed byte budget,
        so memory stays bounded whatever the repository holds.
        """
        if path in self._text_cache:
            return self._text_cache[path]
        text = self._read_uncached(path)
        size = len(text) if text is not None else 0
        if self._cached_bytes + size <= _TEXT_CACHE_BUDGET:
            self._text_cache[path] = text
            self._cached_bytes += size
        return text

    def read_bytes(self, path: str) -> bytes | None:
        """The raw content of an indexed file within the size limit that is not binary, else None."""
        indexed = self.files.get(path)
        if indexed is None or indexed.size > self.size_limit:
            return None
        data = read_regular_file(os.path.join(self.root, path), self.size_limit)
        if data is None:
            self.skip("unreadable", path)
            return None
        if b"\x00" in data[:8192] and not data.startswith(_UTF16_BOMS):
            self.skip("binary", path)
            return None
        return data

    def sha256(self, path: str, limit: int) -> str | None:
        """SHA-256 of an indexed regular file of at most `limit` bytes (read as any other file:
        no symbolic link followed), else None."""
        indexed = self.files.get(path)
        if indexed is None or indexed.size > limit:
            return None
        data = read_regular_file(os.path.join(self.root, path), limit)
        if data is None or len(data) > limit:
            return None
        return hashlib.sha256(data).hexdigest()

    def cached_text(self, path: str) -> str | None:
        """The text if an earlier read left it in the cache; never reads the disk."""
        return self._text_cache.get(path)

    def _read_uncached(self, path: str) -> str | None:
        data = self.read_bytes(path)
        if data is None:
            return None
        try:
            if data.startswith(_UTF16_BOMS):  # e.g. `pip freeze > requirements.txt` in Windows PowerShell
                return data.decode("utf-16")
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.skip("not UTF-8", path)
            return None

    def texts(self, files: Iterable[IndexedFile]) -> Iterator[tuple[IndexedFile, str]]:
        for indexed in files:
            text = self.read_text(indexed.path)
            if text is not None:
                yield indexed, text


def build_file_index(
    root: Path,
    *,
    size_limit: int = DEFAULT_SIZE_LIMIT,
    file_limit: int = DEFAULT_FILE_LIMIT,
    exclude: list[str] | None = None,
) -> FileIndex:
    """Walk `root` once. Links are never followed (so loops and links leaving the repository
    cannot be reached); tool caches, virtual environments, paths in the root `.gitignore` that git
    does not track, and `exclude` are left out; files over `size_limit` are indexed but never read."""
    index = FileIndex(root=root, size_limit=size_limit)
    ignored = parse_gitignore(_root_gitignore(root, size_limit))
    excluded = parse_gitignore("\n".join(exclude or []))
    index.notes.extend(ignored.notes + excluded.notes)
    index.tracked = tracked_paths(root)
    if index.tracked:
        _index_tracked(index, sorted(index.tracked), excluded, file_limit)
        return index
    tracked: frozenset[str] = index.tracked or frozenset()
    tracked_directories: set[str] = set()
    if ignored:
        for path in tracked:
            parts = path.split("/")
            tracked_directories.update("/".join(parts[:k]) for k in range(1, len(parts)))
    # Each directory to read: its path, its relative prefix, and whether `.gitignore` ignores it
    # (it is entered only for the tracked files below it, and only those are kept).
    stack: list[tuple[str, str, bool]] = [(str(root), "", False)]
    while stack:
        directory, prefix, inside_ignored = stack.pop()
        try:
            with os.scandir(directory) as entries:
                listing = sorted(entries, key=lambda e: e.name)
        except OSError:
            index.skip("unreadable directory", prefix or ".")
            continue
        for entry in listing:
            relative = f"{prefix}{entry.name}"
            try:
                if entry.is_symlink():
                    index.skip("symlink (not followed)", relative)
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if entry.name in SKIPPED_DIRECTORIES or entry.name.endswith(".egg-info"):
                        continue
                    if excluded and excluded.matches(relative, True):
                        continue
                    below_ignored = inside_ignored or bool(ignored and ignored.matches(relative, True))
                    if below_ignored and relative not in tracked_directories:
                        continue
                    stack.append((entry.path, relative + "/", below_ignored))
                    continue
                info = entry.stat(follow_symlinks=False)
            except OSError:
                index.skip("unreadable", relative)
                continue
            if not stat.S_ISREG(info.st_mode):
                index.skip("not a regular file", relative)
                continue
            if excluded and excluded.matches(relative, False):
                continue
            if (inside_ignored or (ignored and ignored.matches(relative, False))) and relative not in tracked:
                continue
            if len(index.files) >= file_limit:
                index.skip("over the file limit", relative)
                continue
            if info.st_size > size_limit:
                index.skip(f"over {size_limit // 1024} KiB", relative)
            index.files[relative] = IndexedFile(relative, info.st_size)
    return index


def _index_tracked(index: FileIndex, paths: list[str], excluded: IgnoreSpec, file_limit: int) -> None:
    """Index git's own list of tracked files (git has applied every `.gitignore` already). The list
    comes from a file in the tree, so each path is checked: no absolute or `..` parts, and no
    folder on the way that is a link (a tracked `a/b` below a link `a` would lead out of the tree)."""
    folders: dict[str, bool] = {"": True}
    for relative in paths:
        parts = relative.split("/")
        if not relative or relative.startswith("/") or any(part in ("", ".", "..") for part in parts):
            index.skip("unsafe path in the git index", relative)
            continue
        if any(part in SKIPPED_DIRECTORIES or part.endswith(".egg-info") for part in parts[:-1]):
            continue
        if excluded and excluded.matches(relative, False):
            continue
        if not _real_folder(index.root, parts[:-1], folders):
            index.skip("below a symlink or missing folder (not followed)", relative)
            continue
        try:
            info = os.lstat(index.root / relative)
        except OSError:
            continue  # tracked but deleted from the work tree
        if stat.S_ISLNK(info.st_mode):
            index.skip("symlink (not followed)", relative)
            continue
        if not stat.S_ISREG(info.st_mode):
            index.skip("not a regular file", relative)
            continue
        if len(index.files) >= file_limit:
            index.skip("over the file limit", relative)
            continue
        if info.st_size > index.size_limit:
            index.skip(f"over {index.size_limit // 1024} KiB", relative)
        index.files[relative] = IndexedFile(relative, info.st_size)


def _real_folder(root: Path, parts: list[str], known: dict[str, bool]) -> bool:
    """Whether every folder in `parts` is a real directory, not a link (memoised per prefix)."""
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        if prefix not in known:
            try:
                mode = os.lstat(root / prefix).st_mode
            except OSError:
                mode = 0
            known[prefix] = stat.S_ISDIR(mode)
        if not known[prefix]:
            return False
    return True


def _root_gitignore(root: Path, size_limit: int) -> str:
    path = root / ".gitignore"
    data = read_regular_file(str(path), size_limit)
    if data is None or len(data) > size_limit:
        return ""
    return data.decode("utf-8", errors="replace")
