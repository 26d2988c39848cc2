"""Commit history of the checked repository, read without letting the repository run anything.

The history is read with `git rev-list` on the repository's own `.git` only (never a parent's,
never a `.git` file or object store that leads out of the checked tree). The checked repository's
`.git/config` is always read by git, so every setting in it that could start a program or reach
the network is overridden on the command line or through the environment:

- no lazy fetch of missing objects (`--missing=allow-any` turns it off in every git that has
  partial clones; `GIT_NO_LAZY_FETCH=1` does too where git knows it), and no transport at all
  (`GIT_ALLOW_PROTOCOL` empty, `protocol.allow=never`, ssh and proxy commands set to `false`);
- no pager, fsmonitor, hooks, credential helpers, askpass, external diff or text conversion,
  alternate-refs command, signature verification or mailmap;
- no global or system configuration and no `GIT_*` variable of the caller (so nothing the caller
  exported can redirect git), an empty `HOME`, and a time limit;
- git's own ownership guard (`safe.directory`) is honoured: a repository owned by another user is
  not read.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

GIT_TIMEOUT_S = 20
_GITFILE_LIMIT = 4096

# Every `-c` below outranks the repository's own configuration (command-line settings win).
_OVERRIDES = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.sshCommand=false",
    "core.gitProxy=false",
    "core.askPass=false",
    "core.alternateRefsCommand=",
    "core.alternateRefsPrefixes=",
    "credential.helper=",
    "diff.external=",
    "gpg.program=false",
    "gpg.ssh.program=false",
    "gpg.x509.program=false",
    "log.showSignature=false",
    "log.mailmap=false",
    "mailmap.file=",
    "mailmap.blob=",
    "protocol.allow=never",
    "protocol.file.allow=never",
    "protocol.ext.allow=never",
    "protocol.ssh.allow=never",
    "protocol.git.allow=never",
    "protocol.http.allow=never",
    "protocol.https.allow=never",
    "fetch.recurseSubmodules=false",
    "submodule.recurse=false",
    "safe.bareRepository=explicit",
)


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    """The author's email, the same for every address one person used (see `merge_identities`)."""
    timestamp: int
    name: str = ""


@dataclass
class GitHistory:
    commits: list[Commit] = field(default_factory=list)
    unavailable: str | None = None
    shallow: bool = False
    refused: bool = False
    """True when the repository has a history that was deliberately not read (it belongs to another
    user, or its `.git` leads out of the checked tree): the history cannot be judged, which is not
    the author's failure."""


def _unavailable(reason: str, *, refused: bool = False) -> GitHistory:
    return GitHistory(unavailable=reason, refused=refused)


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a link loop or an unreadable component
        return False


def _read_small(path: Path) -> str | None:
    """A small text file inside `.git`; None when it is absent, a link, not a file or too big."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > _GITFILE_LIMIT:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _git_directory(root: Path) -> Path | GitHistory:
    """The repository's git directory, or why it cannot be used."""
    dot_git = root / ".git"
    if dot_git.is_symlink():
        return _unavailable("history unavailable: .git is a link, which is never followed", refused=True)
    if dot_git.is_dir():
        return dot_git
    if not dot_git.is_file():
        return _unavailable("not a git repository (no .git at its root; parent folders are never consulted)")
    text = _read_small(dot_git)
    target = text.strip() if text else ""
    if not target.startswith("gitdir:"):
        return _unavailable("history unavailable: the .git file is not a `gitdir:` pointer")
    pointed = Path(target.removeprefix("gitdir:").strip())
    if not pointed.is_absolute():
        pointed = root / pointed
    if not _inside(pointed, root):
        return _unavailable(
            "history unavailable: the .git file points outside the checked tree (a git worktree or "
            "submodule), so its history belongs to another repository and was not read",
            refused=True,
        )
    return pointed.resolve()


