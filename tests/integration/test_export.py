"""`gvc export`: a mart of the tiny warehouse to Stata, CSV and Parquet.

The .dta holds the mart's rows and values (in the types gvc/stata.py
documents: booleans 0/1, NULL strings "", 64-bit integers as long), the dbt
docs' descriptions as variable labels, a dataset label; the panel's do-file
runs Table 4 in reghdfe with the study's own controls, fixed effects and
clusters. CSV and Parquet read back to the mart exactly. What is no warehouse
or no mart is refused in one line, exit code 2.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml

import gvc
from analytics.study.baseline import table4_specs
from analytics.study.spec import AGGLOMERATION_CONTROLS, CONTROLS, FULL_CONTROLS
from gvc.descriptions import DBT_DIR, from_manifest, from_yml
from gvc.stata import shorten, stata_frame, variable_names
from orchestration.cli import main as gvc_cli

ROOT = Path(__file__).resolve().parents[2]


def _yml_columns(model: str) -> dict[str, str]:
    """Column descriptions straight from the model's yml file (whitespace collapsed)."""
    for path in (ROOT / "dbt_project" / "models").rglob("*.yml"):
        for m in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            if m["name"] == model:
                return {c["name"]: " ".join(c.get("description", "").split()) for c in m["columns"]}
    raise KeyError(model)


@pytest.fixture(scope="module")
def exported(tiny_warehouse, tmp_path_factory) -> tuple[Path, Path, str]:
    """(warehouse, exported panel.dta, what the command printed)."""
    _, wh = tiny_warehouse
    out = tmp_path_factory.mktemp("export") / "stata" / "panel.dta"
    res = subprocess.run([sys.executable, "-m", "orchestration.cli", "export", "panel", "--format", "dta",
                          "--warehouse", str(wh), "--out", str(out)], capture_output=True, text=True, timeout=300,
                         cwd=ROOT)
    assert res.returncode == 0, res.stderr[-2000:]
    return wh, out, res.stdout


@pytest.fixture(scope="module")
def mart(exported) -> pd.DataFrame:
    with gvc.open(exported[0]) as w:
        return w.panel()


def test_dta_holds_the_marts_rows_and_values(exported, mart):
    _, out, printed = exported
    assert out.read_bytes()[:64].startswith(b"<stata_dta><header><release>118</release>")
    back, meta = pyreadstat.read_dta(str(out))
    assert list(back.columns) == list(mart.columns)  # every panel name is a valid Stata name already
    assert len(back) == len(mart) == meta.number_rows
    for col in mart.columns:
        want, got = mart[col], back[col]
        if pd.api.types.is_bool_dtype(want):  # booleans -> 0/1, NULL -> missing
            expect = want.astype("boolean").astype("Float64").astype(float)
            np.testing.assert_array_equal(got.to_numpy(float), expect.to_numpy(float, na_value=np.nan), col)
        elif pd.api.types.is_numeric_dtype(want):  # the same numbers, bit for bit; NULL -> missing
            np.testing.assert_array_equal(got.to_numpy(float), want.astype("Float64").to_numpy(float, na_value=np.nan),
                                          col)
        else:  # strings as they are, NULL -> ""
            assert got.tolist() == want.astype(object).where(want.notna(), "").tolist(), col
    assert meta.readstat_variable_types["mover"] == "int32" and meta.readstat_variable_types["dvar"] == "double"
    assert meta.readstat_variable_types["n_products"] == "int32"  # BIGINT whose values fit Stata's long
    assert "boolean -> 0/1 (long): mover, top_sales_decile, innovation_center" in printed


def test_dta_labels_are_the_dbt_descriptions(exported):
    _, out, _ = exported
    _, meta = pyreadstat.read_dta(str(out), metadataonly=True)
    labels = meta.column_names_to_labels
    described = _yml_columns("fct_firm_panel")
    for col in ("panel_firm_id", "year", "city_code", "firm_size"):  # descriptions within 80 characters
        assert len(described[col]) <= 80
        assert labels[col] == described[col]
    assert len(described["dvar"]) > 80  # shortened: its leading words, within Stata's limit
    assert labels["dvar"] == shorten(described["dvar"]) and labels["dvar"].startswith("Export DVAR")
    assert all(lab and len(lab) <= 80 for lab in labels.values())
    assert meta.file_label.startswith("fct_firm_panel: The analysis panel") and len(meta.file_label) <= 80


