"""Imports point one way, so each app's rules live in one place:

    api       -> mentoring, progress, accounts, roadmap
    mentoring -> progress, accounts, roadmap, outbox
    progress  -> accounts, roadmap, outbox
    accounts  -> outbox
    roadmap, outbox -> none of the others

`config` is below them all; only its URL configuration wires the apps together.
`outbox` (email delivery and background work) serves every app that sends mail.
A test fails on any import, at module level or inside a function, that points
back.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "roadmap", "progress", "mentoring", "outbox", "api", "config")
ALLOWED = {
    "accounts": {"outbox", "config"},
    "roadmap": {"config"},
    "progress": {"accounts", "roadmap", "outbox", "config"},
    "mentoring": {"progress", "accounts", "roadmap", "outbox", "config"},
    "outbox": {"config"},
    "api": {"mentoring", "progress", "accounts", "roadmap", "config"},
    "config": set(),
}
WIRING = {ROOT / "config" / "urls.py"}


def imported_apps(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in APPS:
                found.add((top, node.lineno))
    return found


def modules_of(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts or path in WIRING:
            continue
        yield path


@pytest.mark.parametrize("app", APPS)
def test_imports_point_one_way(app):
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for path in modules_of(app)
        for target, line in imported_apps(path)
        if target != app and target not in ALLOWED[app]
    ]
    assert not wrong, "imports that point back:\n" + "\n".join(wrong)


def test_the_check_sees_a_wrong_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    from mentoring.models import Comment\n")
    assert imported_apps(module) == {("mentoring", 2)}


# A view reads the request, calls one function and renders: this many lines at
# most, decorators, signature and docstring included.
VIEW_LINES = 30


def project_views():
    """Every view function of the project's URL patterns, once."""
    import inspect

    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                yield pattern.callback

    seen = set()
    for callback in walk(get_resolver().url_patterns):
        view = inspect.unwrap(getattr(callback, "view_class", callback))
        module = getattr(view, "__module__", "") or ""
        if module.split(".")[0] in APPS and view not in seen:
            seen.add(view)
            yield view


def test_views_are_thin():
    import inspect

    views = list(project_views())
    assert len(views) > 40  # the walk found the project's views
    long = []
    for view in views:
        lines = len(inspect.getsource(view).splitlines())
        if lines > VIEW_LINES:
            long.append(f"{view.__module__}.{view.__name__}: {lines} lines")
    assert not long, "views longer than the rule:\n" + "\n".join(long)


# No module so long that a reader must hold it all to change a part of it.
MODULE_LINES = 700


def project_modules():
    for app in APPS:
        yield from modules_of(app)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_module_is_too_long():
    long = [
        f"{path.relative_to(ROOT)}: {lines} lines"
        for path in project_modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES
    ]
    assert not long, f"modules over {MODULE_LINES} lines:\n" + "\n".join(long)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The project's modules `path` imports, at module level or in a function
    (`from package import module` counts as the module), and the packages whose
    `__init__` that runs: importing `a.b.c` runs `a/b/__init__.py` too, unless
    `path` is inside that package already."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for_types = {  # `if TYPE_CHECKING:` imports run only under a type checker
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for statement in node.body
        for inner in ast.walk(statement)
    }
    importer = module_name(path) if path.is_relative_to(ROOT) else path.stem
    found = set()
    for node in ast.walk(tree):
        if id(node) in for_types:
            continue
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            submodules = [f"{node.module}.{alias.name}" for alias in node.names]
            candidates = [name for name in submodules if name in known]
            if len(candidates) < len(submodules):  # names defined in the module
                candidates.append(node.module)
        else:
            continue
        for name in candidates:
            if name in known:
                found.add(name)
            found.update(
                package
                for package in packages_of(name)
                if package in known and package not in packages_of(importer)
            )
    return found


def packages_of(name: str) -> set[str]:
    """The packages whose `__init__` importing module `name` runs."""
    parts = name.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts))}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles of `graph` (module -> the modules it imports): each
    strongly connected group of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_import_circles():
    paths = {module_name(path): path for path in project_modules()}
    known = set(paths)
    graph = {
        name: imported_modules(path, known) - {name} for name, path in paths.items()
    }
    cycles = import_cycles(graph)
    assert not cycles, "modules that import each other:\n" + "\n".join(
        " <-> ".join(cycle) for cycle in cycles
    )


def test_the_check_sees_an_import_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_importing_a_module_counts_its_package(tmp_path):
    """`from pkg.sub import thing` runs `pkg/sub/__init__.py`, which may import
    the importer back: a circle through a package counts."""
    module = tmp_path / "app.py"
    module.write_text("from pkg.sub import leaf\n")
    known = {"pkg", "pkg.sub", "pkg.sub.leaf", "pkg.sub.other"}
    assert imported_modules(module, known) == {"pkg", "pkg.sub", "pkg.sub.leaf"}
