"""Story: the README a reviewer reads first."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from scaffold.check.checks.performance import void_if_simulated
from scaffold.check.evidence.catalog import BUZZWORDS, TOOLS
from scaffold.check.evidence.files import FileIndex
from scaffold.check.evidence.markdown import Markdown, Section
from scaffold.check.evidence.python_source import PythonSources
from scaffold.check.evidence.tasks import Tasks
from scaffold.check.model import STORY, Check, Location, Status, Verdict, failed, partially_passed, passed
from scaffold.check.numbers import parse_shown_number

_SIZE = re.compile(
    r"(?<![\w$€£.-])\d[\d,.]*\s*(?:k|K|M|thousand|million)?\+?\s*(?:[A-Za-z][\w]*\s+){0,2}?"
    r"(documents?|docs|pages|chunks|rows|questions|queries|examples|samples|records|articles|passages|"
    r"files|tokens|images|tasks|conversations|dialogues|pairs|items|entries|papers|tickets|emails|reviews|"
    r"cases|transcripts|sections|functions|repos(?:itories)?|prompts|requests|products|users|GB|MB)\b",
    re.I,
)
_DATASET_WORD = re.compile(r"\b(dataset|corpus|data set|benchmark|domains?|knowledge base|documents)\b", re.I)
_LIST_MARKER = re.compile(r"^\d{1,2}[.)]\s")
_HARDWARE_BEFORE = re.compile(r"\b([AHLT]\d{2,3}|RTX\s?\d{3,4}\w*|GPU|VRAM|MI\d{3}\w?)\b[\s-]*$", re.I)
# What makes a count something other than the dataset's size: hardware, pricing and context
# windows, or the eval set itself.
_NOT_DATA_UNIT = re.compile(r"^\+?\s*(RAM|VRAM|memory|disk|GPU|of (RAM|VRAM|memory))\b", re.I)
_PRICING = re.compile(
    r"\$|€|£|\b(cost|price|pricing|free|per|budget|limit|cap|capped|context|window|max(imum)?)\b", re.I
)
_EVAL_SET = re.compile(
    r"\b(golden|eval(uation)?s?|test set|test cases|held[- ]out|dev set|benchmark questions)\b", re.I
)
_EVAL_NOUNS = frozenset(
    {
        "questions",
        "question",
        "queries",
        "query",
        "cases",
        "case",
        "prompts",
        "prompt",
        "tasks",
        "task",
        "pairs",
        "examples",
    }
)
_NOT_PROBLEM_HEADING = re.compile(
    r"\b(troubleshoot\w*|faqs?|errors?|issues?|debug\w*|fix(es|ing)?|install\w*|setup|contribut\w*|licen[cs]e)\b", re.I
)


_SMALLEST_DATASET = 10
_LOAD = re.compile(r"concurren|parallel|simultaneous|load[- ]?test|\brps\b|at a time|per second|spawn", re.I)
_MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}


def _count(shown: str) -> float:
    """The number a size match shows: "1,678 documents" is 1678, "12k tickets" 12000."""
    number = re.match(r"\d[\d,]*(?:\.\d+)?", shown)
    if number is None:
        return 0.0
    value = float(number.group(0).replace(",", ""))
    unit = re.match(r"\s*(k|K|M|thousand|million)\b", shown[number.end() :])
    return value * _MULTIPLIERS[unit.group(1).lower()] if unit else value


def dataset_sizes(text: str) -> list[re.Match[str]]:
    """Counts in ``text`` that size a dataset: "1,678 documents", "12k support tickets", "2.3 GB of
    filings" — not "8GB+ RAM", "$0.42 per 1,000 questions", "1M free tokens", "10-Q documents" or
    the size of the eval set ("150 golden questions")."""
    found = []
    for match in _SIZE.finditer(text):
        noun = match.group(1).lower()
        after = text[match.end() : match.end() + 20]
        before = text[max(0, match.start() - 12) : match.start()]
        if _LIST_MARKER.match(match.group(0)) and not text[: match.start()].strip(" *-|>"):
            continue  # "2. Sends queries …": a numbered step, not a count
        if noun in ("gb", "mb") and _HARDWARE_BEFORE.search(text[max(0, match.start() - 24) : match.start()]):
            continue  # "A100 80GB": the accelerator's memory
        if noun in ("gb", "mb") and _NOT_DATA_UNIT.match(after):
            continue
        if (noun in ("tokens", "requests", "gb", "mb") or re.search(r"\bper\s*$", before)) and _PRICING.search(text):
            continue
        if noun in _EVAL_NOUNS and _EVAL_SET.search(text):
            continue
        if noun == "tokens" and not _DATASET_WORD.search(text):
            continue  # "512 tokens" is a length limit unless the sentence is about the corpus
        if noun not in ("gb", "mb") and _count(match.group(0)) < _SMALLEST_DATASET:
            continue  # "4 sections", "5 samples": a handful is not the size of a dataset
        if noun in ("users", "requests", "prompts") and _LOAD.search(text):
            continue  # "20 users", "5 concurrent requests": the load of a test, not the data
        found.append(match)
    return found


_SOURCE = re.compile(
    r"\b(dataset|corpus|data set|collection|benchmark|documentation|docs|knowledge base|from|export|dump|"
    r"scrape[d]?|crawl(ed)?|archive|labell?ed|annotated|collected|historical|logs)\b",
    re.I,
)
_NAMED = re.compile(
    r"`[^`]{1,300}`|\[[^\]]{1,300}\]\([^)]{1,500}\)|\b[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)+|\b[A-Z]{2,}[\w-]*|[a-z,:;]\s+[A-Z][\w-]+"
)
_PROBLEM_HEADING = re.compile(
    r"problem|motivation|overview|about|why|what (it|this) (does|is)|use case|dataset|data\b|corpus",
    re.I,
)
_ARCHITECTURE_PROPER = re.compile(
    r"architecture|how it works|system design|design overview|components|pipeline|data flow", re.I
)
_LAYOUT_HEADING = re.compile(r"(repo(sitory)?|project|code|folder|directory) (layout|structure)", re.I)
_ARCHITECTURE_HEADING = re.compile(f"{_ARCHITECTURE_PROPER.pattern}|{_LAYOUT_HEADING.pattern}", re.I)
_DECISIONS_HEADING = re.compile(
    r"decision|trade-?offs?|design choices|choices|alternatives|why not|design notes|when to use|which to (use|choose)|"
    r"\bvs\.?\s|versus|comparison",
    re.I,
)
_COMPARISON = re.compile(
    r"\bover\b.{1,160}\bbecause\b|\bchose\b.{1,80}\bover\b|\binstead of\b|\brather than\b|"
    r"\bvs\.?\s|\bversus\b|\bcompared (to|with)\b|\btrade-?off\b|\bover [\w`*]+[^.]{0,80}\b(since|as it|so that)\b",
    re.I,
)
_RESULTS_HEADING = re.compile(
    r"result|evaluation|metric|benchmark|performance|ablation|numbers|latency|throughput|leaderboard|ttft|accuracy|"
    r"findings",
    re.I,
)
_PLACEHOLDER = re.compile(r"\b(placeholders?|dummy|illustrative|example numbers|sample numbers|mock(ed)?|fake)\b", re.I)
# A number with a unit or a decimal point, as benchmark tools print them ("41.2 ms", "812.5 tok/s").
_MEASURED = re.compile(r"\b\d+\.\d+\b|\b\d+(?:\.\d+)?\s*(?:ms|s|tok/s|tokens/s|req/s|%)(?![\w/])")
_PERFORMANCE = re.compile(r"latenc|throughput|tok(ens)?/s|ttft|tpot|req/s|requests/s", re.I)
_FAILURE_HEADING = re.compile(
    r"failure|limitation|known (issue|gap)|error analysis|what (doesn.t|does not) work|caveat|where it (fails|breaks)|weakness|lessons",
    re.I,
)
_REPRODUCE_HEADING = re.compile(
    r"reproduc|quick ?start|getting started|usage|how to (run|use)|run it|\brunning\b|setup|install|procedure|try it|"
    r"local (development|setup)|run(ning)? locally",
    re.I,
)
_MAKE_COMMAND = re.compile(r"(?:^|[\s;&|(])(?:make|just)\s+([^#;&|)]*)")
_TARGET = re.compile(r"^[A-Za-z0-9_][\w.-]*$")
_SCRIPT_COMMAND = re.compile(r"\b(?:python3?|bash|sh|uv run(?: python)?)\s+(?!-)([\w./-]+\.(?:py|sh))")
_ARROW = re.compile(r"-->|->|→|=>|⟶")
_DIAGRAM_LANGUAGES = frozenset({"mermaid", "plantuml", "dot", "graphviz", "d2", "ascii", "text", ""})


class StoryCheck(Check):
    family: ClassVar[str] = STORY


def _section_evidence(readme: Markdown, section: Section) -> Location:
    return Location(readme.path, section.line)


def _introduction(readme: Markdown) -> Section | None:
    """The paragraphs under the title, before the first sub-heading, when they say enough."""
    if not readme.sections or readme.sections[0].level != 1:
        return None
    title = readme.sections[0]
    stop = readme.sections[1].line if len(readme.sections) > 1 else len(readme.lines) + 1
    intro = Section(title.title, 1, title.line, stop - 1, [p for p in title.prose if p[0] < stop])
    return intro if intro.word_count() >= 25 else None


def _paragraph_lines(readme: Markdown) -> list[tuple[int, str, bool]]:
    """Each prose line, and whether its paragraph names or links a source."""
    paragraphs: list[list[tuple[int, str]]] = []
    for number, text in readme.prose:
        if paragraphs and paragraphs[-1][-1][0] == number - 1:
            paragraphs[-1].append((number, text))
        else:
            paragraphs.append([(number, text)])
    out: list[tuple[int, str, bool]] = []
    for paragraph in paragraphs:
        joined = " ".join(text for _, text in paragraph)
        sourced = bool(_SOURCE.search(joined) or _NAMED.search(joined))
        out.extend((number, text, sourced) for number, text in paragraph)
    return out


def _make_targets(arguments: str) -> list[str]:
    """Targets named on a `make` command line: words before the first VAR=value or option."""
    targets: list[str] = []
    for word in arguments.split():
        if "=" in word or word.startswith("-") or not _TARGET.match(word):
            break
        targets.append(word)
    return targets


def _no_readme() -> Verdict:
    return failed("no README at the repository root")


def _across(writeup: list[Markdown], judge: Callable[[Markdown], Verdict]) -> Verdict:
    """The best verdict over the README and the documents it links to (the first full pass, else the
    pass with the most credit); with no pass anywhere, the README's own failure."""
    if not writeup:
        return _no_readme()
    verdicts = []
    for document in writeup:
        verdict = judge(document)
        if verdict.status is Status.PASS and verdict.credit >= 1:
            return verdict
        verdicts.append(verdict)
    passes = [v for v in verdicts if v.status is Status.PASS]
    return max(passes, key=lambda v: v.credit) if passes else verdicts[0]


