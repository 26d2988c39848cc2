import sys
from pathlib import Path

import pytest

from scaffold.check import docs
from scaffold.check.registry import ENTRY_POINT_GROUP, RegistryError, load_checks
from tests.check.conftest import REPO_ROOT, score_tree, write_tree


def test_readme_check_list_is_generated_and_up_to_date() -> None:
    assert docs.main(["--check", str(REPO_ROOT / "README.md")]) == 0


def test_every_rubric_row_is_a_check() -> None:
    ids = {c.id for c in load_checks(include_plugins=False)}
    rubric = {f"ST{i}" for i in range(1, 8)} | {f"EV{i}" for i in range(1, 8)} | {f"EN{i}" for i in range(1, 8)}
    rubric |= {f"PR{i}" for i in range(1, 6)} | {f"PF{i}" for i in range(1, 4)}
    rubric |= {"RAG1", "RAG2", "RAG3", "AG1", "AG2", "SV1", "SV2"}
    assert ids == rubric


def test_rewrite_block_adds_a_section_when_missing_and_replaces_it_when_present() -> None:
    added = docs.rewrite_block("# Title\n", "| a |\n")
    assert "## Checks" in added and docs.START in added
    replaced = docs.rewrite_block(added, "| b |\n")
    assert "| b |" in replaced and "| a |" not in replaced


PLUGIN = '''
from scaffold.check.model import Check, passed, failed


class HasChangelog(Check):
    """A CHANGELOG is kept"""

    id = "X1"
    family = "extra"
    fix = "Add CHANGELOG.md."

    def check(self, files):
        """No changelog."""
        return passed("found") if "CHANGELOG.md" in files else failed("missing")


def provide():
    return [HasChangelog]
'''


def _install_plugin(site: Path, body: str) -> None:
    write_tree(
        site,
        {
            "demo_plugin.py": body,
            "demo_plugin-0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: demo-plugin\nVersion: 0.1\n",
            "demo_plugin-0.1.dist-info/entry_points.txt": f"[{ENTRY_POINT_GROUP}]\nextra = demo_plugin:provide\n",
        },
    )


