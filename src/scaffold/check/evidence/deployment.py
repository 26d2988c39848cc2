"""How the project is deployed: container files, platform configs and Kubernetes manifests, parsed
once as data (never built or run) so checks only read the result."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scaffold.check.evidence.files import FileIndex
from scaffold.check.model import Location

DEPLOY_FILES = (
    "Dockerfile",
    "Containerfile",
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
    "fly.toml",
    "render.yaml",
    "railway.json",
    "railway.toml",
    "app.yaml",
    "Procfile",
    "vercel.json",
    "serverless.yml",
    "Chart.yaml",
    "skaffold.yaml",
    "modal.toml",
    "kustomization.yaml",
    "cloudbuild.yaml",
    "langgraph.json",
    "azure.yaml",
    "serverless.yaml",
    "cdk.json",
    "samconfig.toml",
    "netlify.toml",
    "app.json",
    "apprunner.yaml",
    "bentofile.yaml",
)
_CONTAINER_FILES = frozenset({"Dockerfile", "Containerfile"})
# A dev container or a CI image builds the developer's environment, not the deployable.
_NOT_DEPLOYMENT = frozenset({".devcontainer", ".github", ".gitlab", ".circleci", "tests", "test", "examples"})
_MANIFEST_FOLDERS = frozenset({"k8s", "kubernetes", "deploy", "helm", "manifests", "charts"})
_K8S_KIND = re.compile(r"^kind:\s*(Deployment|StatefulSet|Service|Job|InferenceService|KService)\b", re.M)
MAX_DEPTH = 2


@dataclass(frozen=True)
class ContainerFile:
    path: str
    instructions: tuple[tuple[int, str], ...]
    """Non-comment, non-blank lines with their numbers."""

    @property
    def builds_an_image(self) -> bool:
        return any(text.upper().startswith("FROM") for _, text in self.instructions) and len(self.instructions) >= 3


@dataclass
class Deployment:
    containers: list[ContainerFile] = field(default_factory=list)
    platform_files: list[str] = field(default_factory=list)
    """Compose files and platform configs with some content, shallowest first."""
    manifests: list[tuple[Location, str]] = field(default_factory=list)
    """Kubernetes objects (location, kind) in manifest folders."""
    text: str = ""
    """Every container and compose file's text, for commands they run."""

    def first(self) -> Location | None:
        """The deployable the project ships: an image it builds, else a platform config, else a manifest."""
        image = next((c for c in self.containers if c.builds_an_image), None)
        if image is not None:
            return Location(image.path, 1)
        if self.platform_files:
            return Location(self.platform_files[0], 1)
        return self.manifests[0][0] if self.manifests else None


def _excluded(parts: tuple[str, ...]) -> bool:
    return bool({part.lower() for part in parts[:-1]} & _NOT_DEPLOYMENT)


def collect_deployment(files: FileIndex) -> Deployment:
    deployment = Deployment()
    texts: list[str] = []
    for found in files.named(*DEPLOY_FILES):
        if found.path.count("/") > MAX_DEPTH or _excluded(found.parts):
            continue
        text = files.read_text(found.path) or ""
        if found.name in _CONTAINER_FILES:
            lines = tuple(
                (number, line.strip())
                for number, line in enumerate(text.splitlines(), start=1)
                if line.strip() and not line.lstrip().startswith("#")
            )
            deployment.containers.append(ContainerFile(found.path, lines))
            texts.append(text)
        elif len(text.strip()) >= 10:
            deployment.platform_files.append(found.path)
            texts.append(text)
    for found in files.with_suffix(".yaml", ".yml"):
        if any(part in _MANIFEST_FOLDERS for part in found.parts[:-1]):
            text = files.read_text(found.path) or ""
            for match in _K8S_KIND.finditer(text):
                deployment.manifests.append(
                    (Location(found.path, text.count("\n", 0, match.start()) + 1), match.group(1))
                )
    deployment.text = "\n".join(texts)
    return deployment
