"""No estimator reads the synthetic truth: only the generator, the truth-side
assets (orchestration/truth.py, feeding the report's truth section), the
report and the Monte Carlo over worlds (analytics/montecarlo.py, which sets
each world's estimates beside its truth) may name truth.json, the truth/
folder or the tables made from them.

Checked on the code itself: every string literal (docstrings aside) of every
module of the product, outside those places, is searched for what would open
the truth; no estimation or production module imports the generator or the
Monte Carlo (which may read it); and the production parameters are estimated
with the truth files out of reach.
"""

from __future__ import annotations

import ast
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {
    "orchestration/truth.py",  # the truth-side assets
    "orchestration/report.py",  # the report asset (its truth section)
    "analytics/report/render.py",  # the truth section
    "analytics/report/headline.py",  # the build's closing lines: is the true beta covered
    "orchestration/cli.py",  # `gvc synth` prints what it wrote
    "analytics/montecarlo.py",  # the Monte Carlo: each world's estimates against its truth
}
ALLOWED_TREES = ("analytics/synth/",)  # the generator
NEEDLES = ("truth", "firm_year_latent", "quality_recovery")


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _truth_literals(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    return [f"{path.relative_to(root)}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
            and any(n in node.value.lower() for n in NEEDLES)]


def _product_modules() -> list[Path]:
    files = [p for d in ("analytics", "orchestration", "schemas") for p in (ROOT / d).rglob("*.py")]
    return [p for p in files if str(p.relative_to(ROOT)) not in ALLOWED
            and not str(p.relative_to(ROOT)).startswith(ALLOWED_TREES)]


def test_no_estimation_or_production_module_names_the_truth():
    modules = _product_modules()
    assert any(p.name == "measures.py" for p in modules) and any(p.name == "production.py" for p in modules)
    found = [hit for p in modules for hit in _truth_literals(p)]
    assert found == [], "modules outside the truth side name the synthetic truth:\n" + "\n".join(found)


def test_the_scan_sees_a_truth_read(tmp_path):
    """The check above can fail: a module reading truth.json is caught
    (written outside the repository, so that no other test sees it)."""
    bad = tmp_path / "analytics" / "_scan_probe.py"
    bad.parent.mkdir()
    bad.write_text('import json\nRHO = json.load(open("raw/truth.json"))["params"]["omega_rho"]\n')
    assert _truth_literals(bad, root=tmp_path) == ["analytics/_scan_probe.py:2: 'raw/truth.json'"]


# the estimators: the study's tables, the production side and the assets that call them
ESTIMATORS = ("analytics/study/", "analytics/estimation/", "analytics/production.py", "analytics/measures.py",
              "analytics/quality.py", "analytics/upstreamness.py", "orchestration/estimation.py",
              "orchestration/production.py", "orchestration/spec_curve.py")
TRUTH_READERS = ("analytics.synth", "analytics.montecarlo")


def _truth_imports(path: Path) -> list[str]:
    """The imports of a module that reach the generator or the Monte Carlo."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return [n for n in names if n.startswith(TRUTH_READERS)]


def test_no_estimator_imports_the_generator_or_the_montecarlo():
    modules = [p for d in ("analytics", "orchestration") for p in (ROOT / d).rglob("*.py")
               if str(p.relative_to(ROOT)).startswith(ESTIMATORS)]
    assert {"iv.py", "measures.py", "production.py", "estimation.py"} <= {p.name for p in modules}
    found = {str(p.relative_to(ROOT)): _truth_imports(p) for p in modules}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_import_scan_sees_a_truth_reader(tmp_path):
    bad = tmp_path / "probe.py"
    bad.write_text("from analytics import montecarlo\nfrom analytics.synth.panel import generator_panel\n")
    assert _truth_imports(bad) == ["analytics.montecarlo", "analytics.synth.panel",
                                   "analytics.synth.panel.generator_panel"]


def test_production_parameters_are_estimated_without_the_truth_files(tiny_warehouse, tmp_path):
    """The production assets give the same estimates whether or not the truth sits in the raw root."""
    import shutil

    import dagster as dg
    import duckdb

    from orchestration.production import parameter_estimates
    from orchestration.resources import GvcResource

    root, wh = tiny_warehouse
    hidden = tmp_path / "raw"
    shutil.copytree(root, hidden, ignore=shutil.ignore_patterns("truth.json", "truth"))
    assert (root / "truth.json").exists() and (root / "truth").is_dir()
    assert not (hidden / "truth.json").exists() and not (hidden / "truth").exists()
    tables = {}
    for raw in (root, hidden):
        copy = tmp_path / f"w_{raw == root}.duckdb"
        shutil.copy(wh, copy)
        gvc = GvcResource(raw_root=str(raw), warehouse=str(copy))
        assert dg.materialize([parameter_estimates], resources={"gvc": gvc}).success
        with duckdb.connect(str(copy), read_only=True) as con:
            tables[raw] = con.execute("select parameter, estimate, std_error, method from "
                                      "analytics.parameter_estimates order by parameter").df()
    assert len(tables[root]) == 5
    assert tables[root].equals(tables[hidden])
