"""Build the retrieval corpus from the running interpreter's standard library docstrings.

One JSON line per public module, class, function and method of a fixed list of standard
library modules, keeping only objects whose own docstring is long enough to be useful:

    {"doc_id": "json.dumps", "title": "json.dumps(obj, *, ...)", "source": "python-3.11-stdlib",
     "url": "https://docs.python.org/3.11/library/json.html#json.dumps",
     "text": "<signature line>\n\n<cleaned docstring>"}

Docstrings change between Python versions, so the output depends on the interpreter that
runs this script. Records are sorted by doc_id, which makes the output deterministic for a
given interpreter.

Usage:
    python scripts/build_corpus.py --out data/corpus/python-stdlib.jsonl
    python scripts/build_corpus.py --modules json csv pathlib --out /tmp/small.jsonl
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

DEFAULT_MODULES: tuple[str, ...] = (
    "abc",
    "argparse",
    "array",
    "ast",
    "asyncio",
    "base64",
    "bisect",
    "builtins",
    "bz2",
    "calendar",
    "codecs",
    "collections",
    "collections.abc",
    "concurrent.futures",
    "configparser",
    "contextlib",
    "contextvars",
    "copy",
    "cProfile",
    "csv",
    "dataclasses",
    "datetime",
    "decimal",
    "difflib",
    "doctest",
    "email.message",
    "email.utils",
    "enum",
    "filecmp",
    "fnmatch",
    "fractions",
    "functools",
    "getpass",
    "gettext",
    "glob",
    "graphlib",
    "gzip",
    "hashlib",
    "heapq",
    "hmac",
    "html",
    "html.parser",
    "http.client",
    "http.server",
    "importlib",
    "importlib.metadata",
    "inspect",
    "io",
    "ipaddress",
    "itertools",
    "json",
    "locale",
    "logging",
    "logging.handlers",
    "lzma",
    "math",
    "mimetypes",
    "numbers",
    "operator",
    "os",
    "os.path",
    "pathlib",
    "pickle",
    "pkgutil",
    "platform",
    "pprint",
    "pstats",
    "queue",
    "random",
    "re",
    "sched",
    "secrets",
    "selectors",
    "shelve",
    "shlex",
    "shutil",
    "signal",
    "smtplib",
    "socket",
    "sqlite3",
    "stat",
    "statistics",
    "string",
    "struct",
    "subprocess",
    "sys",
    "tarfile",
    "tempfile",
    "textwrap",
    "threading",
    "time",
    "timeit",
    "tomllib",
    "traceback",
    "types",
    "typing",
    "unittest",
    "unittest.mock",
    "urllib.parse",
    "urllib.request",
    "uuid",
    "warnings",
    "weakref",
    "xml.etree.ElementTree",
    "zipfile",
    "zlib",
)

SOURCE = "python-{major}.{minor}-stdlib"
DOCS_BASE = "https://docs.python.org/{major}.{minor}/library/"
MIN_DOC_CHARS = 120
MAX_TITLE_CHARS = 160

# Modules whose documentation page is not named after the module.
DOC_PAGE_BY_MODULE: dict[str, str] = {
    "builtins": "functions",
    "xml.etree.ElementTree": "xml.etree.elementtree",
}

# Objects re-exported by a package but documented on a page of their own.
DOC_PAGE_BY_DEFINING_MODULE: dict[str, str] = {
    "asyncio.base_events": "asyncio-eventloop",
    "asyncio.events": "asyncio-eventloop",
    "asyncio.exceptions": "asyncio-exceptions",
    "asyncio.futures": "asyncio-future",
    "asyncio.locks": "asyncio-sync",
    "asyncio.queues": "asyncio-queue",
    "asyncio.runners": "asyncio-runner",
    "asyncio.streams": "asyncio-stream",
    "asyncio.subprocess": "asyncio-subprocess",
    "asyncio.taskgroups": "asyncio-task",
    "asyncio.tasks": "asyncio-task",
    "asyncio.threads": "asyncio-task",
    "asyncio.timeouts": "asyncio-task",
}

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    source: str
    url: str
    text: str

    def to_json(self) -> str:
        record = {
            "doc_id": self.doc_id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "text": self.text,
        }
        return json.dumps(record, ensure_ascii=False)


def own_docstring(obj: object) -> str:
    """The object's own docstring, cleaned; empty when it has none of its own."""
    doc = getattr(obj, "__doc__", None)
    if not isinstance(doc, str):
        return ""
    if isinstance(obj, type) and doc == type.__doc__:
        return ""
    cleaned = inspect.cleandoc(doc)
    cleaned = "\n".join(line.rstrip() for line in cleaned.splitlines())
    return _MANY_BLANK_LINES.sub("\n\n", cleaned).strip()


