"""Facts about Python files from their syntax tree. Files are parsed, never imported or run."""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field

from scaffold.check.evidence.files import FileIndex

_TEST_FILE = re.compile(r"(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$")
_HTTP_VERBS = frozenset(
    {"get", "post", "put", "delete", "patch", "websocket", "route", "api_route"}
)


@dataclass(frozen=True)
class TestFunction:
    name: str
    line: int
    assertions: int


@dataclass
class PythonModule:
    path: str
    is_test: bool
    imports: dict[str, int] = field(default_factory=dict)
    """Imported dotted names (and every parent package) with the first line importing them."""
    names: dict[str, int] = field(default_factory=dict)
    """Identifiers and attribute names used in the code, with the first line using them."""
    bound: dict[str, str] = field(default_factory=dict)
    """Local names bound by imports (`np` for `import numpy as np`) mapped to what they import."""
    keyword_arguments: dict[str, int] = field(default_factory=dict)
    string_constants: list[tuple[int, str]] = field(default_factory=list)
    tests: list[TestFunction] = field(default_factory=list)
    routes: list[int] = field(default_factory=list)
    exception_handlers: dict[str, int] = field(default_factory=dict)
    has_main_guard: bool = False
    line_count: int = 0
    syntax_error: str | None = None

    def imports_any(self, *roots: str) -> int | None:
        for root in roots:
            if root in self.imports:
                return self.imports[root]
        return None

    def uses_imported_from(self, root: str) -> tuple[str, int] | None:
        """The first use in the code of a name imported from package `root`."""
        uses = [
            (local, self.names[local])
            for local, origin in self.bound.items()
            if (origin == root or origin.startswith(root + ".")) and local in self.names
        ]
        return min(uses, key=lambda use: use[1]) if uses else None

    def uses_any(self, *names: str) -> tuple[str, int] | None:
        for name in names:
            if name in self.names:
                return name, self.names[name]
        return None


def _is_trivial(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant)


def _count_assertions(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    count = 0
    for node in ast.walk(function):
        if isinstance(node, ast.Assert) and not _is_trivial(node.test):
            count += 1
        elif isinstance(node, ast.Call):
            target = node.func
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if name in {"raises", "warns", "deprecated_call"} or name.startswith("assert"):
                count += 1
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                call = item.context_expr
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr in {"raises", "warns"}
                ):
                    count += 1
    return count


def parse_python(path: str, source: str) -> PythonModule:
    module = PythonModule(
        path=path, is_test=bool(_TEST_FILE.search(path)) or "/tests/" in f"/{path}"
    )
    module.line_count = source.count("\n") + 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        module.syntax_error = f"{type(exc).__name__}: {exc}"
        return module
    names = module.names
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.setdefault(node.id, node.lineno)
        elif isinstance(node, ast.Attribute):
            names.setdefault(node.attr, node.lineno)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                _record_import(module, alias.name, node.lineno)
                local = alias.asname or alias.name.split(".", 1)[0]
                module.bound.setdefault(local, alias.name if alias.asname else local)
        elif isinstance(node, ast.ImportFrom):
            if node.module and node.level == 0:
                _record_import(module, node.module, node.lineno)
                for alias in node.names:
                    _record_import(module, f"{node.module}.{alias.name}", node.lineno)
                    module.bound.setdefault(
                        alias.asname or alias.name, f"{node.module}.{alias.name}"
                    )
        elif isinstance(node, ast.keyword) and node.arg:
            module.keyword_arguments.setdefault(node.arg, getattr(node, "lineno", 0) or 0)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if len(node.value) < 200:
                module.string_constants.append((node.lineno, node.value))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.setdefault(node.name, node.lineno)
            for decorator in node.decorator_list:
                call = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(call, ast.Attribute) and call.attr in _HTTP_VERBS:
                    module.routes.append(decorator.lineno)
            if module.is_test and node.name.startswith("test"):
                module.tests.append(TestFunction(node.name, node.lineno, _count_assertions(node)))
        elif isinstance(node, ast.ExceptHandler) and node.type is not None:
            for caught in node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]:
                caught_name = (
                    caught.attr if isinstance(caught, ast.Attribute) else getattr(caught, "id", "")
                )
                if caught_name:
                    module.exception_handlers.setdefault(caught_name, node.lineno)
        elif isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
            left = node.test.left
            if isinstance(left, ast.Name) and left.id == "__name__":
                module.has_main_guard = True
    return module


def _record_import(module: PythonModule, dotted: str, line: int) -> None:
    parts = dotted.split(".")
    for end in range(1, len(parts) + 1):
        module.imports.setdefault(".".join(parts[:end]), line)


@dataclass
class PythonSources:
    modules: list[PythonModule]

    @property
    def code(self) -> list[PythonModule]:
        """Modules that are not tests."""
        return [m for m in self.modules if not m.is_test]

    @property
    def tests(self) -> list[PythonModule]:
        return [m for m in self.modules if m.is_test]

    def imported_roots(self, *, include_tests: bool = True) -> dict[str, tuple[str, int]]:
        roots: dict[str, tuple[str, int]] = {}
        for module in self.modules:
            if module.is_test and not include_tests:
                continue
            for name, line in module.imports.items():
                if "." not in name:
                    roots.setdefault(name, (module.path, line))
        return roots


def collect_python_sources(files: FileIndex) -> PythonSources:
    modules: list[PythonModule] = []
    for indexed, text in files.texts(files.with_suffix(".py")):
        module = parse_python(indexed.path, text)
        if module.syntax_error:
            files.skip("Python syntax error", indexed.path)
        modules.append(module)
    return PythonSources(modules)
