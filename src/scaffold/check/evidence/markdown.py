"""README parsing: sections, pipe tables, code blocks, links and prose, each with its line number."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from scaffold.check.evidence.files import FileIndex

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_MAX_LINE = 4000
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([\w+-]*)")
_TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LINK = re.compile(r"(!?)\[([^\]\n]{0,500})\]\(\s*<?([^)\s>]{1,2000})>?(?:\s+\"[^\"]{0,500}\")?\s*\)")
_BARE_URL = re.compile(r"(?<![(<\"'])\bhttps?://[^\s)<>\]\"']+")
_HTML_COMMENT = re.compile(r"<!--.*?-->")
# HTML a README may use instead of Markdown (bounded repetitions: a line is at most _MAX_LINE).
_HTML_IMG = re.compile(r"<img\b([^>]{0,1000})>", re.I)
_HTML_ANCHOR = re.compile(r"<a\b([^>]{0,1000})>(.{0,1000}?)</a\s*>", re.I)
_HTML_ATTRIBUTE = re.compile(r"\b(src|href|alt)\s*=\s*(?:\"([^\"]{0,2000})\"|'([^']{0,2000})'|([^\s>]{1,2000}))", re.I)
_HTML_TAG = re.compile(r"<[^>]{0,1000}>")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'+-]*")


@dataclass(frozen=True)
class Cell:
    text: str
    line: int
    column: int


@dataclass(frozen=True)
class Table:
    line: int
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def cells(self) -> list[Cell]:
        return [cell for row in self.rows for cell in row]


@dataclass(frozen=True)
class CodeBlock:
    line: int
    language: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Link:
    line: int
    text: str
    target: str
    is_image: bool


@dataclass
class Section:
    """A heading and everything under it up to the next heading of the same or a higher level."""

    title: str
    level: int
    line: int
    end_line: int = 0
    prose: list[tuple[int, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    code_blocks: list[CodeBlock] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    def prose_text(self) -> str:
        return "\n".join(text for _, text in self.prose)

    def word_count(self) -> int:
        return len(_WORD.findall(self.prose_text()))

    def has_content(self) -> bool:
        """True when the section says something: a few sentences, a table, a code block or an image."""
        return (
            self.word_count() >= 12
            or any(table.rows for table in self.tables)
            or any(block.lines for block in self.code_blocks)
            or any(link.is_image for link in self.links)
        )


@dataclass
class Markdown:
    path: str
    lines: list[str]
    sections: list[Section]
    tables: list[Table]
    code_blocks: list[CodeBlock]
    links: list[Link]
    prose: list[tuple[int, str]]

    def sections_titled(self, pattern: re.Pattern[str]) -> list[Section]:
        return [section for section in self.sections if pattern.search(section.title)]

    def prose_text(self) -> str:
        return "\n".join(text for _, text in self.prose)

    def word_count(self) -> int:
        return len(_WORD.findall(self.prose_text()))

    def find_lines(self, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
        """Prose lines (outside code blocks and comments) that match `pattern`."""
        return [(number, text) for number, text in self.prose if pattern.search(text)]


def _attributes(tag: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _HTML_ATTRIBUTE.finditer(tag):
        found.setdefault(match.group(1).lower(), match.group(2) or match.group(3) or match.group(4) or "")
    return found


def _links(text: str, number: int) -> list[Link]:
    """Markdown links and images, HTML ``<a href>`` and ``<img src>``, and bare URLs in one line."""
    links: list[Link] = []
    if "](" in text:
        for match in _LINK.finditer(text):
            links.append(Link(number, match.group(2), match.group(3), match.group(1) == "!"))
        text = _LINK.sub(" ", text)
    if "<" in text:
        for match in _HTML_ANCHOR.finditer(text):
            href = _attributes(match.group(1)).get("href")
            inner = match.group(2)
            label = " ".join(
                [
                    _HTML_TAG.sub(" ", inner),
                    *(_attributes(m.group(1)).get("alt", "") for m in _HTML_IMG.finditer(inner)),
                ]
            )
            if href:
                links.append(Link(number, " ".join(label.split()), href, False))
        for match in _HTML_IMG.finditer(text):
            attributes = _attributes(match.group(1))
            if attributes.get("src"):
                links.append(Link(number, attributes.get("alt", ""), attributes["src"], True))
        text = _HTML_TAG.sub(" ", text)
    if "http" in text:
        for match in _BARE_URL.finditer(text):
            links.append(Link(number, "", match.group(0).rstrip(".,;"), False))
    return links


def _split_row(line: str) -> list[tuple[str, int]]:
    stripped = line.strip()
    if stripped.startswith("|"):
        stripped = stripped[1:]
    if stripped.endswith("|") and not stripped.endswith("\\|"):
        stripped = stripped[:-1]
    cells: list[tuple[str, int]] = []
    current: list[str] = []
    for char_index, char in enumerate(stripped):
        if char == "|" and (char_index == 0 or stripped[char_index - 1] != "\\"):
            cells.append(("".join(current).strip(), len(cells)))
            current = []
        else:
            current.append(char)
    cells.append(("".join(current).strip(), len(cells)))
    return cells


def parse_markdown(path: str, text: str) -> Markdown:
    lines = text.splitlines()
    doc = Markdown(path, lines, [], [], [], [], [])
    open_sections: list[Section] = []
    fence: str | None = None
    fence_block: tuple[int, str, list[str]] | None = None
    in_comment = False
    index = 0

    def attach(kind: str, item: Table | CodeBlock | Link | tuple[int, str]) -> None:
        for section in open_sections:
            if kind == "table" and isinstance(item, Table):
                section.tables.append(item)
            elif kind == "code" and isinstance(item, CodeBlock):
                section.code_blocks.append(item)
            elif kind == "link" and isinstance(item, Link):
                section.links.append(item)
            elif kind == "prose" and isinstance(item, tuple):
                section.prose.append(item)

    while index < len(lines):
        number = index + 1
        # Pathological lines (minified HTML, generated blobs) are cut so every pattern stays linear.
        line = lines[index][:_MAX_LINE]
        if fence is not None and fence_block is not None:
            if line.strip().startswith(fence) and line.strip().strip(fence[0]) == "":
                block = CodeBlock(fence_block[0], fence_block[1], tuple(fence_block[2]))
                doc.code_blocks.append(block)
                attach("code", block)
                fence, fence_block = None, None
            else:
                fence_block[2].append(line)
            index += 1
            continue
        if in_comment:
            if "-->" in line:
                in_comment = False
            index += 1
            continue
        fence_match = _FENCE.match(line)
        if fence_match:
            fence = fence_match.group(1)[0] * 3
            fence_block = (number, fence_match.group(2).lower(), [])
            index += 1
            continue
        visible = _HTML_COMMENT.sub("", line)
        if "<!--" in visible:
            visible = visible.split("<!--", 1)[0]
            in_comment = True
        heading = _HEADING.match(visible)
        if heading:
            level = len(heading.group(1))
            while open_sections and open_sections[-1].level >= level:
                open_sections.pop().end_line = number - 1
            section = Section(heading.group(2).strip(), level, number)
            doc.sections.append(section)
            open_sections.append(section)
            index += 1
            continue
        if (
            "|" in visible
            and index + 1 < len(lines)
            and _TABLE_DELIMITER.match(lines[index + 1][:_MAX_LINE])
            and "-" in lines[index + 1]
        ):
            header = tuple(text for text, _ in _split_row(visible))
            rows: list[tuple[Cell, ...]] = []
            index += 2
            while index < len(lines) and "|" in lines[index] and lines[index].strip():
                row_line = index + 1
                rows.append(tuple(Cell(t, row_line, c) for t, c in _split_row(lines[index][:_MAX_LINE])))
                index += 1
            table = Table(number, header, tuple(rows))
            doc.tables.append(table)
            attach("table", table)
            for cell in (cell for row in ((Cell(t, number, c) for t, c in _split_row(visible)), *rows) for cell in row):
                for link in _links(cell.text, cell.line):  # links inside table cells count too
                    doc.links.append(link)
                    attach("link", link)
            continue
        for link in _links(visible, number):
            doc.links.append(link)
            attach("link", link)
        if visible.strip():
            entry = (number, visible)
            doc.prose.append(entry)
            attach("prose", entry)
        index += 1
    if fence_block is not None:
        block = CodeBlock(fence_block[0], fence_block[1], tuple(fence_block[2]))
        doc.code_blocks.append(block)
        attach("code", block)
    for section in open_sections:
        section.end_line = len(lines)
    return doc


_DOCUMENT_SUFFIXES = (".md", ".markdown")


def linked_documents(readme: Markdown, files: FileIndex) -> list[str]:
    """Repository paths of the Markdown documents `readme` links to (relative links only; a link to
    a folder means its README.md), in the order they are linked, each once."""
    base = readme.path.rpartition("/")[0]
    found: list[str] = []
    for link in readme.links:
        target = link.target.split("#", 1)[0].split("?", 1)[0].strip()
        if link.is_image or not target or "://" in target or target.startswith(("/", "mailto:")):
            continue
        parts: list[str] = [p for p in base.split("/") if p]
        for part in unquote(target).split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                if not parts:
                    break
                parts.pop()
            else:
                parts.append(part)
        else:
            path = "/".join(parts)
            if not path.lower().endswith(_DOCUMENT_SUFFIXES):
                path = f"{path}/README.md" if path else "README.md"
            if path != readme.path and path in files and path not in found:
                found.append(path)
    return found
