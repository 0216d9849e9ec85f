"""bridge/ is the engine; only radicale_plugin/ may import Radicale."""

import ast
from pathlib import Path

BRIDGE = Path(__file__).resolve().parents[2] / "bridge"


def test_bridge_never_imports_radicale():
    offenders = []
    for path in BRIDGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            offenders += [f"{path.relative_to(BRIDGE)}: {n}" for n in names
                          if n.split(".")[0] in ("radicale", "radicale_plugin")]
    assert offenders == []


def test_emulator_is_self_contained():
    """emulator/ imports nothing of ours (it is usable on its own)."""
    offenders = []
    for path in (BRIDGE.parent / "emulator").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (
                    node.level > 1 or (node.level == 0 and (node.module or "").split(".")[0]
                                       in ("bridge", "radicale_plugin"))):
                offenders.append(f"{path.name}: {'.' * node.level}{node.module}")
    assert offenders == []
