"""Hostile cases for what `scaffold check` prints and writes: every format escapes what it did not write.

The checked repository chooses its file names, headings, script names and file contents; none of
them may become HTML or a link in the Markdown job summary, break a table cell or code span,
produce invalid UTF-8 or JSON, an unencoded SARIF URI, a terminal escape, or a traceback.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import unquote_to_bytes

import jsonschema
import pytest
from markdown_it import MarkdownIt

from tests.hostile.harness import Outcome, assert_contained, run_hostile, snapshot

SCHEMA = json.loads((Path(__file__).parents[1] / "check" / "fixtures" / "sarif-schema-2.1.0.json").read_text())
BAD_BYTE_NAME = os.fsdecode(b"eval-\xff\xfe.json")
HOSTILE_HEADING = "<img src=x onerror=alert(1)> Problem `code` </td></tr></table><script>alert(2)</script>"


HTML_NAME = "<img src=y>`|x.json"
SARIF_NAME = "a b#c%d?e.json"
ESCAPES_NAME = "\x1b]0;pwned\x07\x1b[31mred.json"  # terminal escapes: set the window title, colour


def _hostile_repo(root: Path, results_name: str = HTML_NAME) -> Path:
    """A tree whose every name and heading is an injection attempt; the one results file (quoted
    as EV4's evidence) has the name given."""
    (root / "results").mkdir(parents=True)
    (root / "README.md").write_bytes(
        f"# {HOSTILE_HEADING}\n\n"
        "We answer questions over 5,000 documents of [x](javascript:alert(3)) | a | b |.\n\n"
        "## Results </details>\n\n| metric | value |\n|---|---|\n| hit@5 <b>0.9</b> | 0.84 |\n\n"
        "## Reproduce\n\n```bash\nmake '<script>evil</script>'\nmake eval\n```\n".encode()
    )
    (root / "docs").mkdir()
    (root / "docs" / "notes.md").write_bytes(b"# \xed\xa0\x80 \xff a lone surrogate, not UTF-8\n")
    (root / "Makefile").write_text("eval:\n\tpython '<b>x</b>'.py\n")
    (root / "results" / results_name).write_text('{"hit@5": 0.84}')
    return root


@pytest.fixture
def hostile(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Path, dict[str, object]]:
    root = _hostile_repo(tmp_path / "repo", getattr(request, "param", HTML_NAME))
    return root, snapshot(root)


def _checked(root: Path, before: dict[str, object], *args: str, cwd: Path | None = None) -> Outcome:
    outcome = run_hostile("check", str(root), *args, cwd=cwd)
    assert_contained(outcome, watched=root, before=before, exit_codes=(0, 1))
    return outcome


def _markdown_tokens(text: str) -> list[object]:
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    flat: list[object] = []
    for token in parser.parse(text):
        flat.append(token)
        flat.extend(token.children or [])
    return flat


def test_markdown_report_makes_repository_text_inert(hostile: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    root, before = hostile
    report = tmp_path / "report.md"
    _checked(root, before, "--format", "markdown", "--output", str(report))
    text = report.read_bytes().decode("utf-8")
    tokens = _markdown_tokens(text)
    kinds = {token.type for token in tokens}  # type: ignore[attr-defined]
    assert not kinds & {"html_inline", "html_block", "link_open", "image"}, kinds
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    # every row of a table keeps its column count: nothing from the repository split a cell
    header_cells = {len(re.split(r"(?<!\\)\|", row)) for row in rows if row.startswith("| | id")}
    finding_rows = [row for row in rows if re.match(r"\| (✅|❌|n/a) \|", row)]
    assert finding_rows and {len(re.split(r"(?<!\\)\|", row)) for row in finding_rows} == header_cells
    assert "onerror=alert(1)" in text  # the heading is shown (ST1 quotes it) ...
    outside_code = re.sub(r"(`+).*?\1", "", text)
    assert "<img" not in outside_code and "<script" not in outside_code  # ... escaped
    inline_code = [token.content for token in tokens if token.type == "code_inline"]  # type: ignore[attr-defined]
    assert any(HTML_NAME in code for code in inline_code), inline_code  # whole, in one code span


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif"])
@pytest.mark.parametrize("hostile", [BAD_BYTE_NAME], indirect=True, ids=["undecodable-name"])
def test_undecodable_names_and_bytes_give_a_complete_utf8_report(
    hostile: tuple[Path, dict[str, object]], tmp_path: Path, fmt: str
) -> None:
    root, before = hostile
    report = tmp_path / f"report.{fmt}"
    _checked(root, before, "--format", fmt, "-o", str(report))
    text = report.read_bytes().decode("utf-8")  # strict: the report is well-formed UTF-8
    assert len(text) > 500
    assert r"eval-\xff\xfe.json" in text.replace("\\\\", "\\")  # the bytes are shown, escaped
    if fmt in ("json", "sarif"):
        data = json.loads(text)
        assert not re.search(r"\\ud[89a-f]", text), "lone surrogates are not interoperable JSON"
        assert data


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
@pytest.mark.parametrize("hostile", [ESCAPES_NAME], indirect=True, ids=["escapes-in-name"])
def test_reports_carry_no_terminal_escapes(hostile: tuple[Path, dict[str, object]], fmt: str) -> None:
    root, before = hostile
    outcome = _checked(root, before, "--format", fmt)
    assert "pwned" in outcome.stdout  # the name is shown ...
    assert "\x1b" not in outcome.stdout and "\x07" not in outcome.stdout  # ... without its escapes


@pytest.mark.parametrize("hostile", [SARIF_NAME, BAD_BYTE_NAME, HTML_NAME], indirect=True)
def test_sarif_uris_are_percent_encoded_and_valid(hostile: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    root, before = hostile
    outcome = _checked(root, before, "--format", "sarif", "--select", "EV4", cwd=tmp_path)
    log = json.loads(outcome.stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    uris = [
        location["physicalLocation"]["artifactLocation"]["uri"]
        for result in log["runs"][0]["results"]
        for location in result["locations"]
    ]
    assert uris
    for uri in uris:
        assert re.fullmatch(r"[A-Za-z0-9._~/!$&'()*+,;=:@%-]+", uri), uri
        assert not uri.startswith("/") and ":" not in uri.split("/")[0]
    names = {os.fsdecode(unquote_to_bytes(uri)).rsplit("/", 1)[-1] for uri in uris}
    assert (root / "results").iterdir().__next__().name in names  # decodes back to the very file


MARKUP = "[/x][bold]not markup[/bold]"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--select", MARKUP), id="select"),
        pytest.param(("--ignore", MARKUP), id="ignore"),
        pytest.param(("--format", MARKUP), id="format"),
        pytest.param(("--explain", MARKUP), id="explain"),
    ],
)
def test_console_markup_in_options_is_printed_literally(
    hostile: tuple[Path, dict[str, object]], args: tuple[str, ...]
) -> None:
    root, before = hostile
    outcome = run_hostile("check", str(root), *args)
    assert_contained(outcome, watched=root, before=before, exit_codes=(2,))
    assert MARKUP.upper() in outcome.stderr.upper()


def test_console_markup_in_the_repository_config_is_printed_literally(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "pyproject.toml").write_text(f'[tool.scaffold.check]\nselect = ["{MARKUP}"]\nfail-under = "[/y]"\n')
    before = snapshot(root)
    outcome = run_hostile("check", str(root))
    assert_contained(outcome, watched=root, before=before, exit_codes=(0, 1, 2))
    assert "MarkupError" not in outcome.stderr


@pytest.mark.parametrize("target", ["directory", "device-full", "missing-parent"])
def test_an_unwritable_output_is_one_error_and_leaves_nothing(
    hostile: tuple[Path, dict[str, object]], tmp_path: Path, target: str
) -> None:
    root, before = hostile
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    output = {
        "directory": out_dir,
        "device-full": Path("/dev/full"),
        "missing-parent": out_dir / "no" / "such" / "report.md",
    }[target]
    if target == "device-full" and not output.exists():
        pytest.skip("/dev/full is not available")
    outcome = run_hostile("check", str(root), "-f", "markdown", "-o", str(output))
    assert_contained(outcome, watched=root, before=before, exit_codes=(2,))
    assert outcome.stderr.strip().startswith("error: cannot write")
    assert list(out_dir.iterdir()) == []  # no 0-byte report, no temporary file


def test_a_failed_write_keeps_the_previous_report(hostile: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    root, before = hostile
    report = tmp_path / "report.json"
    _checked(root, before, "-f", "json", "-o", str(report))
    first = report.read_bytes()
    report.chmod(0o640)
    _checked(root, before, "-f", "json", "-o", str(report), "--select", "ST")
    assert report.read_bytes() != first and json.loads(report.read_bytes())
    assert oct(report.stat().st_mode & 0o777) == oct(0o640)  # the file's mode is kept
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to run as another user")
def test_a_path_below_a_folder_the_user_cannot_enter(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    (locked / "repo").mkdir(parents=True)
    locked.chmod(0o700)
    tmp_path.chmod(0o755)
    parents = [p for p in tmp_path.parents if p != Path("/")]
    modes = {p: p.stat().st_mode for p in parents}
    try:
        for parent in parents:  # let another user reach tmp_path (pytest makes it private)
            parent.chmod(parent.stat().st_mode | 0o005)
        try:
            outcome = run_hostile("check", str(locked / "repo"), user=65534, cwd=Path("/"))
        except PermissionError:
            pytest.skip("the test interpreter cannot be run by another user here")
    finally:
        for parent, mode in modes.items():
            parent.chmod(mode)
    if "No module named" in outcome.stderr:
        pytest.skip("the test interpreter is not readable by another user here")
    assert_contained(outcome, exit_codes=(2,))
    assert "cannot be read" in outcome.stderr or "does not exist" in outcome.stderr


def test_output_is_identical_whatever_the_locale(hostile: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    root, before = hostile
    outcome = run_hostile(
        "check", str(root), "-f", "markdown", env={"LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii"}
    )
    assert_contained(outcome, watched=root, before=before, exit_codes=(0, 1))
    assert "scaffold check:" in outcome.stdout


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip("the hostile corpus runs on Linux")


def test_a_path_the_process_may_not_reach_is_one_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same case in-process, for machines where the tests run as root: reaching the path fails
    with EACCES (a stand-in for a parent folder without search permission)."""
    from typer.testing import CliRunner

    from scaffold.cli import app

    locked = tmp_path / "locked"
    target = locked / "repo"
    target.mkdir(parents=True)
    real_stat = Path.stat

    def stat(self: Path, *, follow_symlinks: bool = True) -> os.stat_result:
        if self == target or locked in self.parents:
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, follow_symlinks=follow_symlinks)

    monkeypatch.setattr(Path, "stat", stat)
    result = CliRunner().invoke(app, ["check", str(target)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "cannot be read (Permission denied)" in result.output
