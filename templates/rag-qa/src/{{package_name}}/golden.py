"""A golden set from your own corpus: candidates are proposed, a person reviews each one.

``propose`` picks passages spread over the corpus (deterministically, from the corpus's content)
and drafts one question per passage into ``evals/drafts.jsonl``:

- with an LLM (``LLM_BASE_URL`` set), the model reads the passage and writes a question a user
  would ask and a one-sentence answer, as one JSON object; a reply that is not such an object is
  dropped with its reason (small local models often fail this step, so nothing depends on it);
- without one, the offline generator turns the passage's heading or its first defining sentence
  into a question ("How do I configure trunk ports?", "What is a trunk port?") and takes the
  sentences under it as the reference. It paraphrases nothing: the question uses the passage's own
  words, which makes it easy for lexical search, so edit it into the words a user would type.

``review`` shows each pending candidate with its passage and asks to accept, edit, reject or skip
it; every decision is saved at once, so a review stops and resumes anywhere. Accepted cases are
appended to ``evals/golden.jsonl`` with a deterministic dev/test split (from the case id) and an
``origin``: ``reviewed-llm-draft`` or ``reviewed-offline-draft``; cases written by hand carry
``hand-written``. ``make eval`` and ``evals/README.md`` count cases by origin.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .documents import DataError, Document
from .results import write_text_atomic

DRAFTS_PATH = Path("evals/drafts.jsonl")
GOLDEN_PATH = Path("evals/golden.jsonl")
ORIGINS = ("hand-written", "reviewed-llm-draft", "reviewed-offline-draft", "template-example")
DEV_SHARE = 0.35  # a third for tuning, the rest held out for the reported numbers
MAX_PASSAGE_CHARS = 1_200
MAX_CANDIDATES = 5_000
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"'(])")
_DEFINITION = re.compile(r"^(?:(?:An?|The)\s+)?([A-Za-z`*][\w`* ./-]{2,60}?)\s+(?:is|are|means|refers to)\s+(.{12,})$")
_PRONOUN = re.compile(r"^(this|that|it|these|those|they|we|you|here|there)\b", re.I)
_PRONOUN_IN = re.compile(r"\b(this|that|it|these|those)\b", re.I)
_ACTION = re.compile(
    r"^(configur|install|enabl|disabl|creat|add|remov|delet|set|reset|connect|upgrad|updat|restor|back ?up|"
    r"chang|start|stop|restart|run|use|using|monitor|troubleshoot|replac|mount|deploy|import|export)"
    r"(e|es|ed|s|ing|ning|ting)?\b",
    re.I,
)


@dataclass(frozen=True)
class Draft:
    id: str
    question: str
    reference: str
    source_ids: tuple[str, ...]
    passage: str
    generator: str
    status: str = "pending"  # pending, accepted, rejected

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "reference": self.reference,
            "source_ids": list(self.source_ids),
            "passage": self.passage,
            "generator": self.generator,
            "status": self.status,
        }


def split_of(case_id: str) -> str:
    """dev or test, from the id alone: the same case lands in the same split on every machine."""
    bucket = int(hashlib.sha256(case_id.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "dev" if bucket < DEV_SHARE else "test"


# -- propose --------------------------------------------------------------------------------------


def passages(documents: Sequence[Document], count: int) -> list[tuple[Document, str | None, str]]:
    """(document, heading or None, passage) for up to ``count`` passages spread over the corpus:
    documents in a content-dependent order, the first substantial section of each, then the
    second of each, and so on (a corpus of a few long pages still yields many passages)."""
    ordered = sorted(documents, key=lambda d: hashlib.sha256(d.doc_id.encode() + d.text[:200].encode()).hexdigest())
    sections = [_sections(d.text) for d in ordered]
    found: list[tuple[Document, str | None, str]] = []
    depth = 0
    while len(found) < count and any(len(s) > depth for s in sections):
        for document, own in zip(ordered, sections, strict=True):
            if depth < len(own):
                found.append((document, *own[depth]))
                if len(found) >= count:
                    break
        depth += 1
    return found


_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]{1,200}>")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _clean(line: str) -> str:
    """Prose of a Markdown line: no images or badges, link texts kept, no HTML tags."""
    return " ".join(_TAG.sub(" ", _LINK.sub(r"\1", _IMAGE.sub(" ", line))).split())


def _sections(text: str) -> list[tuple[str | None, str]]:
    """(heading, text under it) for every section with some prose (80 characters or more), code
    blocks and tables left out; the text before the first heading has no heading."""
    found: list[tuple[str | None, str]] = []
    heading: str | None = None
    body: list[str] = []
    fenced = False
    for line in [*text.splitlines(), "# end"]:
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or line.lstrip().startswith("|"):
            continue
        match = _HEADING.match(line)
        if match:
            passage = _clean(" ".join(body))  # joined first: a link may span lines
            if len(passage) >= 80:
                found.append((heading, passage[:MAX_PASSAGE_CHARS]))
            heading, body = _clean(match.group(1)).strip("`* ") or None, []
        elif line.strip():
            body.append(line.strip())
    return found


# Headings of the project around a manual rather than of its subject: nobody asks the manual about them
_BOILERPLATE = re.compile(
    r"^(history|change ?log|changes|release notes?|releases?|news|unreleased|contribut\w*|community|"
    r"sponsor\w*|acknowledge?ments?|thanks|credits|authors?|maintainers?|donat\w*|funding|versioning|"
    r"documentation|docs|links|contents|table of contents|toc|related( projects)?|see also|citation|citing|"
    r"security|code of conduct|added|changed|fixed|removed|deprecated|bug ?fixes|breaking changes|misc\w*|"
    r"other|notes?|todo|faq|badges?|status|license and copyright|what\W?s (new|changed)|version \d|new features|"
    r"fixes|improvements|additional notes|testimonials|show your support|who uses this)\b",
    re.I,
)
# Headings that are boilerplate only on their own ("Support", not "Support for proxies")
_BOILERPLATE_EXACT = frozenset({"why", "help", "motivation", "welcome", "support", "users", "resources"})
_VERSION = re.compile(r"^\[?v?\d+(\.\d+)+|^\d{4}-\d{2}-\d{2}")
_SHORTCODE = re.compile(r":[a-z0-9_+-]+:|[^\w\s`'\"().,:;!?/+#&<>=*-]")

# Headings every manual has, and the question a user asks of them (about the document's subject)
_STOCK_HEADINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(install(ation|ing)?|setup|set ?up)$", re.I), "How do I install {title}?"),
    (re.compile(r"^(usage|quick ?start|getting started|examples?|tutorial)$", re.I), "How do I use {title}?"),
    (re.compile(r"^(overview|about|introduction|description|what is .*)$", re.I), "What is {title}?"),
    (re.compile(r"^(requirements|dependencies|prerequisites)$", re.I), "What does {title} need to run?"),
    (re.compile(r"^(configuration|settings|options)$", re.I), "How is {title} configured?"),
    (re.compile(r"^(licen[cs]e|copyright)$", re.I), "Under which licence is {title} distributed?"),
    (re.compile(r"^(features|highlights)$", re.I), "What can {title} do?"),
)


def offline_question(heading: str | None, passage: str, title: str = "") -> tuple[str, str] | None:
    """A question from the passage's own words (its heading, or a defining first sentence) and
    its reference (the first sentences); None when the passage offers neither."""
    sentences = [s.strip() for s in _SENTENCE.split(passage) if len(s.strip()) > 20]
    if not sentences:
        return None
    reference = " ".join(sentences[:2])[:400]
    subject = title.strip() or "this"
    if heading:
        heading = " ".join(_SHORTCODE.sub(" ", heading).split())
        topic = heading.rstrip(":?.").strip()
        if not topic or _BOILERPLATE.match(topic) or topic.lower() in _BOILERPLATE_EXACT or _VERSION.match(topic):
            return None  # "Contributing", "Changelog", "1.4.2 (2024-03-01)": not what users ask
        if heading.endswith("?") and len(heading.split()) >= 3 and not _PRONOUN_IN.search(heading):
            return heading, reference  # the manual asks it itself ("Why should I use it?")
        for pattern, question in _STOCK_HEADINGS:
            if pattern.match(topic):
                return question.format(title=subject), reference
        lowered = _sentence_case(topic)
        if _ACTION.match(topic):
            if lowered.split()[0].endswith("ing"):  # "Configuring trunk ports": no verb forms guessed
                return f"What are the steps for {lowered}?", reference
            return f"How do I {lowered}?", reference  # "Configure trunk ports"
        if _words(topic) & _words(subject) and len(_words(topic) - _words(subject)) <= 3:
            return f"What is {subject}?", reference  # the page's own title, or nearly
        return f"What does {subject} say about {lowered}?", reference
    definition = _DEFINITION.match(sentences[0])
    if definition and not _PRONOUN.match(definition.group(1)):
        return f"What is {definition.group(1).strip('`* ')}?", reference
    return None


def _sentence_case(heading: str) -> str:
    """A Title Case heading in sentence case ("Paired Significance Tests" -> "paired significance
    tests"); names such as FastAPI, HTTP/2 or pgvector keep their case."""
    return " ".join(w.lower() if w[:1].isupper() and w[1:].islower() else w for w in heading.split())


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def subject_of(document: Document, heading: str | None = None) -> str:
    """What a document is about, for a question: its title without markup, else its file name (a
    page titled by the section a question comes from names no subject: "install Installation")."""
    title = " ".join(_SHORTCODE.sub(" ", _clean(document.title)).split()).strip("#`* ")
    if heading and heading.lower() in title.lower() and _words(heading):  # "narwhals: Installation"
        start = title.lower().index(heading.lower())
        title = (title[:start] + title[start + len(heading) :]).strip(" :-\u2013\u2014|/")
    if heading and _words(title) and _words(title) <= _words(heading):
        title = ""
    product, colon, _section = title.partition(": ")
    if colon and 0 < len(product) <= 40:  # "RouterOS: VLANs" is a page of RouterOS's manual
        title = product
    if not title or len(title) > 60 or any(mark in title for mark in "<>[]()!{}"):
        path = Path(document.doc_id)
        stem = re.sub(r"([-_ ]?\d+)+$", "", path.stem)  # "httpx-02" -> "httpx"; "pgvector/00" -> "pgvector"
        title = (stem or path.parent.name or path.stem).replace("-", " ").replace("_", " ")
    return title


_PROMPT = (
    "You write evaluation questions for a search system. Read the passage and write ONE question that a "
    "user of this documentation would ask and that the passage answers, in the user's own words (do not "
    "copy the heading), and a one-sentence answer taken from the passage. Reply with only a JSON object: "
    '{"question": "...", "answer": "..."}'
)


def llm_question(chat: Callable[[list[dict[str, str]]], str], passage: str) -> tuple[str, str] | str:
    """(question, answer) from the model, or the reason its reply was not usable."""
    try:
        content = chat([{"role": "system", "content": _PROMPT}, {"role": "user", "content": passage}])
    except Exception as exc:  # an LLM failure drops one candidate, with its reason; the rest go on
        return f"the model call failed ({type(exc).__name__}: {str(exc)[:80]})"
    try:
        reply = json.loads(content.strip().removeprefix("```json").removesuffix("```"))
    except ValueError:
        return "the reply is not JSON"
    if not isinstance(reply, dict):
        return "the reply is not a JSON object"
    question, answer = str(reply.get("question", "")).strip(), str(reply.get("answer", "")).strip()
    if not question.endswith("?") or len(question) < 12 or len(answer) < 8:
        return "the reply has no usable question and answer"
    return question[:300], answer[:400]


@dataclass
class Proposal:
    written: int
    skipped: list[str]
    generator: str
    path: Path


def propose(
    documents: Sequence[Document],
    *,
    count: int = 200,
    chat: Callable[[list[dict[str, str]]], str] | None = None,
    generator: str = "offline",
    path: Path = DRAFTS_PATH,
    golden: Path = GOLDEN_PATH,
) -> Proposal:
    """Draft up to ``count`` candidates into ``path``, after the ones already there (a draft of a
    passage already drafted, or already in the golden set, is not proposed again)."""
    if count < 1 or count > MAX_CANDIDATES:
        raise DataError(f"COUNT must be between 1 and {MAX_CANDIDATES}.")
    existing = read_drafts(path)
    seen = {source for draft in existing for source in draft.source_ids}
    seen |= {source for case in _read_jsonl(golden) for source in case.get("source_ids", [])}
    drafts, skipped = list(existing), []
    start = len(existing)
    unseen = [d for d in documents if d.doc_id not in seen]
    for document, heading, passage in passages(unseen, MAX_CANDIDATES):
        if len(drafts) - start >= count:
            break
        if chat is not None:
            made = llm_question(chat, passage)
        else:
            made = offline_question(heading, passage, subject_of(document, heading)) or (
                f"{document.doc_id}: "
                + (f"no question in the heading {heading!r}" if heading else "no heading or defining sentence")
            )
        if isinstance(made, str):
            skipped.append(made if made.startswith(document.doc_id) else f"{document.doc_id}: {made}")
            continue
        question, reference = made
        drafts.append(
            Draft(
                f"d{start + len(drafts) - len(existing) + 1:04d}",
                question,
                reference,
                (document.doc_id,),
                passage,
                generator,
            )
        )
    write_drafts(path, drafts)
    return Proposal(len(drafts) - len(existing), skipped, generator, path)


# -- review ---------------------------------------------------------------------------------------


def read_drafts(path: Path = DRAFTS_PATH) -> list[Draft]:
    drafts = []
    for number, record in enumerate(_read_jsonl(path), start=1):
        try:
            drafts.append(
                Draft(
                    str(record["id"]),
                    str(record["question"]),
                    str(record["reference"]),
                    tuple(str(s) for s in record["source_ids"]),
                    str(record.get("passage", "")),
                    str(record.get("generator", "offline")),
                    str(record.get("status", "pending")),
                )
            )
        except (KeyError, TypeError) as exc:
            raise DataError(f"{path}:{number}: not a draft ({exc}).") from None
    return drafts


def write_drafts(path: Path, drafts: Iterable[Draft]) -> None:
    write_text_atomic(path, "".join(json.dumps(d.to_json(), ensure_ascii=False) + "\n" for d in drafts))


Ask = Callable[[str], str]


@dataclass
class ReviewTally:
    accepted: int = 0
    edited: int = 0
    rejected: int = 0
    left: int = 0


def review(
    ask: Ask,
    show: Callable[[str], None],
    *,
    path: Path = DRAFTS_PATH,
    golden: Path = GOLDEN_PATH,
) -> ReviewTally:
    """Go through the pending drafts: a(ccept), e(dit), r(eject), s(kip), q(uit). Each decision is
    written before the next question, so quitting (or an interruption, or the end of input) loses
    nothing."""
    drafts = read_drafts(path)
    tally = ReviewTally()
    ids = {str(case.get("id")) for case in _read_jsonl(golden)}
    pending = [i for i, d in enumerate(drafts) if d.status == "pending"]
    for position, index in enumerate(pending, start=1):
        draft = drafts[index]
        show(
            f"\n[{position}/{len(pending)}] {draft.id} from {', '.join(draft.source_ids)} ({draft.generator} draft)\n"
            f"passage:   {draft.passage[:600]}\nquestion:  {draft.question}\nreference: {draft.reference}"
        )
        try:
            choice = ask("a(ccept) e(dit) r(eject) s(kip) q(uit)? ").strip().lower()[:1]
        except EOFError:  # Ctrl-D, or a script's answers ran out: quit, keeping every decision made
            choice = "q"
        if choice == "q":
            tally.left += len(pending) - position + 1
            break
        if choice == "s" or choice not in ("a", "e", "r"):
            tally.left += 1
            continue
        if choice == "r":
            drafts[index] = _with_status(draft, "rejected")
            tally.rejected += 1
        else:
            question, reference = draft.question, draft.reference
            if choice == "e":
                try:
                    question = ask("question (empty keeps it): ").strip() or question
                    reference = ask("reference (empty keeps it): ").strip() or reference
                except EOFError:  # the edit was not finished: the draft stays pending
                    tally.left += len(pending) - position + 1
                    break
                tally.edited += 1
            case_id = _case_id(draft)
            if case_id in ids:  # accepted before an interruption: the case is there already
                drafts[index] = _with_status(draft, "accepted")
                write_drafts(path, drafts)
                continue
            ids.add(case_id)
            case = {
                "id": case_id,
                "split": split_of(case_id),
                "question": question,
                "reference": reference,
                "source_ids": list(draft.source_ids),
                "kind": "howto" if question.lower().startswith("how") else "factual",
                "origin": "reviewed-llm-draft" if draft.generator.startswith("llm") else "reviewed-offline-draft",
            }
            _append(golden, case)
            drafts[index] = _with_status(draft, "accepted")
            tally.accepted += 1
        write_drafts(path, drafts)
    return tally


def _case_id(draft: Draft) -> str:
    """The golden id of a reviewed draft: the same draft always gives the same id."""
    return "g" + hashlib.sha256(("\0".join(draft.source_ids) + "\0" + draft.id).encode()).hexdigest()[:10]


def _with_status(draft: Draft, status: str) -> Draft:
    return Draft(draft.id, draft.question, draft.reference, draft.source_ids, draft.passage, draft.generator, status)


# -- counts ---------------------------------------------------------------------------------------


def origin_counts(cases: Iterable[Any]) -> dict[str, dict[str, int]]:
    """{origin: {"dev": n, "test": n}} for golden cases (objects with .origin and .split)."""
    counts: dict[str, Counter[str]] = {}
    for case in cases:
        counts.setdefault(case.origin, Counter())[case.split] += 1
    return {origin: {"dev": c["dev"], "test": c["test"]} for origin, c in sorted(counts.items())}


_ORIGIN_WORDS = {
    "hand-written": "written by hand by this project's author",
    "reviewed-llm-draft": "drafted by an LLM from a corpus passage, then reviewed (accepted or edited) by a person",
    "reviewed-offline-draft": "drafted offline from a passage's heading or first sentence, then reviewed by a person",
    "template-example": "the example set shipped with the project template (written by its authors, not by you)",
}


def golden_readme(cases: Sequence[Any], golden: Path = GOLDEN_PATH) -> str:
    """evals/README.md, generated from the golden file: it claims no more than the origins say."""
    origins = origin_counts(cases)
    total = len(cases)
    lines = [
        "# Golden question set",
        "",
        f"`{golden.as_posix()}` holds **{total} questions**, each with a reference answer and the ids of the corpus "
        "documents that answer it. This file is generated from it by `make golden-review` and `make eval`.",
        "",
        "| origin | what it means | dev | test |",
        "|---|---|--:|--:|",
    ]
    for origin, split in origins.items():
        lines.append(
            f"| {origin} | {_ORIGIN_WORDS.get(origin, 'as recorded in the file')} | {split['dev']} | {split['test']} |"
        )
    dev = sum(s["dev"] for s in origins.values())
    lines += [
        f"| **all** | | **{dev}** | **{total - dev}** |",
        "",
        "The split comes from each case's id (a hash), so it never depends on the order of review; tune on "
        "dev, report test.",
        "",
        'Record: `{"id", "split", "question", "reference", "source_ids": [doc ids], "kind", "origin"}`. '
        "Add candidates with `make golden-draft`, review them with `make golden-review`.",
    ]
    return "\n".join(lines) + "\n"


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise DataError(f"{path}:{number}: not valid JSON.") from None
        if isinstance(row, dict):
            rows.append(row)
    return rows


def _append(path: Path, row: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
