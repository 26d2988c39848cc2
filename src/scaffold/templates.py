"""The built-in templates and the git history that lets Copier update projects made from them.

Copier records a template's commit in a generated project and needs that same commit again to
update it (three-way merge). The built-in templates therefore reach Copier as a git bundle whose
commits are derived deterministically from scaffold's own history: commit N of the bundle holds
the ``templates/`` tree of the N-th scaffold commit that changed it, with that commit's author,
dates and message. The same source history always yields the same commit ids, so a project made
by one installed version can be updated by a later one, on another machine, fully offline.

Two places provide the history:
- a source checkout (editable install): built from the checkout's git history on first use and
  cached; uncommitted template edits become one extra commit on top;
- a wheel: the build hook (``hatch_build.py``) ships ``scaffold/templates.bundle``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scaffold.catalog import Kind

PACKAGE_DIR = Path(__file__).resolve().parent
SHIPPED_BUNDLE = PACKAGE_DIR / "templates.bundle"
DEFAULT_CACHE = "~/.cache/scaffold"
BUNDLE_NAME = "templates.bundle"
_VERSION_RE = re.compile(r'^__version__\s*=\s*"([^"]+)"', re.MULTILINE)
# Commits made for uncommitted template edits get a fixed identity so their ids depend only on
# content; they only ever exist on the machine that made them.
_WORKTREE_IDENTITY = {
    "GIT_AUTHOR_NAME": "scaffold",
    "GIT_AUTHOR_EMAIL": "scaffold@localhost",
    "GIT_COMMITTER_NAME": "scaffold",
    "GIT_COMMITTER_EMAIL": "scaffold@localhost",
}


class TemplateError(Exception):
    """A problem with the built-in templates or with git; the message is shown to the user."""


def templates_dir() -> Path:
    """The directory holding ``copier.yml`` and one folder per kind."""
    for candidate in (PACKAGE_DIR / "templates", PACKAGE_DIR.parents[1] / "templates"):
        if (candidate / "copier.yml").is_file():
            return candidate
    raise TemplateError("The built-in templates are missing from this installation; reinstall scaffold.")


def kinds() -> list[Kind]:
    """The built-in project kinds, from the catalog shipped beside ``copier.yml``."""
    # Imported here: the wheel build hook loads this module without the scaffold package.
    from scaffold import catalog

    try:
        return catalog.load(templates_dir() / "kinds.yml")
    except (OSError, catalog.CatalogError) as exc:
        raise TemplateError(f"The kind catalog cannot be read ({exc}); reinstall scaffold.") from exc


def kind(name: str) -> Kind | None:
    """The built-in kind called ``name``, if there is one."""
    return next((k for k in kinds() if k.name == name), None)


def require_git() -> None:
    if shutil.which("git") is None:
        raise TemplateError("git is not on PATH; install git (Copier needs it to render and update templates).")


def _git(cwd: Path | None, *args: str, env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}
    if env:
        full_env.update(env)
    proc = subprocess.run(["git", *args], cwd=cwd, env=full_env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise TemplateError(f"git {args[0]} failed: {proc.stderr.strip().splitlines()[-1:] or proc.returncode}")
    return proc.stdout.strip()


def cache_dir_spec() -> str:
    """The cache directory as written into generated projects (``~`` kept, so it is portable)."""
    return os.environ.get("SCAFFOLD_CACHE") or DEFAULT_CACHE  # set but empty counts as unset


def bundle_spec() -> str:
    """The template source recorded in a project's answers file."""
    return f"{cache_dir_spec().rstrip('/')}/{BUNDLE_NAME}"


def _source_checkout() -> Path | None:
    """The scaffold git checkout this module runs from, if any (editable installs)."""
    root = PACKAGE_DIR.parents[1]
    if (root / "templates" / "copier.yml").is_file() and (root / ".git").exists():
        return root
    return None


def template_bundle() -> str:
    """Make sure the cached bundle holds the templates of this installation; return its spec.

    The returned string may start with ``~``; Copier expands it. Rebuilds only when the
    installed templates changed since the last call.
    """
    require_git()
    try:
        bundle = Path(bundle_spec()).expanduser()
    except RuntimeError:  # `~` with no HOME and no password-database entry
        raise TemplateError(
            f"Cannot find a home directory for the template cache {bundle_spec()}; set HOME or SCAFFOLD_CACHE."
        ) from None
    try:
        return _refresh_bundle(bundle)
    except OSError as exc:
        raise TemplateError(
            f"Cannot write the template cache {exc.filename or bundle.parent} ({exc.strerror or exc});"
            " set SCAFFOLD_CACHE to a writable directory."
        ) from None


def _refresh_bundle(bundle: Path) -> str:
    checkout = _source_checkout()
    if checkout is not None:
        key = "checkout:" + _checkout_key(checkout)
    elif SHIPPED_BUNDLE.is_file():
        key = "wheel:" + hashlib.sha256(SHIPPED_BUNDLE.read_bytes()).hexdigest()
    else:
        key = "dir:" + _directory_key(templates_dir())
    key_file = bundle.with_suffix(".key")
    if bundle.is_file() and key_file.is_file() and key_file.read_text() == key:
        return bundle_spec()
    bundle.parent.mkdir(parents=True, exist_ok=True)
    partial = bundle.with_name(f".{BUNDLE_NAME}.{os.getpid()}.tmp")
    try:
        if checkout is not None:
            build_bundle(checkout, partial)
        elif SHIPPED_BUNDLE.is_file():
            shutil.copyfile(SHIPPED_BUNDLE, partial)
        else:
            build_bundle(None, partial, plain_dir=templates_dir())
        os.replace(partial, bundle)
    finally:
        partial.unlink(missing_ok=True)
    key_file.write_text(key)
    return bundle_spec()


