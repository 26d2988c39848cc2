"""Rendering new projects and updating existing ones.

A render always happens in a temporary directory beside the destination and is moved into place
only when it succeeded, so a failed or interrupted render leaves nothing behind.

Trust: the built-in templates are ours and run with every Copier feature. Any other template gets
Copier's own safety: tasks, migrations and Jinja extensions need ``trust=True`` (``--trust``).
Cookiecutter has no sandbox at all (its Jinja can reach Python, its hooks are scripts), so every
Cookiecutter template needs ``trust=True``.

Containment: nothing is written outside the destination. ``--force`` into an existing directory
moves the rendered files in without following or replacing a symbolic link already there (such a
link is refused by name), keeps the directory's own mode, and makes no git commit (the directory
held the user's files, which are not ours to commit). A rendered ``.git`` or a rendered link that
points outside the project is refused.
"""

from __future__ import annotations

import contextlib
import errno
import json
import keyword
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from scaffold import templates

ANSWERS_FILE = ".copier-answers.yml"
_GIT_URL = re.compile(r"^(gh:|gl:|git\+|git@|https?://|ssh://|file://)|\.git/?$")
_CONFLICT_MARKERS = (b"<<<<<<< before updating", b">>>>>>> after updating")

GitOutcome = Literal["committed", "disabled", "no-git", "inside-repository", "existing-files"]


