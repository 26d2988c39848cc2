"""Evidence gathering: the file index, the parsers, number matching."""

from pathlib import Path

from scaffold.check.evidence.files import build_file_index
from scaffold.check.evidence.ignore import is_ignored, parse_gitignore
from scaffold.check.evidence.markdown import parse_markdown
from scaffold.check.evidence.python_source import collect_python_sources, parse_python
from scaffold.check.numbers import parse_shown_number
from tests.check.conftest import write_tree


def test_collected_sources_match_single_file_parsing(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        f"pkg/m{i}.py": f"import os\nfrom json import loads as l{i}\n\ndef f{i}():\n    return os.getenv('X{i}')\n"
        for i in range(320)
    }
    files["tests/test_a.py"] = "def test_a():\n    assert 1 + 1 == 2\n"
    files["pkg/broken.py"] = "def (:\n"
    write_tree(tmp_path, files)
    index = build_file_index(tmp_path)
    collected = collect_python_sources(index)
    serial = {path: parse_python(path, (tmp_path / path).read_text()) for path in files}
    assert len(collected.modules) == len(files)
    for module in collected.modules:
        expected = serial[module.path]
        assert module.imports == expected.imports
        assert module.names == expected.names
        assert [t.assertions for t in module.tests] == [t.assertions for t in expected.tests]
    assert index.skipped["Python syntax error"] == 1


def test_gitignore_rules() -> None:
    rules = parse_gitignore("*.log\n/build/\n.env\n!keep.log\ndocs/**/draft.md\n")
    assert is_ignored(rules, "a/b/x.log", False)
    assert not is_ignored(rules, "keep.log", False)
    assert is_ignored(rules, "build", True)
    assert not is_ignored(rules, "src/build", True)
    assert is_ignored(rules, ".env", False)
    assert is_ignored(rules, "docs/a/b/draft.md", False)


def test_ignored_and_tool_directories_are_not_indexed(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {".gitignore": "out/\n", "out/a.py": "x", ".venv/lib/b.py": "y", "src/c.py": "z"}
    )
    assert set(build_file_index(tmp_path).files) == {".gitignore", "src/c.py"}


def test_markdown_sections_tables_and_code_keep_line_numbers() -> None:
    text = "# T\n\nintro\n\n## Results\n\n| a | b |\n|---|---:|\n| x | 0.5 |\n\n```bash\n# not a heading\nmake eval\n```\n"
    doc = parse_markdown("README.md", text)
    assert [(s.title, s.line) for s in doc.sections] == [("T", 1), ("Results", 5)]
    table = doc.sections[1].tables[0]
    assert table.line == 7 and table.rows[0][1].text == "0.5" and table.rows[0][1].line == 9
    assert doc.code_blocks[0].lines == ("# not a heading", "make eval")


def test_shown_numbers_match_with_rounding_percent_and_units() -> None:
    percent = parse_shown_number("82.4%")
    assert percent is not None and percent.backed_by(0.8243) and not percent.backed_by(0.81)
    assert parse_shown_number("0.84") is not None and parse_shown_number("0.84").backed_by(0.8412)  # type: ignore[union-attr]
    millis = parse_shown_number("412 ms")
    assert millis is not None and millis.backed_by(0.4123)
    assert parse_shown_number("1,024").value == 1024  # type: ignore[union-attr]
    thousands = parse_shown_number("12.5k")
    assert thousands is not None and thousands.backed_by(12_480) and not thousands.backed_by(12_600)
    assert parse_shown_number("fast") is None
    assert parse_shown_number("v2 model") is None
