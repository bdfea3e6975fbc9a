"""Layering rules: ``fwtui`` never imports Textual, and nothing on the UI side imports an ML framework."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FRAMEWORKS = ("torch", "tensorflow", "jax", "jaxlib", "onnxruntime", "onnx", "keras", "sklearn")
# Modules that only ever run inside a child process, where importing a framework is their job.
CHILD_ONLY = ("fwtui/bench/runners/", "fwtui/bench/child.py", "fwtui/hardware/framework_child.py",
              "fwtui/hardware/device_probes.py", "fwtui/hardware/peak_child.py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_fwtui_package_never_imports_textual() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "fwtui").rglob("*.py")
        if "textual" in _imports(path)
    ]
    assert offenders == []


def test_ui_side_never_imports_a_framework() -> None:
    ui_files = list((REPO / "screens").rglob("*.py"))
    ui_files += [
        path
        for path in (REPO / "fwtui").rglob("*.py")
        if not any(str(path.relative_to(REPO)).startswith(prefix) for prefix in CHILD_ONLY)
    ]
    offenders = {
        str(path.relative_to(REPO)): sorted(_top_level_imports(path) & set(FRAMEWORKS))
        for path in ui_files
        if _top_level_imports(path) & set(FRAMEWORKS)
    }
    assert offenders == {}


def test_importing_every_ui_side_module_loads_no_framework() -> None:
    modules = []
    for path in sorted([*(REPO / "fwtui").rglob("*.py"), *(REPO / "screens").rglob("*.py")]):
        rel = path.relative_to(REPO)
        if any(str(rel).startswith(prefix) for prefix in CHILD_ONLY) or path.name == "__main__.py":
            continue
        modules.append(".".join(rel.with_suffix("").parts).removesuffix(".__init__"))
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--quiet", str(REPO)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]


def test_mypy_strict_is_clean_on_the_library() -> None:
    """The library is type-checked strictly (pyproject.toml's [tool.mypy]); the UI layer is not yet."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental"], capture_output=True, text=True, timeout=600, cwd=REPO
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]
    assert "Success: no issues found" in result.stdout