def test_descriptions_read_alike_from_the_manifest_and_the_yml():
    manifest = DBT_DIR / "target" / "manifest.json"
    if not manifest.exists():
        pytest.skip("no dbt manifest (the tiny build writes one)")
    for model in ("fct_firm_panel", "fct_data_quality"):
        assert from_manifest(manifest, model) == from_yml(DBT_DIR / "models", model)
    assert from_yml(DBT_DIR / "models", "fct_regression_results") is None  # written by Python, not dbt


def test_do_file_runs_table4_with_the_study_specification(exported):
    _, out, printed = exported
    do = out.with_name("panel_table4.do")
    text = do.read_text()
    assert 'use "panel.dta", clear' in text
    assert "egen long firm = group(panel_firm_id)" in text and "egen long city = group(city_code)" in text
    reghdfe = [line for line in text.splitlines() if line.startswith("reghdfe ")]
    expected = [
        "reghdfe dvar complementarity, absorb(firm year) vce(cluster firm)",
        f"reghdfe dvar complementarity {' '.join(CONTROLS)}, absorb(firm year) vce(cluster firm)",
        f"reghdfe dvar complementarity {' '.join(FULL_CONTROLS)}, absorb(firm year) vce(cluster firm)",
        f"reghdfe dvar complementarity {' '.join(FULL_CONTROLS)}, absorb(firm year) vce(cluster city)",
    ]
    assert reghdfe == expected and len(table4_specs()) == len(expected)
    # every variable the do-file reads is in the exported file (Stata is not on this machine: what it would
    # stop on first, a variable not found, is checked here)
    import pyreadstat

    _, meta = pyreadstat.read_dta(str(out), metadataonly=True)
    made = {"firm", "city"}  # the egen lines
    used = {v for line in reghdfe for v in line.split(",")[0].split()[1:]}
    used |= {m for m in re.findall(r"group\((\w+)\)", text)}
    used |= {v for line in reghdfe for v in re.search(r"absorb\(([^)]*)\)", line)[1].split()}
    used |= {re.search(r"vce\(cluster (\w+)\)", line)[1] for line in reghdfe}
    assert {"year", "firm", "city", "panel_firm_id", "dvar"} <= used
    assert used - made <= set(meta.column_names), sorted(used - made - set(meta.column_names))
    assert all(len(v) <= 32 for v in meta.column_names)  # Stata's limit on a variable name
    assert f"*   {' '.join(AGGLOMERATION_CONTROLS)}" in text
    assert re.search(r"^\* esttab table4_1 table4_2 table4_3 table4_4 using ", text, re.M)
    assert "*     study: complementarity " in text  # the stored estimates, to compare with
    assert f"(2) controls: {' '.join(CONTROLS)}" in printed
    # the README shows the baseline line as the do-file writes it
    assert expected[2] in (ROOT / "README.md").read_text()


def test_csv_and_parquet_read_back_to_the_mart(exported, tmp_path):
    wh = exported[0]
    for table in ("panel", "marts.fct_data_quality"):
        for fmt in ("csv", "parquet"):
            out = tmp_path / f"{table}.{fmt}"
            assert gvc_cli(["export", table, "--format", fmt, "--warehouse", str(wh), "--out", str(out)]) == 0
            with gvc.open(wh) as w:
                name = w.resolve(table)
                types = w.column_types(name)
                if fmt == "csv":
                    assert out.read_text(encoding="utf-8").splitlines()[0] == ",".join(types)
                    cols = ", ".join(f"'{c}': '{t}'" for c, t in types.items())
                    back = f"read_csv('{out}', header = true, columns = {{{cols}}})"
                else:
                    back = f"read_parquet('{out}')"
                    described = w.connection.execute(f"describe select * from {back}").fetchall()
                    assert {r[0]: r[1] for r in described} == types  # DuckDB's types, as they are
                mart = f'marts."{name}"'
                for a, b in ((mart, back), (back, mart)):  # the same rows, NULLs and all
                    n = w.connection.execute(f"select count(*) from (select * from {a} except all select * from {b})")
                    assert n.fetchone()[0] == 0, (table, fmt)
                assert w.connection.execute(f"select count(*) from {back}").fetchone()[0] == \
                    w.connection.execute(f"select count(*) from {mart}").fetchone()[0]


