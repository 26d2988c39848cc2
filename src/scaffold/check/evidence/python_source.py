"""Facts about Python files from their syntax tree. Files are parsed, never imported or run."""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field

from scaffold.check.evidence.files import FileIndex

_TEST_FILE = re.compile(r"(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$")
_HTTP_VERBS = frozenset({"get", "post", "put", "delete", "patch", "websocket", "route", "api_route"})


@dataclass(frozen=True)
class TestFunction:
    name: str
    line: int
    assertions: int


MIN_LITERAL_CASES = 10


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
    gates: dict[str, int] = field(default_factory=dict)
    """Names compared in a condition that fails the run (an ``if`` whose body raises or exits, or an
    ``assert``), to the line: ``if score < baseline - tolerance: sys.exit(1)`` gives ``score``,
    ``baseline`` and ``tolerance``."""
    simulated: dict[str, int] = field(default_factory=dict)
    """Measurements drawn from a random distribution instead of timed (``latency =
    np.random.exponential(5.0)``): the name assigned, to the line."""
    literal_lists: list[tuple[str, int, int]] = field(default_factory=list)
    """Module-level names bound to a list or tuple literal of at least MIN_LITERAL_CASES items:
    (name, line, items)."""
    has_main_guard: bool = False
    top_level_calls: int = 0
    """Module-level statements that call something other than print (a script that does its work
    when run, without a ``__main__`` guard)."""
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


# Nodes an expression may hold and still be fixed before the test runs (no name, call, attribute
# or subscript: nothing the code under test could have produced).
_CONSTANT_NODES = (
    ast.Constant,
    ast.Compare,
    ast.BoolOp,
    ast.UnaryOp,
    ast.BinOp,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Dict,
    ast.JoinedStr,
    ast.FormattedValue,
    ast.cmpop,
    ast.boolop,
    ast.unaryop,
    ast.operator,
    ast.expr_context,
)


def _is_trivial(test: ast.expr) -> bool:
    """An assertion on constants only (``assert "x" == "x"``, ``assert 1 + 1 == 2``) tests nothing."""
    return all(isinstance(node, _CONSTANT_NODES) for node in ast.walk(test))


def _count_assertions(nodes: list[ast.AST]) -> int:
    """Assertions among a test function's nodes (constant-only ones excluded)."""
    count = 0
    for node in nodes:
        kind = node.__class__
        if kind is ast.Assert:
            if not _is_trivial(node.test):  # type: ignore[attr-defined]
                count += 1
        elif kind is ast.Call:
            target = node.func  # type: ignore[attr-defined]
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if name in {"raises", "warns", "deprecated_call"}:
                count += 1
            elif name.startswith("assert"):
                arguments = [*node.args, *(k.value for k in node.keywords)]  # type: ignore[attr-defined]
                if not arguments or not all(_is_trivial(arg) for arg in arguments):
                    count += 1
        elif kind is ast.With or kind is ast.AsyncWith:
            for item in node.items:  # type: ignore[attr-defined]
                call = item.context_expr
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr in {"raises", "warns"}
                ):
                    count += 1
    return count


_MEASURED_NAME = re.compile(r"latenc|ttft|tpot|itl|throughput|duration|elapsed|tokens_per_s|tok_s|_ms$|_s$", re.I)
# Random draws a real load generator makes (the gaps between arrivals, back-off, think time): not measurements
_LOAD_SHAPE_NAME = re.compile(r"gap|interval|delay|wait|sleep|arrival|jitter|backoff|think|pause|timeout", re.I)
_DISTRIBUTIONS = frozenset(
    {
        "exponential",
        "normal",
        "uniform",
        "gauss",
        "expovariate",
        "lognormal",
        "lognormvariate",
        "gamma",
        "gammavariate",
        "poisson",
        "normalvariate",
        "triangular",
        "random",
        "rand",
        "randn",
        "randint",
    }
)