def signature_text(obj: object) -> str:
    """The call signature, e.g. '(obj, *, skipkeys=False)'; empty when it is unknown."""
    try:
        text = str(inspect.signature(obj))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return _ADDRESS.sub("", text)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def public_names(module: ModuleType) -> list[str]:
    """Public member names; an object exported under several names keeps its own name."""
    exported = getattr(module, "__all__", None)
    candidates = sorted(set(exported) if exported is not None else set(dir(module)))
    chosen: dict[int, str] = {}
    for name in candidates:
        if name.startswith("_"):
            continue
        obj = getattr(module, name, None)
        key = id(obj)
        if key not in chosen or getattr(obj, "__name__", None) == name:
            chosen[key] = name
    return sorted(chosen.values())


def belongs_to(obj: object, module: ModuleType) -> bool:
    """Whether a member is defined by the module (or the private modules behind it)."""
    if getattr(module, "__all__", None) is not None:
        return True
    owner = getattr(obj, "__module__", None)
    if owner is None:
        return True
    name = module.__name__
    return owner in (name, f"_{name}") or owner.startswith(f"{name}.")


def is_documentable(obj: object) -> bool:
    return inspect.isclass(obj) or callable(obj)


def module_location(module_name: str) -> tuple[str, str]:
    """(page, anchor) of a module's entry in the official documentation."""
    return DOC_PAGE_BY_MODULE.get(module_name, module_name), f"module-{module_name}"


def doc_location(module_name: str, obj: object, doc_id: str) -> tuple[str, str]:
    """(page, anchor) of a member's entry in the official documentation (best effort).

    ``obj`` is the module-level object: the function or class itself, or the class that
    defines a method.
    """
    if module_name == "builtins":
        name = doc_id.removeprefix("builtins.")
        if "." in name:
            return "stdtypes", name
        if isinstance(obj, type) and issubclass(obj, BaseException):
            return "exceptions", name
        return "functions", name
    defining = getattr(obj, "__module__", None) or ""
    default = DOC_PAGE_BY_MODULE.get(module_name, module_name)
    return DOC_PAGE_BY_DEFINING_MODULE.get(defining, default), doc_id


def make_document(
    doc_id: str,
    display: str,
    signature: str,
    body: str,
    location: tuple[str, str],
    version: tuple[int, int],
) -> Document:
    major, minor = version
    page, anchor = location
    heading = f"{display}{signature}"
    return Document(
        doc_id=doc_id,
        title=shorten(heading, MAX_TITLE_CHARS),
        source=SOURCE.format(major=major, minor=minor),
        url=f"{DOCS_BASE.format(major=major, minor=minor)}{page}.html#{anchor}",
        text=f"{heading}\n\n{body}",
    )


def class_members(cls: type) -> Iterator[tuple[str, object]]:
    """Public methods and properties defined on the class itself (not inherited)."""
    for name, raw in sorted(vars(cls).items()):
        if name.startswith("_"):
            continue
        member = raw.__func__ if isinstance(raw, (classmethod, staticmethod)) else raw
        if isinstance(member, property) or callable(member):
            if inspect.isclass(member):
                continue
            yield name, member