class RenderError(Exception):
    """A user-facing failure of `new` or `update`; the message is one actionable sentence."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class NewProject:
    """What `new` made: where, and what became of the first commit."""

    path: Path
    git: GitOutcome
    note: str | None = None  # e.g. that DEST was a link and its target was used


@dataclass(frozen=True)
class UpdateResult:
    """Files an update left with conflicts: inline-marked files, and ``.rej`` files (relative paths)."""

    conflicted: tuple[str, ...] = ()
    rejects: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.conflicted and not self.rejects


def parse_data(pairs: list[str]) -> dict[str, str]:
    """Turn ``key=value`` command-line pairs into a dict."""
    data: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise RenderError(f"--data expects key=value, got {pair!r}.")
        data[key.strip()] = value
    return data


def new_project(
    template: str,
    dest: Path,
    *,
    data: Mapping[str, Any] | None = None,
    defaults: bool = False,
    force: bool = False,
    init_git: bool = True,
    trust: bool = False,
) -> NewProject:
    """Render ``template`` (a built-in kind, a Copier template path/URL, or a Cookiecutter
    template directory) into ``dest``.

    Only the built-in templates run their tasks unasked; any other template's unsafe features
    need ``trust``.
    """
    dest, note = _resolve_destination(dest)
    answers = dict(data or {})
    preexisting = _check_destination(dest, force)
    builtin = {kind.name for kind in templates.kinds()}
    local = Path(template).expanduser()
    render: Callable[[Path], None]
    if template in builtin:
        check_package_name(answers)
        source = _prepare_builtin(template, answers)
        render = _copier_renderer(source, answers, defaults, vcs_ref="HEAD", near=dest, unsafe=True)
    elif local.is_dir() and (local / "cookiecutter.json").is_file():
        _check_cookiecutter_trust(local.absolute(), trust)
        render = _cookiecutter_renderer(local.absolute(), answers, defaults)
    elif local.is_dir() and any((local / name).is_file() for name in ("copier.yml", "copier.yaml")):
        templates.require_git()
        render = _copier_renderer(
            str(local.absolute()), answers, defaults, vcs_ref=None, near=dest, unsafe=trust, command="new"
        )
    elif _GIT_URL.search(template):
        templates.require_git()
        render = _copier_renderer(template, answers, defaults, vcs_ref=None, near=dest, unsafe=trust, command="new")
    else:
        names = ", ".join(sorted(builtin))
        raise RenderError(
            f"Unknown template {template!r}: use one of {names}, or a path or git URL of a Copier template."
        )
    placed = False
    try:
        with _staging(dest) as staging:
            render(staging)
            _check_rendered(staging)
            with _written(dest), _no_interrupt():
                _place(staging, dest)
                placed = True
    except KeyboardInterrupt:
        if not placed:
            raise  # nothing was written
        raise RenderError(f"Interrupted; {dest} is rendered but has no git repository yet.", 130) from None
    if not init_git:
        outcome: GitOutcome = "disabled"
    elif preexisting:
        outcome = "existing-files"
    else:
        outcome = _init_git(dest, answers)
    return NewProject(dest, outcome, note)


def check_package_name(answers: Mapping[str, Any]) -> None:
    """Refuse a ``package_name`` answer that is a Python keyword or shadows a standard-library module.

    The built-in ``copier.yml`` carries the same rule as a validator (for prompted answers and
    defaults derived from the project name); this check runs first and says which rule it broke.
    """
    name = answers.get("package_name")
    if not isinstance(name, str):
        return
    if keyword.iskeyword(name):
        raise RenderError(f"package_name {name!r} is a Python keyword; choose another name.")
    if name in sys.stdlib_module_names or name in _reserved_package_names():
        raise RenderError(
            f"package_name {name!r} is the name of a standard-library module (the project's package would"
            " shadow it); choose another name."
        )


def _reserved_package_names() -> frozenset[str]:
    import yaml

    try:
        config = yaml.safe_load((templates.templates_dir() / "copier.yml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RenderError(f"The built-in copier.yml cannot be read ({exc}); reinstall scaffold.") from exc
    names = (config or {}).get("reserved_package_names", {}).get("default", [])
    return frozenset(str(name) for name in names)


def update_project(
    dest: Path,
    *,
    data: Mapping[str, Any] | None = None,
    conflict: Literal["inline", "rej"] = "inline",
    trust: bool = False,
) -> UpdateResult:
    """Carry the newest template version into a project generated by ``scaffold new``.

    Returns the conflicts the three-way merge left; the caller decides how loudly to fail.
    A project of the built-in templates is trusted; any other template source needs ``trust``
    for its tasks, migrations and Jinja extensions.
    """
    dest = _absolute(dest)
    answers_path = dest / ANSWERS_FILE
    if not dest.is_dir():
        raise RenderError(f"{dest} is not a directory.")
    if not answers_path.is_file():
        if (dest / ".cookiecutter.json").is_file() or (dest / ".cookiecutterrc").is_file():
            raise RenderError("This project came from a Cookiecutter template; update is Copier-only.")
        raise RenderError(f"{dest} has no {ANSWERS_FILE}; only projects generated with Copier can be updated.")
    templates.require_git()
    from copier import run_update

    recorded = _read_answers(answers_path)
    kind = recorded.get("kind")
    builtin = False
    if (
        isinstance(kind, str)
        and kind in {k.name for k in templates.kinds()}
        and recorded["_src_path"].endswith(templates.BUNDLE_NAME)
    ):
        src = templates.template_bundle()
        if src != recorded["_src_path"]:
            raise RenderError(
                f"The project records template source {recorded['_src_path']!r} but this scaffold uses"
                f" {src!r}; set SCAFFOLD_CACHE to match and retry."
            )
        builtin = True
    source = recorded["_src_path"]
    if not builtin and not _GIT_URL.search(source) and not _absolute(Path(source)).exists():
        raise RenderError(
            f"{ANSWERS_FILE} records the template source {source!r}, which does not exist here; fix _src_path"
            " or make the template available at that path."
        )
    with _copier_errors(command="update"):
        run_update(
            str(dest),
            data=dict(data or {}),
            defaults=True,
            overwrite=True,
            skip_answered=True,
            unsafe=builtin or trust,
            vcs_ref="HEAD",
            conflict=conflict,
            quiet=True,
        )
    return _conflicts(dest)


def _read_answers(path: Path) -> dict[str, Any]:
    """The recorded answers, or one line saying what is wrong with the file."""
    import yaml

    name = path.name
    try:
        recorded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise RenderError(f"{name} is not UTF-8 text; restore it from git (`git checkout -- {name}`).") from None
    except OSError as exc:
        raise RenderError(f"{name} cannot be read: {exc.strerror or exc}.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise RenderError(
            f"{name} is not valid YAML{where}; fix it or restore it from git (`git checkout -- {name}`)."
        ) from None
    if not isinstance(recorded, dict):
        raise RenderError(f"{name} must be a mapping of answers, not {type(recorded).__name__}; restore it from git.")
    for key, what in (("_src_path", "template source"), ("_commit", "template version")):
        value = recorded.get(key)
        if not isinstance(value, str) or not value.strip():
            raise RenderError(
                f"{name} records no {what} ({key}); update needs it to find the template the project was made from."
            )
    return recorded


def _conflicts(dest: Path) -> UpdateResult:
    """Files left with conflict markers (unmerged in the index, or still carrying markers) and ``.rej`` files."""
    unmerged = _git_lines(dest, "ls-files", "-z", "--unmerged")
    conflicted = {line.split("\t", 1)[1] for line in unmerged if "\t" in line}
    changed = _git_lines(dest, "diff", "-z", "--name-only", "HEAD")
    for rel in changed:
        path = dest / rel
        if rel not in conflicted and path.is_file() and not path.is_symlink() and _has_markers(path):
            conflicted.add(rel)
    untracked = _git_lines(dest, "ls-files", "-z", "--others")
    rejects = sorted(rel for rel in untracked if rel.endswith(".rej"))
    return UpdateResult(tuple(sorted(conflicted)), tuple(rejects))


def _git_lines(cwd: Path, *args: str) -> list[str]:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    if proc.returncode != 0:
        return []
    return [entry.decode("utf-8", "surrogateescape") for entry in proc.stdout.split(b"\0") if entry]


def _has_markers(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return any(line.rstrip() in _CONFLICT_MARKERS for line in handle)
    except OSError:
        return False


def _prepare_builtin(kind: str, answers: dict[str, Any]) -> str:
    try:
        source = templates.template_bundle()
    except templates.TemplateError as exc:
        raise RenderError(str(exc)) from exc
    answers["kind"] = kind
    return source


def git_identity(near: Path) -> dict[str, str]:
    """``author_name``/``author_email`` defaults from git's ``user.name``/``user.email``.

    Read as git would for a repository at ``near`` (its nearest existing directory), so
    directory-scoped identities apply; a key that is unset, unreadable or odd is left out.
    """
    cwd = next((p for p in (near, *near.parents) if p.is_dir()), None)
    identity: dict[str, str] = {}
    for key, answer in (("user.name", "author_name"), ("user.email", "author_email")):
        try:
            proc = subprocess.run(
                ["git", "config", "--get", key], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return {}
        value = proc.stdout.strip()
        if proc.returncode == 0 and value and "\n" not in value and (answer != "author_email" or "@" in value):
            identity[answer] = value
    return identity


def _copier_renderer(
    source: str,
    answers: dict[str, Any],
    defaults: bool,
    vcs_ref: str | None,
    near: Path,
    *,
    unsafe: bool,
    command: str = "new",
) -> Callable[[Path], None]:
    def render(target: Path) -> None:
        from copier import run_copy

        with _copier_errors(command=command):
            run_copy(
                source,
                str(target),
                data=answers,
                user_defaults=git_identity(near),
                defaults=defaults,
                unsafe=unsafe,
                vcs_ref=vcs_ref,
                quiet=True,
                overwrite=True,
            )

    return render


def _check_cookiecutter_trust(source: Path, trust: bool) -> None:
    """Every Cookiecutter template can run code: its Jinja is not sandboxed, hooks are scripts and
    ``_extensions`` imports modules. Name what this one has, and ask for ``--trust``."""
    if trust:
        return
    features = ["unsandboxed Jinja templates"]
    hooks = source / "hooks"
    if hooks.is_dir() and any(p.is_file() for p in hooks.iterdir()):
        features.append("hooks (" + ", ".join(sorted(p.name for p in hooks.iterdir() if p.is_file())) + ")")
    try:
        context = json.loads((source / "cookiecutter.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        context = {}
    if isinstance(context, dict) and context.get("_extensions"):
        features.append("Jinja extensions (_extensions)")
    raise RenderError(
        f"Cookiecutter templates can run code on this machine: {', '.join(features)}. If you trust this"
        " template, run `scaffold new --trust ...`."
    )


def _cookiecutter_renderer(source: Path, answers: dict[str, Any], defaults: bool) -> Callable[[Path], None]:
    def render(target: Path) -> None:
        from cookiecutter.config import get_user_config
        from cookiecutter.exceptions import CookiecutterException
        from cookiecutter.main import cookiecutter

        output = target / ".cookiecutter-output"
        output.mkdir()
        try:
            # Cookiecutter writes a replay file under HOME; keep it in the staging area instead.
            config = {**get_user_config(), "replay_dir": str(target / ".cookiecutter-replay")}
            produced = cookiecutter(
                str(source), no_input=defaults, extra_context=answers, output_dir=str(output), default_config=config
            )
        except CookiecutterException as exc:
            raise RenderError(f"Cookiecutter failed: {exc}") from exc
        shutil.rmtree(target / ".cookiecutter-replay", ignore_errors=True)
        inner = Path(produced)
        strays = [p.name for p in output.iterdir() if p != inner] + [p.name for p in target.iterdir() if p != output]
        if inner.parent != output or strays:
            raise RenderError(
                f"The Cookiecutter template wrote outside its project folder ({', '.join(strays) or inner.name});"
                " nothing was placed."
            )
        # Cookiecutter creates one top-level folder; its content is the project.
        for item in inner.iterdir():
            os.replace(item, target / item.name)
        inner.rmdir()
        output.rmdir()
        (target / ".cookiecutter.json").write_text(
            json.dumps({"template": str(source.absolute()), "context": answers}, indent=2) + "\n"
        )

    return render


@contextmanager
def _copier_errors(command: str = "new") -> Iterator[None]:
    from copier.errors import CopierError, UnsafeTemplateError
    from plumbum import ProcessExecutionError

    try:
        yield
    except UnsafeTemplateError as exc:
        first = str(exc).strip().splitlines()[0]
        raise RenderError(f"{first} If you trust this template, run `scaffold {command} --trust ...`.") from exc
    except CopierError as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RenderError(message) from exc
    except ValueError as exc:  # copier raises ValueError for answers its validators reject, and a few more
        message = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        about_answer = any(word in message.lower() for word in ("question", "choice"))
        raise RenderError(f"Invalid answer: {message}" if about_answer else message) from exc
    except subprocess.CalledProcessError as exc:
        raise RenderError(f"A template task failed: {' '.join(map(str, exc.cmd))}") from exc
    except ProcessExecutionError as exc:  # git run by Copier: clone, checkout, apply
        argv = [str(arg) for arg in (exc.argv or [])]
        step = next((arg for arg in argv[1:] if not arg.startswith("-")), "")
        reason = ([line for line in str(exc.stderr or "").splitlines() if line.strip()] or [f"exit {exc.retcode}"])[-1]
        raise RenderError(f"git {step} failed: {reason.strip()}") from None
    except OSError as exc:  # e.g. Copier's cache of remote templates under an unwritable HOME
        where = exc.filename or "a file"
        hint = " (set COPIER_CACHE_DIR to a writable directory)" if "copier" in str(where) else ""
        raise RenderError(f"Copier cannot use {where}: {exc.strerror or exc}{hint}.") from None


def _absolute(path: Path) -> Path:
    """``path`` made absolute; also checks the working directory exists (Copier and git need it)."""
    try:
        os.getcwd()
        return path.expanduser().absolute()
    except FileNotFoundError:
        raise RenderError("The current directory no longer exists; cd to an existing directory and retry.") from None
    except RuntimeError as exc:  # `~` with no home directory to expand it to
        raise RenderError(f"Cannot expand {str(path)!r}: {exc}.") from None


def _resolve_destination(dest: Path) -> tuple[Path, str | None]:
    """DEST as an absolute path. A DEST that is a symbolic link is used as its target, said out loud."""
    dest = _absolute(dest)
    if not dest.is_symlink():
        return dest, None
    target = dest.resolve()
    if not target.exists():
        raise RenderError(f"{dest} is a symbolic link to {target}, which does not exist; give a real directory.")
    return target, f"{dest} is a symbolic link; rendered into its target {target}"


def _check_destination(dest: Path, force: bool) -> bool:
    """Whether DEST already holds entries (allowed only with ``force``)."""
    if dest.exists() and not dest.is_dir():
        raise RenderError(f"{dest} exists and is not a directory.")
    try:
        preexisting = dest.is_dir() and any(dest.iterdir())
    except OSError as exc:
        raise RenderError(f"Cannot read {dest}: {exc.strerror or exc}.") from None
    if preexisting and not force:
        raise RenderError(f"{dest} is not empty; choose another destination or pass --force.")
    return preexisting


@contextmanager
def _written(path: Path) -> Iterator[None]:
    """Turn a failure to write (read-only, full disk, not a directory) into one line naming it."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or path
        raise RenderError(f"Cannot write {where}: {exc.strerror or exc}.") from None