class ST1(StoryCheck):
    """README names the concrete problem and the dataset, with its size"""

    id = "ST1"
    weight = 1.5
    fix = "Add a 'Problem and dataset' section: the question you answer, for whom, and the data (name, link, size)."

    def check(self, writeup: list[Markdown]) -> Verdict:
        """The README does not say which problem it solves on which dataset, or gives no size."""
        return _across(writeup, self.judge)

    def judge(self, readme: Markdown) -> Verdict:
        problems = [
            s
            for s in readme.sections_titled(_PROBLEM_HEADING)
            if s.has_content() and not _NOT_PROBLEM_HEADING.search(s.title)
        ]
        introduction = _introduction(readme)
        if introduction is not None and not problems:
            problems = [introduction]
        sized = [
            (number, text, sizes[0])
            for number, text, sourced in _paragraph_lines(readme)
            if sourced and (sizes := dataset_sizes(text))
        ]
        sized += [
            (cell.line, cell.text, sizes[0])
            for table in readme.tables
            for cell in table.cells()
            if (sizes := dataset_sizes(cell.text))
        ]
        if not problems and not sized:
            return failed("no problem/dataset section and no dataset size anywhere in the README")
        if not sized:
            named = any(_SOURCE.search(text) for _, text in problems[0].prose)
            message = "the README never gives the dataset's size (a count of documents, rows, questions, …)"
            if named:  # the problem and a named source, only the size missing: half
                return partially_passed(0.5, message, _section_evidence(readme, problems[0]))
            return failed(message, _section_evidence(readme, problems[0]))
        if not problems:
            return failed(
                "a dataset size is given but no section states the problem",
                Location(readme.path, sized[0][0]),
            )
        return passed(
            f"problem in '{problems[0].title}'; dataset size: {sized[0][2].group(0)}",
            _section_evidence(readme, problems[0]),
            Location(readme.path, sized[0][0]),
        )


