"""The folder tree is the architecture: each layer imports only the layers below it.

bridge/ is the engine (never Radicale, never a web framework); its value types import nothing
of ours; translation and store import only the model; adapters (the Radicale plugin, the
gcaldav application: CLI, server, web) reach the engine only through its façade; the
emulator imports nothing of ours.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = ("bridge", "radicale_plugin", "gcaldav", "emulator")
FACADE = {"bridge.service", "bridge.model", "bridge.errors", "bridge.settings"}
WEB_FRAMEWORKS = ("radicale", "werkzeug", "flask", "jinja2")

# Engine packages and what of the engine each may import (besides itself).
ENGINE_RULES = {
    "bridge.model": set(),
    "bridge.errors": set(),
    "bridge.settings": set(),
    "bridge.translate": {"bridge.model"},
    "bridge.store": {"bridge.model"},
    "bridge.google": {"bridge.model", "bridge.errors"},
    "bridge.sync": {"bridge.model", "bridge.errors", "bridge.store", "bridge.translate",
                    "bridge.google"},
    "bridge.write": {"bridge.model", "bridge.errors", "bridge.store", "bridge.translate",
                     "bridge.google", "bridge.sync"},
    "bridge.background": {"bridge.model", "bridge.errors", "bridge.store", "bridge.google",
                          "bridge.sync", "bridge.ops"},
    "bridge.ops": {"bridge.model", "bridge.store"},
    "bridge.accounts": {"bridge.model", "bridge.errors", "bridge.store", "bridge.google"},
}


def imports_of(path: Path) -> list[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")[:len(package.split(".")) - node.level + 1] \
                if node.level else []
            base = ".".join(parts + ([node.module] if node.module else []))
            names += [f"{base}.{alias.name}" for alias in node.names]
    return names


def files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def owner(name: str) -> str | None:
    """The rule key a module falls under (``bridge.sync.engine`` -> ``bridge.sync``)."""
    return next((key for key in sorted(ENGINE_RULES, key=len, reverse=True)
                 if name == key or name.startswith(key + ".")), None)


def test_engine_layers_import_only_downwards():
    offenders = []
    for path in files("bridge"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        layer = owner(module)
        if layer is None:               # bridge/__init__.py, bridge/service.py: the top
            continue
        for name in imports_of(path):
            target = owner(name)
            if name.split(".")[0] == "bridge" and target != layer and (
                    target not in ENGINE_RULES[layer]):
                offenders.append(f"{module} imports {name}")
    assert offenders == []


def test_engine_imports_no_adapter_and_no_web_framework():
    offenders = [f"{path.relative_to(ROOT)}: {name}" for path in files("bridge")
                 for name in imports_of(path)
                 if name.split(".")[0] in OURS[1:] + WEB_FRAMEWORKS]
    assert offenders == []


@pytest.mark.parametrize("adapter", ["radicale_plugin", "gcaldav"])
def test_adapters_reach_the_engine_only_through_its_facade(adapter):
    offenders = [f"{path.relative_to(ROOT)}: {name}" for path in files(adapter)
                 for name in imports_of(path)
                 if name.split(".")[0] == "bridge"
                 and not any(name == allowed or name.startswith(allowed + ".")
                             for allowed in FACADE)]
    assert offenders == []


def test_emulator_is_self_contained():
    offenders = [f"{path.relative_to(ROOT)}: {name}" for path in files("emulator")
                 for name in imports_of(path) if name.split(".")[0] in OURS[:3]]
    assert offenders == []


def test_the_checker_sees_relative_imports():
    path = ROOT / "bridge" / "sync" / "engine.py"
    assert {"bridge.store.Store", "bridge.sync.mirror"} <= set(imports_of(path))