def _record_simulated(module: PythonModule, node: ast.Assign) -> None:
    call = node.value
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return
    if call.func.attr not in _DISTRIBUTIONS:
        return
    owners: list[str] = []  # np.random.exponential -> ["random", "np"] (a bounded walk: input is hostile)
    owner: ast.expr = call.func.value
    while len(owners) < 8:
        if isinstance(owner, ast.Attribute):
            owners.append(owner.attr)
            owner = owner.value
        elif isinstance(owner, ast.Call):
            owner = owner.func  # np.random.default_rng().normal
        else:
            owners.append(getattr(owner, "id", ""))
            break
    if not any(name == "random" or "rng" in name or name.startswith("default_rng") for name in owners):
        return
    for target in node.targets:
        name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", "")
        if name and _MEASURED_NAME.search(name) and not _LOAD_SHAPE_NAME.search(name):
            module.simulated.setdefault(name, node.lineno)


def parse_python(path: str, source: str) -> PythonModule:
    module = PythonModule(path=path, is_test=bool(_TEST_FILE.search(path)) or "/tests/" in f"/{path}")
    module.line_count = source.count("\n") + 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        module.syntax_error = f"{type(exc).__name__}: {exc}"
        return module
    for statement in tree.body:
        if statement.__class__ in (ast.Expr, ast.Assign, ast.AnnAssign) and _calls(getattr(statement, "value", None)):
            module.top_level_calls += 1
        # `TASKS = [Task(...), ...]`: cases kept in code (an eval set a repository defines in Python)
        value = getattr(statement, "value", None)
        if statement.__class__ in (ast.Assign, ast.AnnAssign) and value.__class__ in (ast.List, ast.Tuple):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            name = next((t.id for t in targets if isinstance(t, ast.Name)), None)
            if name is not None and len(value.elts) >= MIN_LITERAL_CASES:
                module.literal_lists.append((name, statement.lineno, len(value.elts)))
    names = module.names
    # a test function's nodes are walked once, and counted for assertions from the same list
    test_bodies: dict[int, list[ast.AST]] = {}
    for node in _walk(tree, test_bodies if module.is_test else None):
        if node.__class__ is ast.Assign:
            _record_simulated(module, node)
        kind = node.__class__
        if kind is ast.Name:
            names.setdefault(node.id, node.lineno)  # type: ignore[attr-defined]
        elif kind is ast.Attribute:
            names.setdefault(node.attr, node.lineno)  # type: ignore[attr-defined]
        elif kind is ast.Constant:
            value = node.value  # type: ignore[attr-defined]
            if value.__class__ is str and len(value) < 4000 and len(module.string_constants) < 1000:
                module.string_constants.append((node.lineno, value))  # type: ignore[attr-defined]
        elif kind is ast.keyword:
            if node.arg:  # type: ignore[attr-defined]
                module.keyword_arguments.setdefault(node.arg, getattr(node, "lineno", 0) or 0)  # type: ignore[attr-defined]
        elif kind is ast.Import or kind is ast.ImportFrom:
            _record_import_node(module, node)  # type: ignore[arg-type]
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            _record_function(module, node, test_bodies)  # type: ignore[arg-type]
        elif kind is ast.ExceptHandler:
            _record_handler(module, node)  # type: ignore[arg-type]
        elif kind is ast.If:
            test = node.test  # type: ignore[attr-defined]
            if isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__":
                module.has_main_guard = True
            elif _compares(test) and any(_fails(statement) for statement in node.body):  # type: ignore[attr-defined]
                _record_gate(module, test, node.lineno)  # type: ignore[attr-defined]
        elif kind is ast.Assert and not module.is_test and _compares(node.test):  # type: ignore[attr-defined]
            _record_gate(module, node.test, node.lineno)  # type: ignore[attr-defined]
    return module


def _calls(value: ast.expr | None) -> bool:
    """A call (awaited or not) of anything but print."""
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return False
    return not (isinstance(value.func, ast.Name) and value.func.id == "print")


_EXITS = frozenset({"exit", "_exit", "Exit", "SystemExit", "abort", "fail"})


