"""The vocabulary of named tools and practices (`tools.toml`), and where a repository shows each.

One list serves three readers: ST7 counts the rubric tools a README names, `scaffold match` finds
the tools job descriptions ask for, and `scaffold bullets` names the components a project uses.
Evidence in a repository is read from the facts `scaffold check` already gathered: imports,
declared dependencies, container images, files present, infrastructure files and tracks.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files as package_files
from typing import TYPE_CHECKING, Any

from scaffold.check.evidence.dependencies import normalise
from scaffold.check.model import Location

if TYPE_CHECKING:
    from scaffold.check.evidence import Repository
    from scaffold.check.evidence.files import FileIndex

_SEPARATORS = re.compile(r"[\s\-_.]+")
_INFRA_FILE = re.compile(
    r"(^|/)(Dockerfile[^/]*|[^/]*\.Dockerfile|[^/]*compose[^/]*\.ya?ml|Makefile|[^/]*\.mk|Procfile|"
    r"fly\.toml|\.gitlab-ci\.yml|\.github/workflows/[^/]+\.ya?ml|[^/]*\.sh)$"
)
_FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)", re.I)
_TRACK_IMPORT = re.compile(r"^imports \S+ \((.+):(\d+)\)$")
_IMAGE = re.compile(r"^\s*-?\s*image:\s*[\"']?([^\s\"']+)")


@dataclass(frozen=True)
class Tool:
    name: str
    category: str
    rubric: bool
    mention: re.Pattern[str] | None
    """Aliases, case-insensitive (None when a tool has only exact aliases)."""
    exact: re.Pattern[str] | None
    readme: re.Pattern[str]
    """What ST7 looks for in a README (rubric tools), else the aliases."""
    modules: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    text: tuple[re.Pattern[str], ...] = ()
    tracks: tuple[str, ...] = ()
    kind: str | None = None
    change: str | None = None

    def mentions(self, text: str) -> list[re.Match[str]]:
        """Where ``text`` (a job description, a README) names this tool."""
        found = [m for pattern in (self.mention, self.exact) if pattern for m in pattern.finditer(text)]
        return sorted(found, key=lambda m: m.start())

    def suggestion(self) -> str:
        if self.kind:
            return f"`scaffold new {self.kind}` brings it"
        return self.change or "not covered by a built-in kind"


def _alias_pattern(aliases: Iterable[str], flags: int) -> re.Pattern[str] | None:
    """Aliases on word boundaries, separators interchangeable, an optional plural or possessive."""
    bodies = []
    for alias in sorted({a.strip() for a in aliases if a.strip()}, key=len, reverse=True):
        tokens = [re.escape(token) for token in _SEPARATORS.split(alias) if token]
        bodies.append(r"[\s\-_.]?".join(tokens))
    if not bodies:
        return None
    return re.compile(rf"(?<![\w+#])(?:{'|'.join(bodies)})(?:'s|s)?(?![\w+#])", flags)


def _tool(entry: dict[str, Any]) -> Tool:
    mention = _alias_pattern([str(a) for a in entry.get("aliases", [])], re.I)
    exact_pattern = _alias_pattern([str(a) for a in entry.get("exact", [])], 0)
    readme = re.compile(entry["readme"], re.I) if "readme" in entry else (mention or exact_pattern)
    if readme is None:
        raise ValueError(f"tools.toml: {entry['name']} has no aliases, exact aliases or readme pattern")
    return Tool(
        name=entry["name"],
        category=entry["category"],
        rubric=bool(entry.get("rubric", False)),
        mention=mention,
        exact=exact_pattern,
        readme=readme,
        modules=tuple(entry.get("modules", ())),
        packages=tuple(entry.get("packages", ())),
        images=tuple(entry.get("images", ())),
        files=tuple(entry.get("files", ())),
        text=tuple(re.compile(p, re.I) for p in entry.get("text", ())),
        tracks=tuple(entry.get("tracks", ())),
        kind=entry.get("kind"),
        change=entry.get("change"),
    )


@cache
def vocabulary() -> tuple[Tool, ...]:
    """Every tool of `tools.toml`, in file order."""
    data = tomllib.loads(package_files("scaffold.check.evidence").joinpath("tools.toml").read_text("utf-8"))
    return tuple(_tool(entry) for entry in data["tool"])


def _image_name(reference: str) -> str:
    name = reference.split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: len(name) - len(last[-1]) + last[-1].index(":")]
    for prefix in ("docker.io/library/", "docker.io/", "library/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name.lower()


@dataclass
class Infrastructure:
    """Every line of the infrastructure files (Dockerfiles, compose, Makefiles, CI workflows,
    Procfile, fly.toml, shell scripts) with its place, and the container images they name."""

    lines: list[tuple[Location, str]]
    images: list[tuple[Location, str]]


def collect_infrastructure(files: FileIndex) -> Infrastructure:
    lines: list[tuple[Location, str]] = []
    images: list[tuple[Location, str]] = []
    for indexed, text in files.texts(f for f in files if _INFRA_FILE.search(f.path)):
        for number, line in enumerate(text.splitlines()[:20_000], start=1):
            location = Location(indexed.path, number)
            lines.append((location, line[:2000]))
            image = _FROM.match(line) or _IMAGE.match(line)
            if image:
                images.append((location, _image_name(image.group(1))))
    return Infrastructure(lines, images)


_CONTAINER_FILE = re.compile(r"(^|/)(Dockerfile[^/]*|[^/]*\.Dockerfile|[^/]*compose[^/]*\.ya?ml)$")


def container_evidence(tool: Tool, repository: Repository) -> list[Location]:
    """Where a Dockerfile or compose file runs the tool: its image, or its command outside a comment."""
    found: list[Location] = []
    wanted = {image.lower() for image in tool.images}
    infrastructure = repository.infrastructure
    for location, image in infrastructure.images:
        if image in wanted and _CONTAINER_FILE.search(location.path):
            found.append(location)
    for location, line in infrastructure.lines:
        in_container = _CONTAINER_FILE.search(location.path) and not line.lstrip().startswith("#")
        if in_container and any(pattern.search(line) for pattern in tool.text):
            found.append(location)
    return found


_LAUNCH_FILE = re.compile(r"(^|/)(Makefile|[^/]*\.mk|Procfile|[^/]*\.sh)$")


def launch_evidence(tool: Tool, repository: Repository) -> list[Location]:
    """Where the project itself starts the tool (a serving engine, say): a container runs it, or a
    command outside a comment in a shell script, Makefile or Procfile, or a string in its Python
    code (`os.system("vllm serve …")`)."""
    found = container_evidence(tool, repository)
    if not tool.text:
        return found
    for location, line in repository.infrastructure.lines:
        launched = _LAUNCH_FILE.search(location.path) and not line.lstrip().startswith("#")
        if launched and any(pattern.search(line) for pattern in tool.text):
            found.append(location)
    for module in repository.python.code:
        for number, text in module.string_constants:
            if any(pattern.search(text) for pattern in tool.text):
                found.append(Location(module.path, number))
                break
    return found


def _module_evidence(tool: Tool, repository: Repository) -> Iterator[Location]:
    python = repository.python
    for module in [*python.code, *python.tests]:  # the product's own code before its tests
        for imported, line in module.imports.items():
            if any(imported == root or imported.startswith(root + ".") for root in tool.modules):
                yield Location(module.path, line)
                break


def evidence(tool: Tool, repository: Repository, limit: int = 3) -> list[Location]:
    """Where the repository itself (not its README) shows the tool: code, dependencies,
    container images, files, infrastructure text or a detected track. At most ``limit`` places."""
    found: list[Location] = []

    def add(locations: Iterable[Location]) -> None:
        for location in locations:
            if len(found) >= limit:
                return
            if location not in found:
                found.append(location)

    if tool.modules:
        add(_module_evidence(tool, repository))
    if tool.packages and len(found) < limit:
        wanted = {normalise(name) for name in tool.packages}
        add(d.location for d in repository.dependencies.declared if d.name in wanted)
    if (tool.images or tool.text) and len(found) < limit:
        infrastructure = repository.infrastructure
        wanted_images = {image.lower() for image in tool.images}
        add(location for location, image in infrastructure.images if image in wanted_images)
        add(location for location, line in infrastructure.lines if any(p.search(line) for p in tool.text))
        add(  # SQL and commands the code itself sends (string constants, never executed)
            Location(module.path, line)
            for module in repository.python.code
            for line, constant in module.string_constants
            if any(p.search(constant[:5000]) for p in tool.text)
        )
    if tool.files and len(found) < limit:
        add(
            Location(indexed.path)
            for indexed in repository.files
            if any(fnmatch.fnmatchcase(indexed.path, pattern) for pattern in tool.files)
        )
    if tool.tracks and len(found) < limit:
        for track in tool.tracks:  # only code signals: a README that talks about it is not evidence
            for item in repository.tracks.detected.get(track, []):
                code = _TRACK_IMPORT.match(item)
                if code:
                    add([Location(code.group(1), int(code.group(2)))])
    return found