def _escapes_tree(git_dir: Path, root: Path) -> str | None:
    """Why the object store or refs of `git_dir` lead outside the checked tree, if they do."""
    common = git_dir
    commondir = _read_small(git_dir / "commondir")
    if commondir is not None and commondir.strip():
        pointed = Path(commondir.strip())
        common = pointed if pointed.is_absolute() else git_dir / pointed
        if not _inside(common, root):
            return "its commondir points outside the checked tree"
    for name in ("objects", "refs", "HEAD", "packed-refs", "shallow", "info", "worktrees"):
        for base in {git_dir, common}:
            candidate = base / name
            if (candidate.exists() or candidate.is_symlink()) and not _inside(candidate, root):
                return f"{name} leads outside the checked tree"
    try:
        with os.scandir(common / "objects" / "pack") as packs:
            if any(entry.is_symlink() for entry in packs):
                return "objects/pack holds links"
    except OSError:
        pass
    info = common / "objects" / "info"
    for name in ("alternates", "http-alternates"):
        listed = info / name
        if not (listed.exists() or listed.is_symlink()):
            continue
        text = _read_small(listed)
        if text is None:
            return f"objects/info/{name} cannot be read safely"
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            store = Path(line) if Path(line).is_absolute() else common / "objects" / line
            if name == "http-alternates" or not _inside(store, root):
                return f"objects/info/{name} borrows objects from outside the checked tree"
    return None


def _trusted_search_path(root: Path) -> str:
    """PATH without relative or empty entries and without folders in the checked tree or the
    current directory, so a `git` shipped by the checked repository is never the one started."""
    untrusted = [root, Path(os.getcwd()).resolve()]
    kept: list[str] = []
    for entry in os.environ.get("PATH", os.defpath).split(os.pathsep):
        if not entry or not os.path.isabs(entry):
            continue
        try:
            resolved = Path(entry).resolve()
        except (OSError, RuntimeError):
            continue
        if not any(resolved == place or resolved.is_relative_to(place) for place in untrusted):
            kept.append(entry)
    return os.pathsep.join(kept)


