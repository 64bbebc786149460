"""`gvc --help` and usage errors answer before the heavy imports (dagster,
pandas, dbt): the console script's help is instant."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
from orchestration.cli import main
try:
    main(sys.argv[1:])
except SystemExit as e:
    code = e.code
heavy = sorted(m for m in ("dagster", "pandas", "dbt", "pyfixest", "duckdb") if m in sys.modules)
print("HEAVY", ",".join(heavy), "CODE", code)
"""


@pytest.mark.parametrize("argv, code", [(["--help"], 0), (["build", "--help"], 0), (["synth", "--help"], 0),
                                        (["reference", "--help"], 0), (["export", "--help"], 0),
                                        (["montecarlo", "--help"], 0), (["montecarlo", "--scale", "tiny"], 2),
                                        (["build", "--no-such-option"], 2), ([], 2)])
def test_help_and_usage_errors_import_nothing_heavy(argv, code):
    res = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=120)
    last = res.stdout.strip().splitlines()[-1]
    assert last == f"HEAVY  CODE {code}", (last, res.stderr[-500:])