class ST2(StoryCheck):
    """README has an architecture section with components and data flow"""

    id = "ST2"
    fix = (
        "Add an 'Architecture' section with a diagram (a mermaid block works) naming each component and the data flow."
    )

    def check(self, writeup: list[Markdown]) -> Verdict:
        """The README has no architecture section, or it names no components or flow."""
        return _across(writeup, self.judge)

    def judge(self, readme: Markdown) -> Verdict:
        sections = readme.sections_titled(_ARCHITECTURE_HEADING)
        if not sections:
            return failed("no section headed Architecture / How it works / Components")
        layouts: list[Section] = []
        for section in sections:
            location = _section_evidence(readme, section)
            if _LAYOUT_HEADING.search(section.title) and not _ARCHITECTURE_PROPER.search(section.title):
                layouts.append(section)  # a file tree shows where code lives, not how data flows
                continue
            diagrams = [b for b in section.code_blocks if b.language in _DIAGRAM_LANGUAGES and len(b.lines) >= 2]
            images = [link for link in section.links if link.is_image]
            arrows = [text for _, text in section.prose if _ARROW.search(text)]
            items = [text for _, text in section.prose if re.match(r"\s*([-*+]|\d+\.)\s+\w", text)]
            if diagrams:
                return passed(
                    f"'{section.title}' has a {diagrams[0].language or 'text'} diagram",
                    Location(readme.path, diagrams[0].line),
                )
            if images:
                return passed(f"'{section.title}' has a diagram image", Location(readme.path, images[0].line))
            if arrows or (len(items) >= 3 and section.word_count() >= 30):
                return passed(f"'{section.title}' describes components and flow", location)
        described = next((section for section in sections if section.word_count() >= 40), None)
        if layouts and described is None:
            return partially_passed(
                0.5,
                f"'{layouts[0].title}' lays out the code's folders, without the components' data flow",
                _section_evidence(readme, layouts[0]),
            )
        if described is not None:
            return partially_passed(
                0.5,
                f"'{described.title}' describes the system in prose, without a diagram, arrows or a component list",
                _section_evidence(readme, described),
            )
        return failed(
            f"'{sections[0].title}' has no diagram, no data-flow arrows and no list of components",
            _section_evidence(readme, sections[0]),
        )


