"""Every built-in kind rendered with each license and a custom package name, no GitHub user and no
git identity: the render passes its own lint, compiles, imports only modules it has, and carries
no placeholder or template leftover. Fast tier: no render dependency is installed."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from scaffold import render, templates

PACKAGE = "acme_probe"
LICENSES = {"MIT": "MIT License", "Apache-2.0": "Apache License"}
KINDS = [kind.name for kind in templates.kinds()]
PLACEHOLDERS = re.compile(
    r"(?i:your name|you@example\.com|your-github-user|example\.com|<your[-_ ]|changeme)"
    r"|\bTODO\b|\bFIXME\b|\bTBD\b|\bXXX\b|\{\{|\{%|\{#"
)
# Bundled third-party data (a documentation corpus, a weather table, their licenses) is quoted
# verbatim; it is not template output.
THIRD_PARTY = re.compile(r"^data/.*\.(jsonl|csv|txt)$")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


DEFAULT_PACKAGES = {slug(kind.defaults["project_name"]) for kind in templates.kinds()}


@pytest.fixture(autouse=True)
def no_git_identity(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Renders here must not depend on (or leak) the machine's git identity."""
    empty = tmp_path_factory.getbasetemp() / "empty-gitconfig"
    empty.touch()
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


_renders: dict[tuple[str, str], Path] = {}


@pytest.fixture(params=[(k, lic) for k in KINDS for lic in LICENSES], ids=lambda p: f"{p[0]}-{p[1]}")
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, Path]:
    kind, license_id = request.param
    if (kind, license_id) not in _renders:
        dest = tmp_path_factory.mktemp("matrix") / f"{kind}-{license_id}"
        render.new_project(
            kind, dest, data={"package_name": PACKAGE, "license": license_id}, defaults=True, init_git=False
        )
        _renders[kind, license_id] = dest
    return kind, license_id, _renders[kind, license_id]


def text_files(root: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        try:
            files[relative] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
    return files


def test_no_placeholder_or_template_leftover(rendered: tuple[str, str, Path]) -> None:
    _, _, root = rendered
    files = text_files(root)
    assert not [name for name in files if name.endswith(".jinja") or "{{" in name]
    found = [
        f"{name}:{number}: {line.strip()[:100]}"
        for name, text in files.items()
        if not THIRD_PARTY.match(name)
        for number, line in enumerate(text.splitlines(), 1)
        if PLACEHOLDERS.search(line)
    ]
    assert found == []
    leaked = [
        f"{name}: {default}"
        for name, text in files.items()
        for default in DEFAULT_PACKAGES
        if default in text or default.replace("_", "-") in text or default in name
    ]
    assert leaked == []


def test_metadata_follows_the_answers(rendered: tuple[str, str, Path]) -> None:
    kind, license_id, root = rendered
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert project["name"] == PACKAGE.replace("_", "-") and project["license"] == license_id
    project_name = templates.kind(kind).defaults["project_name"]  # type: ignore[union-attr]
    # No git identity and no answer: a real attribution, and no made-up email.
    assert project["authors"] == [{"name": f"The {project_name} authors"}]
    license_text = (root / "LICENSE").read_text()
    assert LICENSES[license_id] in license_text and f"The {project_name} authors" in license_text
    assert "github.com/" not in (root / "README.md").read_text().split("##", 1)[0]  # no badge without a user


def test_passes_its_own_lint(rendered: tuple[str, str, Path]) -> None:
    _, _, root = rendered
    for command in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        proc = subprocess.run([sys.executable, "-m", "ruff", *command], cwd=root, capture_output=True, text=True)
        assert proc.returncode == 0, f"ruff {command[0]}:\n{proc.stdout}{proc.stderr}"


def test_compiles_and_imports_only_its_own_modules(rendered: tuple[str, str, Path]) -> None:
    _, _, root = rendered
    package = root / "src" / PACKAGE
    assert (package / "__init__.py").is_file()
    missing: list[str] = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        compile(tree, str(path), "exec")
        for node in ast.walk(tree):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for module in modules:
                top, *rest = module.split(".")
                leaked = top in DEFAULT_PACKAGES
                if leaked or (top == PACKAGE and rest and not _exists(package, rest, module, node)):
                    missing.append(f"{path.relative_to(root)}: {module}")
    assert missing == []


def _exists(package: Path, parts: list[str], module: str, node: ast.AST) -> bool:
    target = package.joinpath(*parts)
    if target.with_suffix(".py").is_file() or (target / "__init__.py").is_file():
        return True
    # `from pkg.mod import name` also names an attribute, which need not be a module.
    return isinstance(node, ast.ImportFrom) and module != node.module


COMMON_TARGETS = {
    "help",
    "setup",
    "setup-llm",
    "test",
    "lint",
    "format",
    "eval",
    "gate",
    "baseline",
    "bench",
    "serve",
    "demo",
    "report",
    "clean",
    "traces",
    "setup-traces",
}


def test_make_targets_read_the_same_in_every_kind_and_help_shows_real_values(
    rendered: tuple[str, str, Path],
) -> None:
    _, _, root = rendered
    listing = subprocess.run(
        ["make", "--no-print-directory", "help", "PORT=8123"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    targets = {line.split()[1] for line in listing.splitlines() if line.startswith("  make ")}
    assert targets >= COMMON_TARGETS, COMMON_TARGETS - targets
    assert "$(" not in listing
    if "serve" in targets and "HOST" in (root / "Makefile").read_text():
        assert "8123" in listing
