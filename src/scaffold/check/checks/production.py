"""Production: deployed, observable and safe."""

from __future__ import annotations

import re
from typing import ClassVar

from scaffold.check.evidence.dependencies import PyProject
from scaffold.check.evidence.deployment import Deployment
from scaffold.check.evidence.files import FileIndex
from scaffold.check.evidence.markdown import Markdown
from scaffold.check.evidence.python_source import PythonSources
from scaffold.check.evidence.secrets import SecretScan
from scaffold.check.model import PRODUCTION, Check, Location, Verdict, failed, partially_passed, passed

_HTTP_FRAMEWORKS = (
    "fastapi",
    "flask",
    "starlette",
    "litestar",
    "aiohttp",
    "django",
    "sanic",
    "quart",
    "bentoml",
    "ray.serve",
    "gradio",
    "streamlit",
)
_METRICS_CONFIG = re.compile(
    r"(^|/)prometheus\.ya?ml$|(^|/)grafana/.*dashboards?/[^/]+\.json$|(^|/)otel-collector[\w.-]*\.ya?ml$"
)
# Images uploaded to the forge or an image host (what a README screenshot usually is), not badges.
_HOSTED_SCREENSHOT = re.compile(
    r"^https://(user-images\.githubusercontent\.com|github\.com/[^/]+/[^/]+/assets/|github\.com/user-attachments/|"
    r"(i\.)?imgur\.com/)",
    re.I,
)
_UI_FRAMEWORKS = ("streamlit", "gradio", "chainlit")
_SCREENSHOT_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".mp4", ".webm")
_NOT_A_SCREENSHOT = re.compile(r"diagram|architecture|logo|icon|banner|flow ?chart|schema", re.I)
_TRACING_MODULES = (
    "opentelemetry",
    "prometheus_client",
    "langfuse",
    "langsmith",
    "phoenix",
    "openinference",
    "traceloop",
    "logfire",
    "weave",
    "openlit",
    "opik",
    "mlflow",
)
_DEMO_WORDS = re.compile(
    r"\b(demo|live|deployed|try it|screenshot|screencast|video|recording|walkthrough|playground)\b",
    re.I,
)
_DEMO_HOSTS = re.compile(
    r"(huggingface\.co/spaces|\.hf\.space|\.fly\.dev|\.onrender\.com|\.vercel\.app|\.streamlit\.app|\.railway\.app|\.modal\.run|youtube\.com|youtu\.be|loom\.com|asciinema\.org|\.herokuapp\.com|\.run\.app)",
    re.I,
)
_BADGE = re.compile(r"shields\.io|badge|/actions/workflows/|codecov\.io|img\.shields", re.I)


class ProductionCheck(Check):
    family: ClassVar[str] = PRODUCTION


_TOOLING_SCRIPT = re.compile(r"bench|analy[sz]|plot|visuali[sz]|compare|report|chart|figure", re.I)


class PR1(ProductionCheck):
    """A serving interface exists (HTTP API, gRPC service or CLI entry point)"""

    id = "PR1"
    fix = "Expose the system behind a FastAPI app (POST /ask …) or a CLI entry point in [project.scripts]."

    def check(
        self, python: PythonSources, pyproject: PyProject | None, serving_engines: list[tuple[str, Location]]
    ) -> Verdict:
        """Nothing lets another program or a person call the system."""
        for module in python.code:
            framework = next((f for f in _HTTP_FRAMEWORKS if f in module.imports), None)
            if framework and module.routes:
                return passed(f"{framework} routes in {module.path}", Location(module.path, module.routes[0]))
            if "grpc" in module.imports and any(
                n.startswith("add_") and n.endswith("_to_server") for n in module.names
            ):
                return passed(f"gRPC service in {module.path}", Location(module.path, module.imports["grpc"]))
        if pyproject is not None:
            scripts = pyproject.table("project", "scripts")
            if scripts:
                name = next(iter(scripts))
                return passed(f"CLI entry point '{name}'", Location(pyproject.path, pyproject.line_of(name)))
        if serving_engines:
            name, location = serving_engines[0]
            return passed(f"starts {name}'s HTTP server ({location})", location)
        for module in python.code:
            if module.imports_any("typer", "click", "argparse") and module.has_main_guard:
                if _TOOLING_SCRIPT.search(module.path):
                    continue  # a benchmark or plotting script is a tool around the system, not its interface
                return passed(f"command-line interface in {module.path}", Location(module.path, 1))
        for module in python.code:
            ui = next((name for name in _UI_FRAMEWORKS if name in module.imports), None)
            if ui is not None:
                return partially_passed(
                    0.5,
                    f"a {ui} UI in {module.path}, but no HTTP API or CLI another program could call",
                    Location(module.path, module.imports[ui]),
                )
        return failed("no HTTP routes, gRPC service or CLI entry point in the code")


class PR2(ProductionCheck):
    """Containerised or deployable (Dockerfile, compose, fly.toml, Kubernetes manifests, …)"""

    id = "PR2"
    fix = "Add a Dockerfile that serves the API (and a compose file or deploy config for the dependencies)."

    def check(self, deployment: Deployment, python: PythonSources) -> Verdict:
        """No container image or deployment configuration."""
        image = next((c for c in deployment.containers if c.builds_an_image), None)
        if image is not None:
            return passed(image.path, Location(image.path, 1))
        if deployment.platform_files:
            return passed(deployment.platform_files[0], Location(deployment.platform_files[0], 1))
        if deployment.manifests:
            location, kind = deployment.manifests[0]
            return passed(f"Kubernetes {kind} in {location.path}", location)
        for module in python.code:
            if "modal" in module.imports and module.uses_any("App", "Stub"):
                return passed(f"Modal app in {module.path}", Location(module.path, module.imports["modal"]))
        return failed("no Dockerfile, compose file, platform config or Kubernetes manifest")


