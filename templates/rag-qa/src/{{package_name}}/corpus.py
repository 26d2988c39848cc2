"""Make the corpus yours: a folder (.md/.txt/.html/.pdf) or a JSONL file becomes the project's corpus.

``import_corpus`` writes ``data/corpus/<name>.jsonl`` (one document per line; a folder's documents
are identified by their path relative to it) and its dataset card ``data/corpus/card.json``: name,
source, licence, counts and the content hash. From then on the settings name that corpus and a
collection of its own, so no command mixes in the example. The example (the Python documentation
and its questions) is moved to ``.data/example/`` (kept, never deleted), the example's results go to
``results/previous/<example>/`` and the README's problem-and-dataset section is rendered from the
card. Until the card is written the project is unchanged; the steps after it are repeatable.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .documents import DataError, Document, load_corpus_jsonl, load_folder
from .results import BASELINE_PATH, RESULTS_DIR, replace_block, set_aside, with_opening, write_text_atomic

CORPUS_DIR = Path("data/corpus")
CARD_PATH = CORPUS_DIR / "card.json"
EXAMPLE_NAME = "python-stdlib-3.11"
EXAMPLE_COLLECTION = "docs"
EXAMPLE_FILES = (CORPUS_DIR / f"{EXAMPLE_NAME}.jsonl", CORPUS_DIR / "LICENSE-PSF.txt", CORPUS_DIR / "README.md")
EXAMPLE_ARCHIVE = Path(".data/example")
GOLDEN_PATH = Path("evals/golden.jsonl")
MAX_DOCUMENTS = 500_000
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class DatasetCard:
    name: str
    title: str
    source: str
    licence: str
    file: str
    documents: int
    characters: int
    sha256: str
    created_utc: str
    skipped: int = 0
    description: str = ""

    @property
    def collection(self) -> str:
        """The collection this corpus is indexed into (a name of its own: never the example's)."""
        return self.name.replace("-", "_")


def load_card(path: Path = CARD_PATH) -> DatasetCard | None:
    """The project's dataset card, or None while the project still runs on the example."""
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return DatasetCard(**{key: raw[key] for key in DatasetCard.__dataclass_fields__ if key in raw})
    except (ValueError, TypeError) as exc:
        raise DataError(f"{path} is not a dataset card ({exc}); run `make corpus` again.") from None


@dataclass
class ImportResult:
    card: DatasetCard
    skipped: list[tuple[str, str]]
    retired: list[str]
    set_aside: list[str]


def import_corpus(
    source: Path,
    *,
    name: str,
    licence: str,
    origin: str | None = None,
    title: str | None = None,
    description: str = "",
    max_file_bytes: int = 20_000_000,
    readme: Path = Path("README.md"),
    results_dir: Path = RESULTS_DIR,
) -> ImportResult:
    """Turn ``source`` (a folder or a corpus JSONL) into the project's corpus; see the module doc."""
    if not _NAME.match(name):
        raise DataError(f"NAME {name!r} must be lowercase letters, digits and '-', starting with a letter (≤ 40).")
    if not licence.strip():
        raise DataError("LICENCE is required: say under which terms the documents may be used (e.g. CC-BY-4.0).")
    if name in (EXAMPLE_NAME, EXAMPLE_COLLECTION):
        raise DataError(f"{name} is the example's name; choose a name for your corpus.")
    skipped: list[tuple[str, str]] = []
    if source.is_dir():
        report = load_folder(source, max_file_bytes)
        documents, skipped = report.documents, report.skipped
    elif source.suffix == ".jsonl":
        documents = load_corpus_jsonl(source)
    elif source.exists():
        raise DataError(f"{source} is neither a folder nor a .jsonl corpus file.")
    else:
        raise DataError(f"{source} does not exist.")
    if len(documents) > MAX_DOCUMENTS:
        raise DataError(f"{source} holds {len(documents):,} documents; the limit is {MAX_DOCUMENTS:,}.")
    target = CORPUS_DIR / f"{name}.jsonl"
    payload = "".join(json.dumps(_record(d, name), ensure_ascii=False) + "\n" for d in documents)
    write_text_atomic(target, payload)
    card = DatasetCard(
        name=name,
        title=(title or name.replace("-", " ")).strip()[:120],
        source=(origin or str(source)).strip()[:300],
        licence=licence.strip()[:120],
        file=target.as_posix(),
        documents=len(documents),
        characters=sum(len(d.text) for d in documents),
        sha256=hashlib.sha256(payload.encode("utf-8")).hexdigest(),
        created_utc=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        skipped=len(skipped),
        description=description.strip()[:400],
    )
    # The card is the commit point: from here on the settings name the new corpus. The steps after
    # it only tidy up, and `make corpus` run again finishes them if they were interrupted.
    write_text_atomic(CARD_PATH, json.dumps(asdict(card), indent=2) + "\n")
    retired = _retire_example(card)
    write_text_atomic(CORPUS_DIR / "README.md", f"# {card.title}\n\n{corpus_markdown(card)}\n")
    moved = set_aside(
        lambda run: _measured_on(run, card),
        EXAMPLE_NAME,
        f"_Not measured on {card.title} yet: run `make eval` (earlier results are in `results/previous/`)._",
        results_dir=results_dir,
        readme=readme,
        baseline=BASELINE_PATH,
    )
    if readme.is_file():
        text = readme.read_text(encoding="utf-8")
        for block, render in (("corpus", corpus_markdown), ("licence", licence_markdown)):
            if f"<!-- results:{block} -->" in text:
                text = replace_block(text, block, render(card))
        if card.description:
            text = with_opening(text, card.description)
        if "<!-- results:example-findings -->" in text:  # what only the example's numbers showed
            text = replace_block(text, "example-findings", FINDINGS_NOTE.format(title=card.title))
        write_text_atomic(readme, text)
    return ImportResult(card, skipped, retired, moved)


FINDINGS_NOTE = (
    "_Write here which of your questions fail and why (the table above and `results/eval_cases.jsonl` show "
    "them): what only your numbers on {title} show._"
)


def licence_markdown(card: DatasetCard) -> str:
    """The README's licence line for the data, from the card."""
    return f"The corpus, {card.title}, comes from {card.source}; its licence: {card.licence}."


def _record(document: Document, name: str) -> dict[str, str]:
    return {
        "doc_id": document.doc_id,
        "title": document.title,
        "text": document.text,
        "source": name,
        "url": document.url,
    }


def _measured_on(run: Mapping[str, Any], card: DatasetCard) -> bool:
    """Whether a run used this corpus: its config names the corpus's own collection."""
    config = run.get("config") or {}
    return config.get("collection") == card.collection


def _retire_example(card: DatasetCard) -> list[str]:
    """Move the example corpus, and a golden set none of whose sources are in the new corpus, to
    .data/example/ (the project's own data directory, not part of the repository)."""
    moved = []
    if EXAMPLE_FILES[0].is_file():  # the example is still in place (its README too, then)
        for path in EXAMPLE_FILES:
            if path.is_file():
                _move(path, EXAMPLE_ARCHIVE / path.name)
                moved.append(path.as_posix())
    if GOLDEN_PATH.is_file() and not _cites(GOLDEN_PATH, Path(card.file)):
        _move(GOLDEN_PATH, EXAMPLE_ARCHIVE / GOLDEN_PATH.name)
        moved.append(GOLDEN_PATH.as_posix())
    return moved


def _cites(golden: Path, corpus: Path) -> bool:
    ids = {json.loads(line)["doc_id"] for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()}
    for line in golden.read_text(encoding="utf-8").splitlines():
        try:
            sources = json.loads(line).get("source_ids") or []
        except (ValueError, AttributeError):
            continue
        if any(source in ids for source in sources):
            return True
    return False


def corpus_markdown(card: DatasetCard) -> str:
    """The README's problem-and-dataset text, from the card (the numbers are the card's)."""
    lines = []
    if card.description:
        lines += [card.description, ""]
    lines += [
        f"- **Corpus**: {card.title}: **{card.documents:,} documents** ({card.characters:,} characters) from "
        f"{card.source}, licence {card.licence}. It is `{card.file}`, one document per line; a document's id is "
        "its path relative to the source folder. The dataset card `data/corpus/card.json` records the counts and "
        f"the content hash (`{card.sha256[:12]}`) that every result's `dataset_hash` is computed over.",
        f"- **Golden set**: `{GOLDEN_PATH}`; its size, split and origins are in `evals/README.md` (generated from "
        "the file) and in the dataset line below.",
    ]
    if card.skipped:
        lines.append(
            f"- {card.skipped} files of the source were skipped (unsupported or unreadable; listed by `make corpus`)."
        )
    return "\n".join(lines)


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
