"""The map in CONTRIBUTING.md holds: each blueprint stands alone; shared work lives outside them."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Blueprint

import voice

VOICE_DIR = Path(voice.__file__).parent


def blueprint_packages(app) -> set[str]:
    """The packages under voice/ that register a blueprint (found from the app, not a list)."""
    return {blueprint.import_name.split(".")[1] for blueprint in app.blueprints.values()
            if isinstance(blueprint, Blueprint)}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in a module of voice/."""
    # The package a relative import starts from (for __init__.py, the package itself).
    package = ".".join(("voice", *path.relative_to(VOICE_DIR).parent.parts))
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = parts[: len(parts) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            if node.module is None:  # from . import a, b: each name may be a module
                found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, module))
    return found


def test_blueprints_are_found(app):
    assert {"auth", "canvass", "resident", "surveys", "review"} <= blueprint_packages(app)


def test_no_module_imports_another_blueprints_module(app):
    blueprints = blueprint_packages(app)
    crossings = []
    for path in sorted(VOICE_DIR.rglob("*.py")):
        parts = path.relative_to(VOICE_DIR).parts
        own = parts[0] if len(parts) > 1 else None
        for line, module in imported_modules(path):
            names = module.split(".")
            if names[0] != "voice" or len(names) < 2 or names[1] not in blueprints or names[1] == own:
                continue
            if path == VOICE_DIR / "__init__.py" and len(names) == 2:
                continue  # the app factory registers each blueprint package, and only that
            crossings.append(f"{path.relative_to(VOICE_DIR.parent)}:{line} imports {module}")
    assert not crossings, "\n".join(crossings)


@pytest.mark.parametrize("source, module", [
    ("from ..surveys import definition\n", "voice.surveys"),
    ("from .. import accounts\n", "voice.accounts"),
    ("from ..intake.flow import Form\n", "voice.intake.flow"),
    ("from .views import bp\n", "voice.canvass.views"),
])
def test_relative_imports_are_resolved(tmp_path, monkeypatch, source, module):
    """The check above must see through relative imports, or it could never fail."""
    path = VOICE_DIR / "canvass" / "probe_layout.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    assert imported_modules(path) == [(1, module)]


LONGEST_FUNCTION = 60


def test_no_function_is_too_long_to_read_at_once():
    """voice/ and nlp/ (migrations included) keep every function within 60 lines."""
    too_long = []
    for root in (VOICE_DIR, VOICE_DIR.parent / "nlp"):
        for path in sorted(root.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    length = node.end_lineno - node.lineno + 1
                    if length > LONGEST_FUNCTION:
                        where = f"{path.relative_to(root.parent)}:{node.lineno}"
                        too_long.append(f"{where} {node.name} ({length} lines)")
    assert not too_long, "\n".join(too_long)
