"""Imports point one way, so each app's rules live in one place:

    mentoring -> progress, accounts, roadmap
    progress  -> accounts, roadmap
    accounts, roadmap -> neither of the others

`config` is below them all; only its URL configuration wires the apps together.
A test fails on any import, at module level or inside a function, that points
back.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "roadmap", "progress", "mentoring", "config")
ALLOWED = {
    "accounts": {"config"},
    "roadmap": {"config"},
    "progress": {"accounts", "roadmap", "config"},
    "mentoring": {"progress", "accounts", "roadmap", "config"},
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