def class_body(cls: type) -> str:
    """The class docstring, followed by the constructor's when it documents more."""
    body = own_docstring(cls)
    init = vars(cls).get("__init__")
    init_doc = own_docstring(init) if init is not None else ""
    if init_doc and init_doc not in body and not init_doc.startswith("Initialize self."):
        body = f"{body}\n\n{init_doc}".strip()
    return body


def module_documents(module_name: str, version: tuple[int, int]) -> Iterator[Document]:
    module = importlib.import_module(module_name)
    module_doc = own_docstring(module)
    if len(module_doc) >= MIN_DOC_CHARS:
        location = module_location(module_name)
        yield make_document(module_name, f"module {module_name}", "", module_doc, location, version)
    for name in public_names(module):
        try:
            obj = getattr(module, name)
        except AttributeError:
            continue
        if inspect.ismodule(obj) or not is_documentable(obj) or not belongs_to(obj, module):
            continue
        qualified = f"{module_name}.{name}"
        location = doc_location(module_name, obj, qualified)
        if not inspect.isclass(obj):
            body = own_docstring(obj)
            if len(body) >= MIN_DOC_CHARS:
                signature = signature_text(obj)
                yield make_document(qualified, qualified, signature, body, location, version)
            continue
        body = class_body(obj)
        if len(body) >= MIN_DOC_CHARS:
            signature = signature_text(obj)
            yield make_document(qualified, f"class {qualified}", signature, body, location, version)
        for member_name, member in class_members(obj):
            member_doc = own_docstring(member)
            if len(member_doc) < MIN_DOC_CHARS:
                continue
            member_id = f"{qualified}.{member_name}"
            signature = "" if isinstance(member, property) else signature_text(member)
            member_location = doc_location(module_name, obj, member_id)
            yield make_document(member_id, member_id, signature, member_doc, member_location, version)


def build(module_names: list[str]) -> list[Document]:
    """Documents for the given modules, one per doc_id, sorted by doc_id.

    The same object can be reachable under two names (an alias); it is kept once, under
    the first name seen in the sorted module/name order.
    """
    version = (sys.version_info.major, sys.version_info.minor)
    by_id: dict[str, Document] = {}
    seen_text: set[str] = set()
    for module_name in sorted(module_names):
        for document in module_documents(module_name, version):
            body = document.text.split("\n\n", 1)[-1]
            if document.doc_id in by_id or body in seen_text:
                continue
            by_id[document.doc_id] = document
            seen_text.add(body)
    return [by_id[doc_id] for doc_id in sorted(by_id)]


def module_of(doc_id: str, module_names: list[str]) -> str:
    """The longest listed module name that prefixes the doc_id."""
    matches = [m for m in module_names if doc_id == m or doc_id.startswith(f"{m}.")]
    return max(matches, key=len) if matches else doc_id.split(".", 1)[0]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("data/corpus/python-stdlib.jsonl"),
        help="output JSON Lines file (default: %(default)s)",
    )
    parser.add_argument(
        "--modules",
        nargs="+",
        default=list(DEFAULT_MODULES),
        metavar="MODULE",
        help="standard library modules to document (default: the built-in list)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    module_names: list[str] = list(args.modules)
    documents = build(module_names)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="\n") as handle:
        for document in documents:
            handle.write(document.to_json() + "\n")

    per_module = Counter(module_of(d.doc_id, module_names) for d in documents)
    total_chars = sum(len(d.text) for d in documents)
    print(f"wrote {args.out}")
    print(f"python {sys.version.split()[0]}")
    print(f"documents: {len(documents)}")
    print(f"characters: {total_chars}")
    print(f"modules: {len(per_module)}")
    for name, count in sorted(per_module.items()):
        print(f"  {name:<20} {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
