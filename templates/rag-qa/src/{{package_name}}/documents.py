"""Load stage: documents from the shipped corpus (JSONL) or from a folder of .md/.txt/.html/.pdf.

Files that cannot be read as text are skipped and reported, never silently dropped. A Markdown
page's YAML front matter (the ``---`` block static-site generators read) is metadata, not text: its
``title`` names the document and its ``description`` leads the text; the rest is dropped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import yaml

from .errors import UserError

MARKDOWN_SUFFIXES = {".md", ".markdown"}
TEXT_SUFFIXES = MARKDOWN_SUFFIXES | {".txt", ".rst"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf"}
TITLE_CHARS = 120
# A front matter block: "---" on the first line, up to the next line of "---" (or "..."), at most 16 KB.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.{0,16384}?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)


class DataError(UserError):
    """Input data that cannot be used; the message says which file and why."""


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    text: str
    source: str = ""
    url: str = ""


@dataclass
class LoadReport:
    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


def load_corpus_jsonl(path: Path) -> list[Document]:
    """Read a corpus file with one JSON document per line (doc_id, title, text, source, url)."""
    if not path.is_file():
        raise DataError(f"Corpus file {path} does not exist; run `make data` or set CORPUS_PATH.")
    documents = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                doc = Document(
                    doc_id=str(record["doc_id"]),
                    title=str(record.get("title") or record["doc_id"]),
                    text=str(record["text"]),
                    source=str(record.get("source", "")),
                    url=str(record.get("url", "")),
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise DataError(f"{path}:{number}: not a corpus record ({exc}).") from None
            if doc.doc_id in seen:
                raise DataError(f"{path}:{number}: duplicate doc_id {doc.doc_id!r}.")
            seen.add(doc.doc_id)
            documents.append(doc)
    if not documents:
        raise DataError(f"Corpus file {path} holds no documents.")
    return documents


def load_folder(folder: Path, max_file_bytes: int = 20_000_000) -> LoadReport:
    """Load every supported file below ``folder``; unsupported, binary or unreadable files are
    skipped with a reason. Raises DataError when the folder is missing or yields nothing."""
    if not folder.exists():
        raise DataError(f"Data folder {folder} does not exist.")
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder; pass a folder of .md/.txt/.html/.pdf files.")
    report = LoadReport()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            report.skipped.append((relative, f"unsupported type {path.suffix or '(none)'}"))
            continue
        try:
            if path.stat().st_size > max_file_bytes:
                report.skipped.append((relative, f"larger than {max_file_bytes} bytes"))
                continue
            text = _read_text(path)
        except (OSError, DataError) as exc:
            report.skipped.append((relative, str(exc)))
            continue
        title: str | None = None
        if path.suffix.lower() in MARKDOWN_SUFFIXES:
            title, text = split_front_matter(text)
        if not text.strip():
            report.skipped.append((relative, "no text"))
            continue
        report.documents.append(
            Document(doc_id=relative, title=title or _title(text, path), text=text, source=str(folder), url=relative)
        )
    if not report.documents:
        detail = f" ({len(report.skipped)} files skipped)" if report.skipped else ""
        raise DataError(f"No readable .md/.txt/.html/.pdf files in {folder}{detail}.")
    return report


def _read_text(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _read_pdf(path)
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise DataError("binary content")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError("not UTF-8 text") from None
    return _html_to_text(text) if suffix in HTML_SUFFIXES else text


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise DataError(f"unreadable PDF ({exc})") from None


class _TextExtractor(HTMLParser):
    _SKIP = frozenset({"script", "style", "nav", "footer"})
    _BLOCK = frozenset({"p", "div", "li", "br", "tr", "pre", "section", "article"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in {"h1", "h2", "h3", "h4"}:
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(lines).strip()


def split_front_matter(text: str) -> tuple[str | None, str]:
    """(the front matter's title, the text without its front matter); text that opens with no
    front matter, or with a block that is not a YAML mapping, comes back unchanged."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, text
    try:
        meta = yaml.safe_load(match.group(1))
    except (yaml.YAMLError, RecursionError):
        return None, text
    if not isinstance(meta, dict):
        return None, text
    body = text[match.end() :].lstrip("\r\n")
    title, description = meta.get("title"), meta.get("description")
    if isinstance(description, str) and description.strip():
        body = f"{description.strip()}\n\n{body}"
    title = title.strip()[:TITLE_CHARS] if isinstance(title, str) else ""
    return title or None, body


def _title(text: str, path: Path) -> str:
    for line in text.splitlines():
        stripped = line.strip().lstrip("#").strip()
        if stripped:
            return stripped[:TITLE_CHARS]
    return path.stem
