"""The house plan holds: every import points down the layers, and no modules import each other in a cycle.

The layers are written in the README ("Layout and design"); this test reads every module's imports with ast, the
ones inside functions too, so a lazy import cannot hide a dependency that points the wrong way.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("translate", "align", "eval", "xling")

# Module prefix -> layer; the longest matching prefix decides. A module may import its own layer or lower ones.
LAYERS = {
    "translate": 1,  # documents in, English out
    "align": 2,  # similarity, alignment, claim matching, document pairing
    "eval": 3,  # pure metrics: scorers, run records, plots
    "xling.pipeline": 4,  # the compare and find pipelines and their report
    "xling.batch": 5,  # the batch engine, built on the pipeline
    "xling.runs": 6,  # evaluation, calibration and benchmark runs over all of the above
    "xling": 7,  # the Python API (xling/__init__.py)
    "xling.cli": 8,
    "xling.commands": 8,  # the CLI on top of everything
}


def layer_of(module: str) -> int:
    """The layer of a dotted module name (longest matching prefix of LAYERS)."""
    best = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return LAYERS[best]


def module_name(root: Path, path: Path) -> str:
    """Dotted module name of a source file under `root` (a package's __init__ is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(root: Path) -> dict[str, Path]:
    """Every module of the four packages under `root`."""
    return {module_name(root, p): p for pkg in PACKAGES for p in sorted((root / pkg).rglob("*.py"))}


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `module` imports anywhere in its file (`from pkg import sub` counts as pkg.sub)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def violations(root: Path) -> list[str]:
    """Upward imports and import cycles among the project's modules under `root`, as readable lines."""
    modules = project_modules(root)
    graph = {m: imports_of(m, p, set(modules)) for m, p in modules.items()}
    problems = [f"{m} (layer {layer_of(m)}) imports {d} (layer {layer_of(d)})"
                for m, deps in sorted(graph.items()) for d in sorted(deps) if layer_of(d) > layer_of(m)]
    problems.extend(f"import cycle: {' -> '.join(c)}" for c in _cycles(graph))
    return problems


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_tree_keeps_the_plan():
    assert violations(ROOT) == []


def _plant(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for pkg in PACKAGES:
        (root / pkg).mkdir(exist_ok=True)
        (root / pkg / "__init__.py").touch()
    return root


def test_an_upward_import_inside_a_function_is_caught(tmp_path):
    root = _plant(tmp_path, {
        "translate/reader.py": "def f():\n    from xling.pipeline.compare import compare\n",
        "xling/pipeline/__init__.py": "",
        "xling/pipeline/compare.py": "",
    })
    assert violations(root) == ["translate.reader (layer 1) imports xling.pipeline.compare (layer 4)"]


def test_two_modules_importing_each_other_are_caught(tmp_path):
    root = _plant(tmp_path, {
        "align/a.py": "from align.b import x\n",
        "align/b.py": "def g():\n    from . import a\n",
    })
    assert violations(root) == ["import cycle: align.a -> align.b"]


def test_eval_importing_the_pipeline_is_caught(tmp_path):
    root = _plant(tmp_path, {"eval/run.py": "import xling.pipeline.compare\n", "xling/pipeline/__init__.py": "",
                             "xling/pipeline/compare.py": ""})
    assert violations(root) == ["eval.run (layer 3) imports xling.pipeline.compare (layer 4)"]
