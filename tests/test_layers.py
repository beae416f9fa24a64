"""The architecture in DESIGN.md holds: every layer imports only the layers below it.

Each module under src/snapset is parsed with `ast` (nothing is imported or executed) and
every `import` / `from ... import` anywhere in it, including inside functions, is checked
against its layer's allowed list. A violation names the module, the line and the import.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "src" / "snapset"

# layer -> the snapset layers its modules may import; every layer may import itself and
# the top-level package (`from snapset import __version__`)
ALLOWED: dict[str, frozenset[str]] = {
    "quality": frozenset(),
    "formats": frozenset({"quality"}),
    "privacy": frozenset({"quality"}),
    "store": frozenset({"config"}),
    "service": frozenset({"store", "quality", "formats", "privacy", "config"}),
    "api": frozenset({"service", "config"}),
    "web": frozenset(),
    "cli": frozenset({"service", "quality", "formats", "config"}),
    "config": frozenset(),
    "__init__": frozenset(),
}

# (module, imported module): the only cross-layer exceptions, each with its reason
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("snapset.cli.serve", "snapset.api.app"): "`snapset serve` runs the HTTP server",
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. snapset.api.routers.uploads
    target: str  # the imported module, e.g. snapset.service.uploads
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def snapset_imports(path: Path) -> list[Import]:
    """Every import of a snapset module in this file, relative imports resolved."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            if prefix == "snapset":
                targets = [_submodule_or_package(alias.name) for alias in node.names]
            else:
                targets = [prefix]
        else:
            continue
        for target in targets:
            if target == "snapset" or target.startswith("snapset."):
                found.append(Import(module, target, node.lineno))
    return found


def _submodule_or_package(name: str) -> str:
    """`from snapset import x`: the module snapset.x if there is one, else the package."""
    if (PACKAGE_ROOT / f"{name}.py").exists() or (PACKAGE_ROOT / name).is_dir():
        return f"snapset.{name}"
    return "snapset"


def violations() -> list[str]:
    problems: list[str] = []
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        for imp in snapset_imports(path):
            source, target = layer_of(imp.module), layer_of(imp.target)
            if target in (source, "__init__") or target in ALLOWED[source]:
                continue
            if (imp.module, imp.target) in EXCEPTIONS:
                continue
            allowed = ", ".join(sorted(ALLOWED[source]))
            rule = f"may import only {allowed}" if allowed else "may import no other snapset layer"
            problems.append(
                f"{imp.module} (line {imp.line}) imports {imp.target}: layer '{source}' {rule}"
            )
    return problems


def test_every_module_belongs_to_a_known_layer() -> None:
    unknown = {
        module_name(p)
        for p in PACKAGE_ROOT.rglob("*.py")
        if layer_of(module_name(p)) not in ALLOWED
    }
    assert not unknown, f"modules outside any DESIGN.md layer: {sorted(unknown)}"


def test_layers_import_only_downwards() -> None:
    problems = violations()
    assert not problems, "layer rule broken (see DESIGN.md):\n" + "\n".join(problems)


def test_web_layer_has_no_python_imports_of_snapset() -> None:
    web = [i for p in (PACKAGE_ROOT / "web").rglob("*.py") for i in snapset_imports(p)]
    assert not web, f"web must talk to the HTTP API only: {web}"


@pytest.mark.parametrize(
    ("source", "code", "expected"),
    [
        (
            "api/routers/x.py",
            "from snapset.store.models import User\n",
            "snapset.api.routers.x (line 1) imports snapset.store.models: "
            "layer 'api' may import only config, service",
        ),
        (
            "api/x.py",
            "def f():\n    import snapset.store\n",
            "snapset.api.x (line 2) imports snapset.store: "
            "layer 'api' may import only config, service",
        ),
        (
            "quality/x.py",
            "from snapset import service\n",
            "snapset.quality.x (line 1) imports snapset.service: "
            "layer 'quality' may import no other snapset layer",
        ),
        (
            "formats/x.py",
            "from ..privacy import redact\n",
            "snapset.formats.x (line 1) imports snapset.privacy: "
            "layer 'formats' may import only quality",
        ),
        (
            "cli/qc.py",
            "from snapset.api.app import create_app\n",
            "snapset.cli.qc (line 1) imports snapset.api.app: "
            "layer 'cli' may import only config, formats, quality, service",
        ),
    ],
)
def test_a_forbidden_import_is_reported_by_module_and_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, code: str, expected: str
) -> None:
    root = tmp_path / "snapset"
    for layer in ALLOWED.keys() - {"config", "__init__"}:
        (root / layer).mkdir(parents=True)
    file = root / source
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(code, encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.PACKAGE_ROOT", root)
    assert violations() == [expected]


def test_the_serve_exception_is_only_for_cli_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "snapset"
    (root / "cli").mkdir(parents=True)
    (root / "cli" / "serve.py").write_text("from snapset.api.app import create_app\n")
    monkeypatch.setattr(f"{__name__}.PACKAGE_ROOT", root)
    assert violations() == []