@pytest.mark.parametrize("case", ["unknown table", "missing", "empty file", "not duckdb"])
def test_what_is_no_warehouse_or_no_mart_is_refused_in_one_line(exported, tmp_path, capsys, case):
    wh, table = exported[0], "panel"
    if case == "unknown table":
        table = "fct_no_such_mart"
    elif case == "missing":
        wh = tmp_path / "none.duckdb"
    elif case == "empty file":
        wh = tmp_path / "empty.duckdb"
        wh.write_bytes(b"")
    else:
        wh = tmp_path / "panel.csv"
        wh.write_text("panel_firm_id,year\n1,2004\n")
    out = tmp_path / "out.dta"
    assert gvc_cli(["export", table, "--warehouse", str(wh), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gvc export: ")
    assert {"unknown table": "available: ", "missing": "no warehouse at", "empty file": "is an empty file",
            "not duckdb": "is not a DuckDB database"}[case] in err[0]
    if case == "unknown table":  # the list names every mart, the panel by its alias
        assert "panel (= fct_firm_panel)" in err[0] and "fct_regression_results" in err[0]
    assert not out.exists() and not out.with_name("out_table4.do").exists()


def test_a_refusal_prints_no_traceback(tmp_path):
    res = subprocess.run([sys.executable, "-m", "orchestration.cli", "export", "panel", "--warehouse",
                          str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "p.dta")],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [f"gvc export: no warehouse at {tmp_path / 'none.duckdb'} "
                                               "(build one with `gvc build`)"]


# -- the Stata conversions on hand cases (no warehouse needed) ---------------------------------------------------
def test_invalid_stata_names_are_renamed_uniquely():
    cols = ["dvar", "long", "1st_year", "share (%)", "a" * 40, "a" * 40 + "b", "_n", "str5"]
    names = variable_names(cols)
    assert names["dvar"] == "dvar" and names["long"] == "long_" and names["1st_year"] == "_1st_year"
    assert names["share (%)"] == "share____" and names["_n"] == "_n_" and names["str5"] == "str5_"
    assert names["a" * 40] == "a" * 32 and names["a" * 40 + "b"] == "a" * 30 + "_2"
    assert len(set(names.values())) == len(cols) and all(len(n) <= 32 for n in names.values())


def test_labels_are_shortened_to_whole_clauses_or_words():
    assert shorten("Sample year.") == "Sample year."
    long = ("min((foreign + HMT capital) / paid-in capital, 1) (survey rounding can put the parts above the "
            "total); NULL unless paid-in > 0; winsorised.")
    assert shorten(long) == "min((foreign + HMT capital) / paid-in capital, 1); NULL unless paid-in > 0"
    words = "word " * 30
    cut = shorten(words)
    assert len(cut) <= 80 and cut.endswith("word…")


def test_values_stata_has_no_type_or_value_for_are_converted(tmp_path):
    df = pd.DataFrame({
        "flag": pd.array([True, None, False], dtype="boolean"),
        "big": np.array([1, 2**40, -3], dtype="int64"),
        "small": pd.array([1, None, 3], dtype="Int64"),
        "x": [1.5, np.inf, np.nan],
        "s": pd.array(["a", None, "中文"], dtype=object),
        "day": pd.to_datetime(["2001-01-02", None, "2010-05-06"]),
        "when": pd.to_datetime(["2001-01-02 03:04:05", None, "2010-05-06 00:00:00"]),
    })
    sf = stata_frame(df, {"day": "DATE", "when": "TIMESTAMP"})
    assert sf.missing == {"x": 1}
    assert sf.converted["boolean -> 0/1 (long)"] == ["flag"]
    assert sf.converted["64-bit integer -> double (beyond long)"] == ["big"]
    assert sf.converted["64-bit integer -> long (every value fits)"] == ["small"]
    path = tmp_path / "hand.dta"
    pyreadstat.write_dta(sf.frame, str(path), version=14)
    back, meta = pyreadstat.read_dta(str(path))
    assert back["flag"].tolist()[::2] == [1, 0] and np.isnan(back["flag"][1])
    assert back["big"].tolist() == [1.0, 2.0**40, -3.0] and meta.readstat_variable_types["small"] == "int32"
    assert back["x"][0] == 1.5 and back["x"][1:].isna().all()
    assert back["s"].tolist() == ["a", "", "中文"]
    assert back["day"][0] == dt.date(2001, 1, 2) and meta.original_variable_types["day"] == "%td"
    assert back["when"][0] == pd.Timestamp("2001-01-02 03:04:05") and meta.original_variable_types["when"] == "%tc"
    with pytest.raises(ValueError, match="beyond 2\\^53"):
        stata_frame(pd.DataFrame({"huge": np.array([2**60], dtype="int64")}), {})
