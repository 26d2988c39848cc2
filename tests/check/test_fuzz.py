"""Property tests: every parser takes arbitrary input without raising.

Counts of generated inputs are reported at the end of the run (set SCAFFOLD_FUZZ_REPORT to a path
to also write them as JSON).
"""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaffold.check.config import ConfigError, config_from_table
from scaffold.check.evidence.eval_sets import measure_eval_set
from scaffold.check.evidence.ignore import is_ignored, parse_gitignore
from scaffold.check.evidence.markdown import parse_markdown
from scaffold.check.evidence.python_source import parse_python
from scaffold.check.evidence.results import parse_results_file
from scaffold.check.evidence.tasks import Tasks, _parse_makefile
from scaffold.check.numbers import parse_shown_number
from tests.check.conftest import FUZZ_CASES, score_tree, write_tree

EXAMPLES = 300
fuzz = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

markdown_pieces = st.sampled_from(
    [
        "# ",
        "## ",
        "|",
        "---",
        "```",
        "~~~",
        "<!--",
        "-->",
        "[a](b)",
        "![x](y.png)",
        "\n",
        " ",
        "0.84",
        "%",
        "mermaid",
    ]
)
markdown_text = st.one_of(
    st.text(), st.lists(st.one_of(markdown_pieces, st.text(max_size=8))).map("".join)
)


@fuzz
@given(markdown_text)
def test_markdown_parser_never_raises(text: str) -> None:
    doc = parse_markdown("README.md", text)
    for section in doc.sections:
        assert section.line >= 1
        section.has_content()
    FUZZ_CASES["markdown"] += 1


python_pieces = st.sampled_from(
    [
        "import os\n",
        "from a.b import c as d\n",
        "def test_x():\n    assert x\n",
        "@app.get('/')\n",
        "try:\n    pass\nexcept (A, b.C):\n    pass\n",
        "if __name__ == '__main__':\n    main()\n",
        "    ",
        "(",
        ")",
        ":",
        "\n",
        "'''",
        "\x00",
    ]
)


@fuzz
@given(st.one_of(st.text(), st.lists(st.one_of(python_pieces, st.text(max_size=6))).map("".join)))
def test_python_parser_never_raises(source: str) -> None:
    module = parse_python("tests/test_fuzz.py", source)
    assert module.line_count >= 1
    FUZZ_CASES["python"] += 1


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@fuzz
@given(
    st.one_of(
        st.text(), json_values.map(repr), json_values.map(lambda v: __import__("json").dumps(v))
    )
)
def test_results_and_eval_set_parsers_never_raise(text: str) -> None:
    parse_results_file("results/x.json", text)
    parse_results_file("results/x.csv", text)
    for path in ("evals/x.jsonl", "evals/x.csv", "evals/x.json", "evals/x.tsv"):
        assert measure_eval_set(path, text).cases >= 0
    FUZZ_CASES["results+eval sets"] += 1


@fuzz
@given(st.text(), st.text(alphabet="abc/._*?[]!", max_size=12))
def test_gitignore_and_makefile_parsers_never_raise(text: str, path: str) -> None:
    rules = parse_gitignore(text)
    is_ignored(rules, path, False)
    tasks = Tasks()
    _parse_makefile("Makefile", text, tasks)
    for name in tasks.tasks:
        tasks.expanded_commands(name)
    FUZZ_CASES["gitignore+makefile"] += 1


@fuzz
@given(st.text())
def test_number_parser_never_raises(text: str) -> None:
    number = parse_shown_number(text)
    if number is not None:
        assert number.backed_by(number.magnitude)
    FUZZ_CASES["numbers"] += 1


@fuzz
@given(json_values)
def test_config_is_accepted_or_rejected_with_a_message(table: object) -> None:
    try:
        config_from_table(table)
    except ConfigError as exc:
        assert str(exc)
    FUZZ_CASES["config"] += 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "README.md",
                "pyproject.toml",
                "Makefile",
                "results/eval.json",
                "evals/golden.jsonl",
                ".github/workflows/ci.yml",
                "app.py",
                "tests/test_a.py",
                ".gitignore",
                ".env",
            ]
        ),
        st.one_of(st.text(max_size=200), st.binary(max_size=100)),
        max_size=6,
    )
)
def test_whole_repositories_of_garbage_score_without_raising(files: dict[str, str | bytes]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        run = score_tree(write_tree(Path(directory), files))
        assert 0 <= run.score.total <= 100
        assert not [f for f in run.findings if "crashed" in f.verdict.detail]
    FUZZ_CASES["whole repository"] += 1