class ST3(StoryCheck):
    """README explains design decisions, comparing at least one alternative"""

    id = "ST3"
    fix = "Add a 'Design decisions' section: for each choice say what you picked over what, and why (a measured reason beats an opinion)."

    def check(self, writeup: list[Markdown]) -> Verdict:
        """The README does not compare its design choices with alternatives."""
        return _across(writeup, self.judge)

    def judge(self, readme: Markdown) -> Verdict:
        sections = readme.sections_titled(_DECISIONS_HEADING)
        if not sections:
            return failed("no section headed Design decisions / Trade-offs")
        for section in sections:
            for number, text in section.prose:
                if _COMPARISON.search(text) and len(text.split()) >= 6:
                    return passed(f"'{section.title}' compares alternatives", Location(readme.path, number))
            for table in section.tables:
                if len(table.rows) >= 1 and len(table.header) >= 2:
                    return passed(
                        f"'{section.title}' compares alternatives in a table",
                        Location(readme.path, table.line),
                    )
        return failed(
            f"'{sections[0].title}' names no alternative (write 'X over Y because …')",
            _section_evidence(readme, sections[0]),
        )


def _shows_performance(document: Markdown, line: int) -> bool:
    """Whether the table or pasted output at `line` reports latency or throughput (by its section
    title, table header or output lines)."""
    for table in document.tables:
        if table.line == line and _PERFORMANCE.search(" ".join(table.header)):
            return True
    for block in document.code_blocks:
        if block.line == line and any(_PERFORMANCE.search(text) for text in block.lines):
            return True
    around = [s for s in document.sections if s.line <= line <= (s.end_line or line)]
    return any(_PERFORMANCE.search(section.title) for section in around)