class PR3(ProductionCheck):
    """Tracing or metrics are wired in code, not just listed as a dependency"""

    id = "PR3"
    fix = "Create a tracer (opentelemetry.trace.get_tracer) and wrap retrieval and generation in spans; export metrics with prometheus_client."

    def check(self, python: PythonSources, files: FileIndex) -> Verdict:
        """No tracing or metrics in the running code, or the import is never used."""
        imported_only: list[Location] = []
        for module in python.code:
            for root in _TRACING_MODULES:
                if root not in module.imports:
                    continue
                use = module.uses_imported_from(root)
                if use is not None:
                    return passed(f"{root} used in {module.path} ({use[0]})", Location(module.path, use[1]))
                imported_only.append(Location(module.path, module.imports[root]))
        scraped = next((f for f in files if _METRICS_CONFIG.search(f.path)), None)
        if scraped is not None and not imported_only:
            return partially_passed(
                0.5,
                f"metrics collected by configuration ({scraped.path}), not instrumented in the code",
                Location(scraped.path),
            )
        if imported_only:
            return failed(
                f"tracing/metrics imported in {imported_only[0].path} but never used (no tracer, span or metric)",
                *imported_only[:3],
            )
        return failed("no OpenTelemetry, Prometheus or LLM-tracer usage in non-test code")


class PR4(ProductionCheck):
    """A deployed demo, video or screenshot is linked from the README"""

    id = "PR4"
    weight = 0.5
    fix = "Link a live demo (Hugging Face Space, fly.io …), a short video or a screenshot/recording committed under docs/."

    def check(self, writeup: list[Markdown], files: FileIndex) -> Verdict:
        """A reviewer cannot see the system working without installing it."""
        if not writeup:
            return failed("no README")
        for readme in writeup:
            verdict = self.judge(readme, files)
            if verdict is not None:
                return verdict
        for readme in writeup:
            for link in readme.links:
                local = link.target.split("#", 1)[0].lstrip("./")
                resolved = f"{readme.path.rpartition('/')[0]}/{local}".lstrip("/")
                shown = next((path for path in (local, resolved) if path in files), None)
                if link.is_image and _HOSTED_SCREENSHOT.search(link.target) and not _NOT_A_SCREENSHOT.search(link.text):
                    return passed(f"screenshot {link.target[:80]}", Location(readme.path, link.line))
                if (
                    link.is_image
                    and shown is not None
                    and shown.lower().endswith(_SCREENSHOT_SUFFIXES)
                    and not _NOT_A_SCREENSHOT.search(f"{link.text} {shown}")
                ):
                    return passed(f"screenshot {shown}", Location(readme.path, link.line))
        return failed("no demo URL, video or screenshot linked from the README")

    def judge(self, readme: Markdown, files: FileIndex) -> Verdict | None:
        for link in readme.links:
            if _BADGE.search(link.target):
                continue
            if _DEMO_HOSTS.search(link.target):
                return passed(f"demo link {link.target}", Location(readme.path, link.line))
            local = link.target.split("#", 1)[0].lstrip("./")
            is_local = not re.match(r"^[a-z]+:", link.target)
            context = link.text + " " + link.target
            if link.is_image and is_local and local in files and _DEMO_WORDS.search(context + " " + local):
                return passed(f"screenshot {local}", Location(readme.path, link.line))
            if (
                is_local
                and local in files
                and local.lower().endswith((".gif", ".mp4", ".webm", ".cast", ".svg"))
                and _DEMO_WORDS.search(context)
            ):
                return passed(f"recording {local}", Location(readme.path, link.line))
            if not is_local and _DEMO_WORDS.search(link.text):
                return passed(f"demo link '{link.text}'", Location(readme.path, link.line))
        return None


class PR5(ProductionCheck):
    """No committed secrets; configuration comes from the environment, with an example file"""

    id = "PR5"
    weight = 1.5
    fix = "Remove the secret (and rotate it), git-ignore .env, read settings from the environment and commit .env.example."

    def check(self, secrets: SecretScan, python: PythonSources, files: FileIndex) -> Verdict:
        """A secret is committed, or configuration has no documented environment variables."""
        if secrets.hits:
            hit = secrets.hits[0]
            return failed(
                f"{len(secrets.hits)} secret-shaped string(s), first a {hit.kind} at {hit.location}",
                *[h.location for h in secrets.hits[:5]],
            )
        if secrets.env_files_with_values:
            location, name = secrets.env_files_with_values[0]
            return failed(f"{location.path} is committed with values (first: {name})", location)
        if not secrets.env_examples:
            reads = [
                (m.path, m.names[n]) for m in python.code for n in ("getenv", "environ", "BaseSettings") if n in m.names
            ]
            # No secret is committed, which is what matters most; the missing example costs a quarter.
            if reads:
                return partially_passed(
                    0.75,
                    f"no secrets committed; settings come from the environment ({reads[0][0]}:{reads[0][1]}) "
                    "but no .env.example documents them",
                    Location(*reads[0]),
                )
            if not python.code and not files.with_suffix(".ipynb"):
                return failed("no code or notebook and no .env.example: nothing shows where configuration comes from")
            return passed(
                f"no secrets in {secrets.scanned_files} text files; the code reads no settings from the environment"
            )
        return passed(
            f"no secrets in {secrets.scanned_files} text files; settings documented in {secrets.env_examples[0]}",
            Location(secrets.env_examples[0]),
        )