def test_plugin_checks_from_the_entry_point_group_are_scored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin(tmp_path / "site", PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    checks = load_checks()
    assert "X1" in {c.id for c in checks}
    repo = write_tree(tmp_path / "repo", {"CHANGELOG.md": "# 0.1\n"})
    from scaffold.check.runner import run_checks

    run = run_checks(repo, checks)
    assert run.score.families["extra"].score == 100
    sys.modules.pop("demo_plugin", None)


def test_plugin_asking_for_an_unknown_fact_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin(tmp_path / "site", PLUGIN.replace("def check(self, files)", "def check(self, weather)"))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(RegistryError, match="unknown fact"):
        load_checks()
    sys.modules.pop("demo_plugin", None)


def test_builtin_scoring_ignores_plugins_when_asked(tmp_path: Path) -> None:
    run = score_tree(write_tree(tmp_path, {"README.md": "# x\n"}))
    assert "extra" not in run.score.families


def test_a_plugin_found_through_the_current_directory_is_not_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_plugin(tmp_path / "site", PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.syspath_prepend("")
    monkeypatch.chdir(tmp_path / "site")
    assert "X1" not in {c.id for c in load_checks()}
    assert "demo_plugin" not in sys.modules


def test_a_plugin_inside_the_checked_repository_is_not_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin(tmp_path / "repo" / "vendor", PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path / "repo" / "vendor"))
    assert "X1" not in {c.id for c in load_checks(exclude=[tmp_path / "repo"])}
    assert "demo_plugin" not in sys.modules
    assert "X1" in {c.id for c in load_checks()}  # the same plugin, installed outside the checked tree, loads
    sys.modules.pop("demo_plugin", None)


def test_a_trusted_plugin_imports_nothing_from_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_plugin(
        tmp_path / "site",
        PLUGIN.replace("from scaffold.check.model", "import shadowed_helper\nfrom scaffold.check.model"),
    )
    (tmp_path / "cwd").mkdir()
    (tmp_path / "cwd" / "shadowed_helper.py").write_text("raise SystemExit('imported from the current directory')\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.syspath_prepend(str(tmp_path / "cwd"))
    monkeypatch.chdir(tmp_path / "cwd")
    with pytest.raises(RegistryError, match="shadowed_helper"):
        load_checks()
    sys.modules.pop("demo_plugin", None)


FACT_PLUGIN = '''
from scaffold.check.model import Check, passed, failed


def changelog_entries(repository):
    text = repository.files.read_text("CHANGELOG.md") or ""
    return [line for line in text.splitlines() if line.startswith("## ")]


class ChangelogKept(Check):
    """The CHANGELOG has entries"""

    id = "X2"
    family = "extra"
    fix = "Add a section per release to CHANGELOG.md."

    def check(self, changelog_entries):
        """No release entries."""
        return passed(f"{len(changelog_entries)} entries") if changelog_entries else failed("no entries")


def provide():
    return [ChangelogKept]
'''


def test_a_plugin_fact_is_computed_once_and_given_to_its_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scaffold.check.evidence import Repository
    from scaffold.check.registry import FACT_ENTRY_POINT_GROUP
    from scaffold.check.runner import run_checks

    site = tmp_path / "site"
    write_tree(
        site,
        {
            "fact_plugin.py": FACT_PLUGIN,
            "fact_plugin-0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: fact-plugin\nVersion: 0.1\n",
            "fact_plugin-0.1.dist-info/entry_points.txt": (
                f"[{ENTRY_POINT_GROUP}]\nextra = fact_plugin:provide\n\n"
                f"[{FACT_ENTRY_POINT_GROUP}]\nchangelog_entries = fact_plugin:changelog_entries\n"
            ),
        },
    )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(Repository, "plugin_facts", {})
    checks = load_checks()
    assert "changelog_entries" in Repository.known_facts()
    repo = write_tree(tmp_path / "repo", {"CHANGELOG.md": "# Changes\n\n## 0.2\n\n## 0.1\n"})
    found = next(f for f in run_checks(repo, checks).findings if f.check_id == "X2")
    assert found.status.value == "pass" and found.verdict.detail == "2 entries"


def test_a_fact_plugin_cannot_replace_a_built_in_fact(monkeypatch: pytest.MonkeyPatch) -> None:
    from scaffold.check.evidence import Repository

    monkeypatch.setattr(Repository, "plugin_facts", {})
    with pytest.raises(ValueError, match="built in"):
        Repository.register_fact("files", lambda repository: [])
    with pytest.raises(ValueError, match="identifier"):
        Repository.register_fact("not-a-name", lambda repository: [])


FAMILY_PLUGIN = (
    PLUGIN
    + """

from scaffold.check.model import Family


def families():
    return [Family("extra", "Housekeeping", 5)]
"""
)


def test_a_plugin_family_brings_its_title_and_weight(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scaffold.check.model import FAMILIES, FAMILY_TITLES
    from scaffold.check.registry import FAMILY_ENTRY_POINT_GROUP
    from scaffold.check.runner import run_checks

    _install_plugin(tmp_path / "site", FAMILY_PLUGIN)
    entry_points = tmp_path / "site" / "demo_plugin-0.1.dist-info" / "entry_points.txt"
    entry_points.write_text(
        entry_points.read_text() + f"\n[{FAMILY_ENTRY_POINT_GROUP}]\nextra = demo_plugin:families\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    try:
        checks = load_checks()
        run = run_checks(write_tree(tmp_path / "repo", {"CHANGELOG.md": "# 0.1\n"}), checks)
        assert run.score.families["extra"].weight == 5 and FAMILY_TITLES["extra"] == "Housekeeping"
    finally:
        FAMILIES.pop("extra", None)
        FAMILY_TITLES.pop("extra", None)
        sys.modules.pop("demo_plugin", None)


def test_the_builtins_come_through_scaffolds_own_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    from scaffold.check.checks import builtin_checks
    from scaffold.check.evidence import Repository
    from scaffold.check.registry import FACT_ENTRY_POINT_GROUP, FAMILY_ENTRY_POINT_GROUP, builtin_entry_points

    checks = builtin_entry_points(ENTRY_POINT_GROUP)
    families = builtin_entry_points(FAMILY_ENTRY_POINT_GROUP)
    facts = builtin_entry_points(FACT_ENTRY_POINT_GROUP)
    assert [e.value for e in checks] == ["scaffold.check.checks:builtin_checks"]
    assert [e.value for e in families] == ["scaffold.check.checks:builtin_families"]
    assert [e.value for e in facts] == ["scaffold.check.evidence:builtin_facts"]
    # the facts a check can ask for are exactly what the entry point provides (plus the root)
    monkeypatch.setattr(Repository, "builtin", {})
    monkeypatch.setattr(Repository, "plugin_facts", {})
    assert Repository.known_facts() == {"root", *facts[0].load()()}
    assert {"files", "python", "results", "serving_engines", "infrastructure"} <= Repository.known_facts()
    assert [c.id for c in load_checks(include_plugins=False)] == [c.id for c in checks[0].load()()]
    assert len(builtin_checks()) == len(load_checks(include_plugins=False))