def _environment(home: str) -> dict[str, str]:
    keep = ("PATH", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    return env | {
        "HOME": home,
        "XDG_CONFIG_HOME": home,
        "LC_ALL": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_SYSTEM": os.devnull,
        "GIT_NO_LAZY_FETCH": "1",
        "GIT_NO_REPLACE_OBJECTS": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "false",
        "SSH_ASKPASS": "false",
        "GIT_SSH": "false",
        "GIT_SSH_COMMAND": "false",
        "GIT_PROXY_COMMAND": "false",
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "GIT_EDITOR": "false",
        "GIT_EXTERNAL_DIFF": "",
        "GIT_ALLOW_PROTOCOL": "",
        "GIT_PROTOCOL_FROM_USER": "0",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_ATTR_NOSYSTEM": "1",
    }


def _failure_reason(stderr: str, returncode: int) -> GitHistory:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    text = " ".join(lines).lower()
    if "dubious ownership" in text or "safe.directory" in text:
        return _unavailable(
            "history unavailable: the repository is owned by another user (git's safe.directory guard)",
            refused=True,
        )
    if "does not have any commits" in text or "bad revision 'head'" in text or "unknown revision" in text:
        # HEAD names a branch that has no commit yet
        return GitHistory()
    reason = lines[-1] if lines else f"exit {returncode}"
    return _unavailable(f"history unavailable: git could not read it ({reason[:300]})")


def read_git_history(root: Path, limit: int = 5000) -> GitHistory:
    root = root.resolve()
    found = _git_directory(root)
    if isinstance(found, GitHistory):
        return found
    git_dir = found
    escape = _escapes_tree(git_dir, root)
    if escape is not None:
        return _unavailable(
            f"history unavailable: the repository's .git is not self-contained ({escape}), so it was not read",
            refused=True,
        )
    search_path = _trusted_search_path(root)
    git = shutil.which("git", path=search_path)
    if git is None:
        return _unavailable("git is not installed, so the history could not be read")
    command = [git, "--no-pager", "--no-replace-objects"]
    for setting in _OVERRIDES:
        command += ["-c", setting]
    command += [
        "rev-list",
        "--missing=allow-any",  # never fetch a missing object from a promisor remote
        f"--max-count={limit}",
        "--format=%H%x1f%ae%x1f%at%x1f%an",
        "HEAD",
        "--",
    ]
    with tempfile.TemporaryDirectory(prefix="scaffold-git-home-") as home:
        env = _environment(home) | {"PATH": search_path}
        # Discovery from the root itself, stopped at its parent: git's ownership guard applies
        # to discovered repositories only, and the ceiling keeps a parent's repository out.
        env["GIT_CEILING_DIRECTORIES"] = str(root.parent)
        try:
            completed = subprocess.run(
                command,
                cwd=root,
                capture_output=True,
                stdin=subprocess.DEVNULL,
                timeout=GIT_TIMEOUT_S,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return _unavailable(f"history unavailable: git took longer than {GIT_TIMEOUT_S} s")
        except OSError as exc:
            return _unavailable(f"history unavailable: git could not be started ({exc})")
    stdout = completed.stdout.decode("utf-8", errors="replace")
    stderr = completed.stderr.decode("utf-8", errors="replace")
    if completed.returncode != 0:
        return _failure_reason(stderr, completed.returncode)
    commits: list[Commit] = []
    for line in stdout.splitlines():
        parts = line.split("\x1f")
        if len(parts) == 4 and parts[2].isdigit():
            commits.append(Commit(parts[0], parts[1].lower(), int(parts[2]), parts[3].strip()))
    shallow = (git_dir / "shallow").is_file()
    return GitHistory(commits=merge_identities(commits, _read_mailmap(root)), shallow=shallow)


_MAILMAP_LIMIT = 256 * 1024
_MAILMAP_LINE = re.compile(r"^\s*([^<#]*?)\s*(?:<([^>]*)>)?\s*(?:([^<#]*?)\s*<([^>]*)>)?\s*(?:#.*)?$")
_NOREPLY = re.compile(r"^(?:\d+\+)?([^@]+)@users\.noreply\.github\.com$")


def _read_mailmap(root: Path) -> dict[str, str]:
    """The repository's ``.mailmap`` as data: each commit email (or name) to a canonical email."""
    from scaffold.check.evidence.files import read_regular_file

    data = read_regular_file(str(root / ".mailmap"), _MAILMAP_LIMIT)
    if data is None or len(data) > _MAILMAP_LIMIT:
        return {}
    mapping: dict[str, str] = {}
    for line in data.decode("utf-8", errors="replace").splitlines()[:5000]:
        match = _MAILMAP_LINE.match(line)
        if not match or not match.group(2):
            continue
        proper = match.group(2).strip().lower()
        commit_email = (match.group(4) or "").strip().lower()
        if commit_email:
            mapping[commit_email] = proper
        elif match.group(1):  # `Proper Name <proper@email>`: that name means that person
            mapping[f"name:{match.group(1).strip().lower()}"] = proper
    return mapping


def merge_identities(commits: list[Commit], mailmap: dict[str, str]) -> list[Commit]:
    """Commits with one author id per person: `.mailmap` first, then addresses that share an
    author name or a GitHub noreply login (``123+login@users.noreply.github.com`` and
    ``login@example.com``) are one person, named by the address used most."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    noreply_logins = {m.group(1).lower() for c in commits if (m := _NOREPLY.match(c.author))}
    for commit in commits:
        email = mailmap.get(commit.author, commit.author)
        union(f"email:{commit.author}", f"email:{email}")
        name = commit.name.strip().lower()
        if name:
            union(f"email:{commit.author}", f"name:{name}")
            if f"name:{name}" in mailmap:
                union(f"name:{name}", f"email:{mailmap[f'name:{name}']}")
        login = _NOREPLY.match(commit.author)
        local = (login.group(1) if login else commit.author.split("@", 1)[0]).lower()
        if local in noreply_logins:  # only a noreply login ties two addresses by their local part
            union(f"email:{commit.author}", f"login:{local}")
    uses = Counter(commit.author for commit in commits)
    canonical: dict[str, str] = {}
    for email, _ in uses.most_common():
        canonical.setdefault(find(f"email:{email}"), email)
    return [replace(commit, author=canonical[find(f"email:{commit.author}")]) for commit in commits]
