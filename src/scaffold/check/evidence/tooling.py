"""The project's own tooling and licence, read once as data: which type checker and linter are
configured (pyproject tables, their own config files, setup.cfg sections), and the licence file."""

from __future__ import annotations

from dataclasses import dataclass

from scaffold.check.evidence.dependencies import PyProject
from scaffold.check.evidence.files import FileIndex
from scaffold.check.model import Location

TYPE_CHECKERS = ("mypy", "pyright", "ty", "basedpyright")
LINTERS = ("ruff", "pylint", "flake8", "flakeheaven")
LICENSE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "LICENCE.md", "COPYING")


@dataclass(frozen=True)
class LicenseFile:
    path: str
    words: int


@dataclass(frozen=True)
class Tooling:
    type_checker: Location | None
    linter: Location | None
    license: LicenseFile | None
    """The licence file at the root (the first of LICENSE_NAMES), whatever its length."""


def collect_tooling(files: FileIndex, pyproject: PyProject | None) -> Tooling:
    type_checker: Location | None = None
    linter: Location | None = None
    if pyproject is not None:
        for name in TYPE_CHECKERS:
            if pyproject.table("tool", name) is not None:
                type_checker = type_checker or Location(pyproject.path, pyproject.line_of(f"[tool.{name}"))
        for name in LINTERS:
            if pyproject.table("tool", name) is not None:
                linter = linter or Location(pyproject.path, pyproject.line_of(f"[tool.{name}"))
    for found in files.named("mypy.ini", ".mypy.ini", "pyrightconfig.json"):
        type_checker = type_checker or Location(found.path)
    for found in files.named("ruff.toml", ".ruff.toml", ".flake8", ".pylintrc", "pylintrc"):
        linter = linter or Location(found.path)
    setup_cfg = files.read_text("setup.cfg") if "setup.cfg" in files else None
    if setup_cfg:
        if "[mypy" in setup_cfg:
            type_checker = type_checker or Location("setup.cfg")
        if "[flake8" in setup_cfg:
            linter = linter or Location("setup.cfg")
    license_file = None
    for found in files.named(*LICENSE_NAMES):
        if "/" not in found.path:
            license_file = LicenseFile(found.path, len((files.read_text(found.path) or "").split()))
            break
    return Tooling(type_checker, linter, license_file)