class ST4(StoryCheck):
    """README has a results section with a table of numbers"""

    id = "ST4"
    weight = 1.5
    fix = "Add a 'Results' section with a metrics table generated from your committed results files."

    def check(self, writeup: list[Markdown], python: PythonSources) -> Verdict:
        """The README has no results section with measured numbers."""
        verdict = _across(writeup, self.judge)
        if verdict.credit > 0 and python.simulated and verdict.evidence:
            # latency tables from a project whose code invents latencies are not results
            shown = verdict.evidence[0]
            document = next((d for d in writeup if d.path == shown.path), None)
            if document is not None and shown.line is not None and _shows_performance(document, shown.line):
                return void_if_simulated(verdict, python)
        return verdict

    def judge(self, readme: Markdown) -> Verdict:
        sections = readme.sections_titled(_RESULTS_HEADING)
        if not sections:
            return failed("no section headed Results / Evaluation / Benchmarks")
        empty_tables = 0
        measured = [section for section in sections if not _PLACEHOLDER.search(section.title)]
        if not measured:
            return failed(
                f"'{sections[0].title}' says its numbers are placeholders", _section_evidence(readme, sections[0])
            )
        sections = measured
        for section in sections:
            for table in section.tables:
                numeric = [c for row in table.rows for c in row[1:] if parse_shown_number(c.text)]
                if len(numeric) >= 2:
                    return passed(
                        f"'{section.title}' has a table with {len(numeric)} numbers",
                        Location(readme.path, table.line),
                    )
                empty_tables += 1
        for section in sections:
            for block in section.code_blocks:
                numbers = [n for line in block.lines for n in _MEASURED.findall(line)]
                if len(numbers) >= 5:
                    return partially_passed(
                        0.5,
                        f"'{section.title}' shows {len(numbers)} measured numbers as pasted output, not a table",
                        Location(readme.path, block.line),
                    )
        if empty_tables:
            return failed("the results tables hold no numbers", _section_evidence(readme, sections[0]))
        return failed(f"'{sections[0].title}' has no metrics table", _section_evidence(readme, sections[0]))


class ST5(StoryCheck):
    """README has a failure-analysis or limitations section"""

    id = "ST5"
    fix = "Add a 'Failure analysis' section: the cases that still fail, why, and what you would try next."

    def check(self, writeup: list[Markdown]) -> Verdict:
        """The README does not say where the system fails or what it cannot do."""
        return _across(writeup, self.judge)

    def judge(self, readme: Markdown) -> Verdict:
        sections = readme.sections_titled(_FAILURE_HEADING)
        for section in sections:
            if section.has_content():
                return passed(
                    f"'{section.title}' ({section.word_count()} words)",
                    _section_evidence(readme, section),
                )
        if sections:
            return failed(
                f"'{sections[0].title}' is a heading with almost nothing under it",
                _section_evidence(readme, sections[0]),
            )
        return failed("no section headed Failure analysis / Limitations / Known issues")