def _checkout_key(checkout: Path) -> str:
    head = _git(checkout, "rev-parse", "HEAD") if _has_commits(checkout) else "none"
    with tempfile.TemporaryDirectory() as objects:
        return f"{head}:{_worktree_tree(checkout, Path(objects))}"


def _directory_key(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _has_commits(repo: Path) -> bool:
    return (
        subprocess.run(
            ["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=repo, capture_output=True, check=False
        ).returncode
        == 0
    )


def _worktree_tree(checkout: Path, object_dir: Path) -> str:
    """Tree id of ``templates/`` as it is on disk, tracked or not (ignored files excluded).

    New objects go to ``object_dir``, never into the checkout's own object store.
    """
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "GIT_INDEX_FILE": str(Path(tmp) / "index"),
            "GIT_OBJECT_DIRECTORY": str(object_dir),
            "GIT_ALTERNATE_OBJECT_DIRECTORIES": _git(
                checkout, "rev-parse", "--path-format=absolute", "--git-path", "objects"
            ),
        }
        _git(checkout, "add", "-A", "--", "templates", env=env)
        return _git(checkout, "write-tree", "--prefix=templates/", env=env)


def build_bundle(checkout: Path | None, out: Path, *, plain_dir: Path | None = None) -> None:
    """Write a git bundle of the template history of ``checkout`` (or of a plain directory)."""
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "history.git"
        _git(None, "init", "-q", "--bare", str(repo))
        _git(repo, "symbolic-ref", "HEAD", "refs/heads/main")
        parent: str | None = None
        last_tree: str | None = None
        last_version: str | None = None
        if checkout is not None:
            objects = _git(checkout, "rev-parse", "--path-format=absolute", "--git-path", "objects")
            (repo / "objects" / "info" / "alternates").write_text(objects + "\n")
            for commit in _template_commits(checkout):
                tree = _git(checkout, "rev-parse", f"{commit['id']}:templates")
                if tree == last_tree:
                    continue
                parent = _git(
                    repo,
                    "commit-tree",
                    tree,
                    *(["-p", parent] if parent else []),
                    "-m",
                    commit["message"],
                    env=commit["env"],
                )
                version = _version_at(checkout, commit["id"])
                if version and version != last_version:
                    _git(repo, "tag", version, parent)
                    last_version = version
                last_tree = tree
            tree = _worktree_tree(checkout, repo / "objects")
            version = _current_version()
        else:
            assert plain_dir is not None
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index"), "GIT_WORK_TREE": str(plain_dir), "GIT_DIR": str(repo)}
            _git(plain_dir, "add", "-A", "--", ".", env=env)
            tree = _git(plain_dir, "write-tree", env=env)
            version = _current_version()
        if tree != last_tree:
            stamp = "2000-01-01T00:00:00+00:00"
            parent = _git(
                repo,
                "commit-tree",
                tree,
                *(["-p", parent] if parent else []),
                "-m",
                "Uncommitted template changes",
                env={**_WORKTREE_IDENTITY, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp},
            )
            if version != last_version:
                _git(repo, "tag", version, parent)
        if parent is None:
            raise TemplateError("No templates found to bundle.")
        _git(repo, "update-ref", "refs/heads/main", parent)
        _git(repo, "bundle", "create", "-q", str(out), "--all")


def _template_commits(checkout: Path) -> list[dict[str, Any]]:
    if not _has_commits(checkout):
        return []
    fmt = "%H%x1f%an%x1f%ae%x1f%aI%x1f%cn%x1f%ce%x1f%cI%x1f%B%x1e"
    raw = _git(checkout, "log", "--first-parent", "--reverse", f"--format={fmt}", "--", "templates")
    commits = []
    for record in raw.split("\x1e"):
        fields = record.strip("\n").split("\x1f")
        if len(fields) != 8:
            continue
        sha, an, ae, ad, cn, ce, cd, message = fields
        commits.append(
            {
                "id": sha,
                "message": message.strip() or sha,
                "env": {
                    "GIT_AUTHOR_NAME": an,
                    "GIT_AUTHOR_EMAIL": ae,
                    "GIT_AUTHOR_DATE": ad,
                    "GIT_COMMITTER_NAME": cn,
                    "GIT_COMMITTER_EMAIL": ce,
                    "GIT_COMMITTER_DATE": cd,
                },
            }
        )
    return commits


def _version_at(checkout: Path, commit: str) -> str | None:
    try:
        text = _git(checkout, "show", f"{commit}:src/scaffold/__init__.py")
    except TemplateError:
        return None
    match = _VERSION_RE.search(text)
    return match.group(1) if match else None


def _current_version() -> str:
    match = _VERSION_RE.search((PACKAGE_DIR / "__init__.py").read_text(encoding="utf-8"))
    if match is None:
        raise TemplateError("scaffold's version string is missing")
    return match.group(1)