def _compares(test: ast.expr) -> bool:
    return any(isinstance(node, ast.Compare) for node in ast.walk(test))


def _fails(statement: ast.stmt) -> bool:
    """Whether a statement stops the run with a failure: ``raise``, ``sys.exit(…)``, ``raise typer.Exit``."""
    for node in ast.walk(statement):
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, ast.Call):
            target = node.func
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if name in _EXITS:
                return True
    return False


def _record_gate(module: PythonModule, test: ast.expr, line: int) -> None:
    for node in ast.walk(test):
        if isinstance(node, ast.Name):
            module.gates.setdefault(node.id, line)
        elif isinstance(node, ast.Attribute):
            module.gates.setdefault(node.attr, line)


def _walk(tree: ast.AST, test_bodies: dict[int, list[ast.AST]] | None = None) -> list[ast.AST]:
    """Every node of the tree (order does not matter); quicker than `ast.walk` on large inputs.

    With `test_bodies`, each test function's own nodes (the function included) are also kept
    there under the function's id, so assertions are counted without a second walk."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = [tree]
    node_type = ast.AST
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    while stack:
        node = stack.pop()
        if test_bodies is not None and node.__class__ in functions and node.name.startswith("test"):
            body = _walk(node)
            test_bodies[id(node)] = body
            found.extend(body)
            continue
        found.append(node)
        for field_name in node._fields:
            value = getattr(node, field_name, None)
            if value.__class__ is list:
                stack.extend(item for item in value if isinstance(item, node_type))
            elif isinstance(value, node_type):
                stack.append(value)
    return found


def _record_import_node(module: PythonModule, node: ast.Import | ast.ImportFrom) -> None:
    if isinstance(node, ast.Import):
        for alias in node.names:
            _record_import(module, alias.name, node.lineno)
            local = alias.asname or alias.name.split(".", 1)[0]
            module.bound.setdefault(local, alias.name if alias.asname else local)
    elif node.module and node.level == 0:
        _record_import(module, node.module, node.lineno)
        for alias in node.names:
            _record_import(module, f"{node.module}.{alias.name}", node.lineno)
            module.bound.setdefault(alias.asname or alias.name, f"{node.module}.{alias.name}")


def _record_function(
    module: PythonModule, node: ast.FunctionDef | ast.AsyncFunctionDef, test_bodies: dict[int, list[ast.AST]]
) -> None:
    module.names.setdefault(node.name, node.lineno)
    for decorator in node.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr in _HTTP_VERBS:
            module.routes.append(decorator.lineno)
    if module.is_test and node.name.startswith("test"):
        nodes = test_bodies.get(id(node)) or _walk(node)
        module.tests.append(TestFunction(node.name, node.lineno, _count_assertions(nodes)))


def _record_handler(module: PythonModule, node: ast.ExceptHandler) -> None:
    if node.type is None:
        return
    for caught in node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]:
        caught_name = caught.attr if isinstance(caught, ast.Attribute) else getattr(caught, "id", "")
        if caught_name:
            module.exception_handlers.setdefault(caught_name, node.lineno)


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

    @property
    def runnable(self) -> list[PythonModule]:
        """Code modules run as scripts: a ``__main__`` guard, or work done at module level."""
        return [m for m in self.code if m.has_main_guard or m.top_level_calls >= 2]

    @property
    def simulated(self) -> list[tuple[str, int]]:
        """(path, line) of code (not tests) that draws a latency or throughput from a random
        distribution: numbers such code writes are invented, not measured."""
        return [(m.path, line) for m in self.code for line in list(m.simulated.values())[:1]]

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
    """Parse every readable Python file once.

    Parsing runs in this process on purpose: on a shared two-core machine, worker processes were
    measured slower than a single parser (fork and transfer costs exceed the parallel gain).
    """
    modules: list[PythonModule] = []
    for indexed, text in files.texts(files.with_suffix(".py")):
        module = parse_python(indexed.path, text)
        if module.syntax_error:
            files.skip("Python syntax error", indexed.path)
        modules.append(module)
    return PythonSources(modules)