class ST6(StoryCheck):
    """README gives reproduce commands, and every make target or script it names exists"""

    id = "ST6"
    fix = (
        "Add a 'Reproduce' section with the exact commands (make setup, make eval, …) and make sure each target exists."
    )

    def check(self, writeup: list[Markdown], tasks: Tasks, files: FileIndex) -> Verdict:
        """The README gives no commands to reproduce the results, or names targets that do not exist."""
        if not writeup:
            return _no_readme()
        for readme in writeup:
            sections = [s for s in readme.sections_titled(_REPRODUCE_HEADING) if s.code_blocks]
            if sections:
                return self.judge(readme, sections, tasks, files)
        return failed("no Reproduce / Quickstart section with a command block")

    def judge(self, readme: Markdown, sections: list[Section], tasks: Tasks, files: FileIndex) -> Verdict:
        missing: list[str] = []
        named = 0
        for section in sections:
            for block in section.code_blocks:
                for offset, line in enumerate(block.lines, start=1):
                    for arguments in _MAKE_COMMAND.findall(line):
                        for target in _make_targets(arguments):
                            named += 1
                            if tasks.get(target) is None:
                                missing.append(f"make {target} ({readme.path}:{block.line + offset})")
                    for script in _SCRIPT_COMMAND.findall(line):
                        if script.startswith(("/", "~")) or "../" in script:
                            continue  # a path on the author's machine or in another checkout, not this tree
                        named += 1
                        if script.lstrip("./") not in files:
                            missing.append(f"{script} ({readme.path}:{block.line + offset})")
        location = _section_evidence(readme, sections[0])
        if missing:
            return failed("named but missing: " + ", ".join(sorted(set(missing))[:6]), location)
        if named == 0:
            commands = sum(len(b.lines) for s in sections for b in s.code_blocks)
            return passed(f"'{sections[0].title}' gives {commands} command lines", location)
        return passed(f"'{sections[0].title}' names {named} targets/scripts, all present", location)


class ST7(StoryCheck):
    """README names specific tools and keeps buzzwords rare"""

    id = "ST7"
    fix = "Name the actual components (vector store, embedding model, serving engine, eval framework) and cut the marketing words."

    def check(self, writeup: list[Markdown]) -> Verdict:
        """The README names few concrete tools, or leans on buzzwords."""
        if not writeup:
            return _no_readme()
        readme = writeup[0]  # buzzwords are counted in the README; tools anywhere in the write-up
        text = "\n".join(
            document.prose_text()
            + "\n"
            + "\n".join(" ".join(t.header) + " " + " ".join(c.text for c in t.cells()) for t in document.tables)
            for document in writeup
        )
        named = [tool for tool in TOOLS if tool.readme.search(text)]
        categories = {tool.category for tool in named}
        buzz = [(number, m.group(0)) for number, line in readme.prose for m in BUZZWORDS.finditer(line)]
        words = max(readme.word_count(), 1)
        density = 1000 * len(buzz) / words
        if buzz and (density > 4 or len(buzz) >= 5):
            first = buzz[0]
            return failed(
                f"{len(buzz)} buzzwords in {words} words ({density:.1f} per 1000; e.g. '{first[1]}')",
                Location(readme.path, first[0]),
            )
        if len(categories) < 2:
            listed = ", ".join(t.name for t in named) or "none"
            message = f"{len(named)} specific tools named ({listed}); name tools of at least 2 kinds"
            if named:
                return partially_passed(0.5, message, Location(readme.path, 1))
            return failed(message)
        return passed(
            f"{len(named)} tools named ({', '.join(t.name for t in named[:6])}); {len(buzz)} buzzwords in {words} words",
            Location(readme.path, 1),
        )
