"""What a mart and its columns mean, as the dbt docs say it.

The model and column ``description``s of ``dbt_project/models/**/*.yml``
(the text `gvc docs` renders) are the variable labels of an exported
``.dta`` and what :meth:`gvc.Warehouse.columns` returns. They are read from
dbt's manifest (``dbt_project/target/manifest.json``, written by every build)
when it is at least as new as every yml file, else from the yml files
themselves (a fresh clone has no manifest; an edited yml makes it stale).
Whitespace is collapsed (yml's folded scalars keep their line breaks).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DBT_DIR", "ModelDocs", "model_docs", "from_manifest", "from_yml"]

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"


@dataclass(frozen=True)
class ModelDocs:
    """A dbt model's description and its columns' (column name -> text, in yml order)."""

    name: str
    description: str = ""
    columns: dict[str, str] = field(default_factory=dict)


def _clean(text: object) -> str:
    return " ".join(str(text or "").split())


def model_docs(model: str, dbt_dir: Path = DBT_DIR) -> ModelDocs | None:
    """The docs of dbt model ``model`` (None if no model has that name, e.g.
    ``fct_regression_results``, which the Python estimation assets write)."""
    manifest = dbt_dir / "target" / "manifest.json"
    models = dbt_dir / "models"
    ymls = sorted(models.rglob("*.yml"))
    if manifest.exists() and manifest.stat().st_mtime >= max((p.stat().st_mtime for p in ymls), default=0):
        return from_manifest(manifest, model)
    return from_yml(models, model)


def from_manifest(manifest: Path, model: str) -> ModelDocs | None:
    return _manifest_models(str(manifest), manifest.stat().st_mtime_ns).get(model)


@functools.lru_cache(maxsize=2)
def _manifest_models(path: str, mtime_ns: int) -> dict[str, ModelDocs]:
    nodes = json.loads(Path(path).read_text(encoding="utf-8"))["nodes"].values()
    return {n["name"]: ModelDocs(n["name"], _clean(n.get("description")),
                                 {c: _clean(v.get("description")) for c, v in n.get("columns", {}).items()})
            for n in nodes if n.get("resource_type") == "model"}


def from_yml(models_dir: Path, model: str) -> ModelDocs | None:
    import yaml

    for path in sorted(models_dir.rglob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for m in doc.get("models") or []:
            if m.get("name") == model:
                return ModelDocs(model, _clean(m.get("description")),
                                 {c["name"]: _clean(c.get("description")) for c in m.get("columns") or []})
    return None