@contextmanager
def _staging(dest: Path) -> Iterator[Path]:
    missing = [p for p in (dest.parent, *dest.parent.parents) if not p.exists()]
    existing = next(p for p in (dest.parent, *dest.parent.parents) if p.exists())
    if not existing.is_dir():
        raise RenderError(f"Cannot create {dest}: {existing} is not a directory.")
    with _written(dest.parent):
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    placed = False
    try:
        yield staging
        placed = True
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if not placed:  # leave no parent directory behind that only this render created
            for parent in missing:
                with contextlib.suppress(OSError):
                    parent.rmdir()


@contextmanager
def _no_interrupt() -> Iterator[None]:
    """Hold Ctrl-C back while files move into place; it arrives once they all have."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _check_rendered(staging: Path) -> None:
    """Refuse what a template must not produce: a ``.git`` (its hooks and config would run on our
    first commit) or a symbolic link that points outside the project."""
    root = staging.resolve()
    for directory, dirnames, filenames in os.walk(staging):
        for name in [*dirnames, *filenames]:
            path = Path(directory, name)
            rel = path.relative_to(staging)
            if name.lower() == ".git":
                raise RenderError(f"The template renders {rel}; a template may not ship a git repository.")
            if path.is_symlink():
                target = os.readlink(path)
                resolved = (path.parent / target).resolve()
                if os.path.isabs(target) or not resolved.is_relative_to(root):
                    raise RenderError(
                        f"The template renders a symbolic link {rel} -> {target} that points outside the project."
                    )


def _place(staging: Path, dest: Path) -> None:
    if not dest.exists():
        # mkdtemp made the staging directory private (0700); the project gets the usual mode.
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)
        os.replace(staging, dest)
        return
    # An existing directory keeps its inode and mode; the rendered entries move into it.
    moves = _merge_plan(staging, dest)
    for source, target in moves:
        _move(source, target)


def _merge_plan(staging: Path, dest: Path) -> list[tuple[Path, Path]]:
    """The moves that put the rendered tree into ``dest``; refuses before anything moves when an
    entry in ``dest`` is a symbolic link (never written through, never replaced) or a file is
    where a directory goes (or the other way round)."""
    moves: list[tuple[Path, Path]] = []
    links: list[Path] = []
    clashes: list[Path] = []

    def visit(source_dir: Path, target_dir: Path) -> None:
        for source in sorted(source_dir.iterdir()):
            target = target_dir / source.name
            source_is_dir = source.is_dir() and not source.is_symlink()
            if target.is_symlink():
                links.append(target)
            elif not target.exists():
                moves.append((source, target))
            elif target.is_dir() != source_is_dir:
                clashes.append(target)
            elif source_is_dir:
                visit(source, target)
            else:
                moves.append((source, target))

    visit(staging, dest)
    if links:
        more = f" (and {len(links) - 1} more)" if len(links) > 1 else ""
        raise RenderError(
            f"{links[0]} is a symbolic link{more}; --force never writes through or replaces a link."
            " Remove it, or render elsewhere."
        )
    if clashes:
        more = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
        raise RenderError(
            f"{clashes[0]}{more} is a file where the template has a directory, or the other way round;"
            " nothing was changed."
        )
    return moves


def _move(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        if source.is_dir() and not source.is_symlink():
            shutil.copytree(source, target, symlinks=True)
        else:
            shutil.copy2(source, target, follow_symlinks=False)


def _init_git(dest: Path, answers: Mapping[str, Any]) -> GitOutcome:
    """Make the new project a git repository with one commit, as `scaffold update` requires.

    The user's git configuration applies (signing included). When the commit cannot be made, the
    repository just created is removed again, the rendered files stay, and the error says so.
    """
    if shutil.which("git") is None:
        return "no-git"
    inside = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=dest, capture_output=True, check=False)
    if inside.returncode == 0:
        return "inside-repository"
    identity: list[str] = []
    for key, answer in (("user.name", "author_name"), ("user.email", "author_email")):
        configured = subprocess.run(["git", "config", key], cwd=dest, capture_output=True, check=False)
        if configured.returncode != 0:
            identity += ["-c", f"{key}={answers.get(answer) or _answer(dest, answer) or 'scaffold'}"]
    repository = dest / ".git"
    try:
        for command in (
            ["init", "-q", "-b", "main"],
            ["add", "-A"],
            [*identity, "commit", "-q", "-m", "Generate project with scaffold"],
        ):
            proc = subprocess.run(["git", *command], cwd=dest, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                shutil.rmtree(repository, ignore_errors=True)
                reason = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
                step = next(word for word in command if word in ("init", "add", "commit"))
                raise RenderError(
                    f"Rendered {dest}, but `git {step}` failed ({reason}); the files are kept without a"
                    " repository: commit them yourself."
                )
    except KeyboardInterrupt:
        shutil.rmtree(repository, ignore_errors=True)
        raise RenderError(
            f"Interrupted while making the first commit; {dest} is rendered but not a git repository.", 130
        ) from None
    return "committed"


def _answer(dest: Path, key: str) -> str | None:
    path = dest / ANSWERS_FILE
    if not path.is_file():
        return None
    import yaml

    try:
        recorded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    value = recorded.get(key) if isinstance(recorded, dict) else None
    return str(value) if value else None
