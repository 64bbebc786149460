"""Table 4 column (1) rerun with pyfixest from the warehouse's panel, checked
against the estimate the study stored.

    uv run python examples/table4_pyfixest.py [WAREHOUSE]    # default data/warehouse.duckdb

The specification is the study's own (``analytics.study.baseline.table4_specs``):
``dvar ~ complementarity | panel_firm_id + year``, CRV1 standard errors by firm,
singleton fixed-effect groups dropped. Prints the coefficient and its standard
error beside the stored ones (``marts.fct_regression_results``, table_id
``table4``) and exits 1 if either differs by more than 1e-6.
"""

from __future__ import annotations

import sys
import warnings

import pyfixest as pf

import gvc
from analytics.study.baseline import table4_specs
from analytics.study.spec import CLUSTER_COLUMNS, formula

TOLERANCE = 1e-6


def main(warehouse: str = "data/warehouse.duckdb") -> int:
    spec = table4_specs()[0]  # column (1): C alone, firm and year fixed effects, clustered by firm
    fml = formula(spec)
    try:
        with gvc.open(warehouse) as w:
            panel = w.panel()
            stored = w.results("table4")
    except gvc.WarehouseError as err:
        print(f"table4_pyfixest: {err}", file=sys.stderr)
        return 2
    with warnings.catch_warnings():  # pyfixest says how many singletons it dropped: printed below
        warnings.simplefilter("ignore", UserWarning)
        fit = pf.feols(fml, data=panel, vcov={"CRV1": CLUSTER_COLUMNS[spec.cluster]}, fixef_rm="singleton")
    b, se = float(fit.coef()["complementarity"]), float(fit.se()["complementarity"])
    row = stored[(stored["column_id"] == spec.column_id) & (stored["term"] == "complementarity")].iloc[0]
    complete = int(panel[spec.variables()].notna().all(axis=1).sum())
    print(f"Table 4 ({spec.column_id}): {fml}, CRV1 by {CLUSTER_COLUMNS[spec.cluster]}")
    print(f"  N = {fit._N:,} ({complete - fit._N:,} singleton rows of {complete:,} complete rows dropped)")
    print(f"  pyfixest here:  complementarity {b:.6f} (se {se:.6f})")
    print(f"  study (stored): complementarity {row['estimate']:.6f} (se {row['std_error']:.6f}), "
          f"N = {int(row['n_obs']):,}")
    gap = max(abs(b - row["estimate"]), abs(se - row["std_error"]))
    if gap > TOLERANCE:
        print(f"  differ by {gap:.2e} (more than {TOLERANCE:g})")
        return 1
    print(f"  the same to {TOLERANCE:g} (largest gap {gap:.1e})")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
