"""`gvc reference --unsd`: the contract's hs_concordance and hs_bec from the UNSD tables, and the build's
refusal of a split_weights setting the raw root's concordance was not built with.

Hand-made tables in the published layouts (tests/unsd_files.py) give values to check one by one; the
public files, when `<repo>/../shared/reference` holds them, give plausible counts and a contract check.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analytics.ingest.reference import (
    CONVERSION,
    CORRELATION,
    UnsdError,
    build_reference,
    choose_bec,
    equal_weights,
    national_imports,
    normalise_hs6,
    read_unsd_file,
    recognise,
    trade_weights,
)
from analytics.rawio import provenance_path, table_provenance
from analytics.settings import MethodSettings
from schemas.validate import RawValidationError, check_split_weights, split_weights_failures, validate_raw_root
from tests.unsd_files import write_customs_2001, write_unsd

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "reference"


def _concordance(raw: Path) -> pd.DataFrame:
    return pd.read_parquet(raw / "reference" / "hs_concordance" / "hs_concordance.parquet")


def _weights(df: pd.DataFrame, version: str, code: str) -> dict[str, float]:
    rows = df[(df["from_version"] == version) & (df["from_hs6"] == code)]
    return dict(zip(rows["hs6_1996"], rows["weight"], strict=True))


# ---------------------------------------------------------------- recognising files


def test_files_are_recognised_by_their_columns_not_their_names(tmp_path):
    src = write_unsd(tmp_path / "unsd")
    kinds = {p.name: [(t.kind, t.version) for t in read_unsd_file(p)] for p in sorted(src.rglob("*.csv"))}
    assert kinds == {"a.csv": [(CORRELATION, "HS2002")], "b.csv": [(CORRELATION, "HS2007")],
                     "c.csv": [(CORRELATION, "HS2012")], "d.csv": [(CONVERSION, "HS2002")],
                     "x.csv": [("hs_bec", "HS1996")], "y.csv": [("hs_bec", "HS2007")],
                     "z.csv": [("bec_classes", None)]}


@pytest.mark.parametrize("header, kind, version", [
    (["HS 2012", "HS 1996", "Relationship"], CORRELATION, "HS2012"),
    (["\ufeffhs1996", "hs2007"], CONVERSION, "HS2007"),
    (["HS02", "BEC4", "Relationship"], "hs_bec", "HS2002"),
    (["HS2007", "BEC"], "hs_bec", "HS2007"),
    (["bec4_code", "sna_basic_class"], "bec_classes", None),
])
def test_published_header_spellings(header, kind, version):
    found = recognise(header)
    assert (found.kind, found.version) == (kind, version)


def test_a_two_column_table_whose_source_codes_repeat_is_a_correlation(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("hs2002,hs1996\n010110,010111\n010110,010120\n")
    (table,) = read_unsd_file(path)
    assert table.kind == CORRELATION


def test_an_unrecognised_file_is_refused_naming_file_and_columns(tmp_path):
    src = write_unsd(tmp_path / "unsd")
    (src / "cities.csv").write_text("city_code,city_name\n110100,北京\n", encoding="utf-8")
    with pytest.raises(UnsdError) as err:
        build_reference([src], tmp_path / "raw")
    msg = str(err.value)
    assert "cities.csv" in msg and "['city_code', 'city_name']" in msg and "not recognised" in msg
    assert not (tmp_path / "raw").exists()


def test_a_table_between_later_versions_is_refused_saying_so(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("hs2012,hs2007\n010121,010110\n")
    with pytest.raises(UnsdError, match="links HS2012 and HS2007; only tables to HS1996"):
        read_unsd_file(path)


def test_a_code_that_is_no_hs6_code_is_refused_with_its_row(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("hs2002,ex_flag,hs1996,relationship\n010110,,010111,1:1\n01011,,0101,1:1\n")
    with pytest.raises(UnsdError) as err:
        read_unsd_file(path)
    msg = str(err.value)
    assert "column hs1996 | rule an HS code of 6 digits | 1 failing row(s)" in msg and "0101" in msg


def test_a_workbook_with_a_title_block_and_numeric_codes(tmp_path):
    """UNSD's Excel files: title rows above the header; a code stored as a number lost its leading zero."""
    path = tmp_path / "HS2002-HS1996.xlsx"
    grid = pd.DataFrame([["Correlation between HS 2002 and HS 1996", None, None],
                         [None, None, None],
                         ["HS 2002", "HS 1996", "Relationship"],
                         [10110, 10111, "1:n"], [10110, 10120, "1:n"], ["020110", "020110", "1:1"]])
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame([["notes only"]]).to_excel(xl, sheet_name="Notes", header=False, index=False)
        grid.to_excel(xl, sheet_name="Correlation", header=False, index=False)
    (table,) = read_unsd_file(path)
    assert (table.kind, table.version, table.header_row, table.sheet) == (CORRELATION, "HS2002", 3, "Correlation")
    assert list(table.rows["source"]) == ["010110", "010110", "020110"]
    assert list(table.rows["target"]) == ["010111", "010120", "020110"]


def test_a_csv_with_a_title_line_above_the_header(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("HS 2007 - HS 1996 correlation table\n\nHS 2007,HS 1996,Relationship\n0101.10,0101.11,1:1\n")
    (table,) = read_unsd_file(path)
    assert (table.kind, table.version, table.header_row) == (CORRELATION, "HS2007", 3)
    assert table.rows.loc[4].tolist() == ["010110", "010111"]  # row 4 of the file


def test_hs_codes_are_normalised_as_published():
    got = normalise_hs6(pd.Series(["0101.10", " 010110 ", "10110", "10110.0", None, "n/a"]))
    assert list(got) == ["010110", "010110", "010110", "010110", "", "n/a"]


# ---------------------------------------------------------------- weights


def test_equal_weights_split_one_code_in_halves(tmp_path):
    raw = tmp_path / "raw"
    report = build_reference([write_unsd(tmp_path / "unsd")], raw)
    df = _concordance(raw)
    assert _weights(df, "HS2002", "010110") == {"010111": 0.5, "010120": 0.5}
    assert _weights(df, "HS2002", "020110") == {"020110": 1.0}
    assert _weights(df, "HS2012", "010129") == {"010111": 1.0}
    assert report.links == {"HS2002": 7, "HS2007": 1, "HS2012": 2}
    assert report.one_to_many == {"HS2002": 3, "HS2007": 0, "HS2012": 0}
    assert set(df["from_version"]) == {"HS2002", "HS2007", "HS2012"}  # no HS1996 rows: the contract has none
    assert list(df.columns) == ["from_version", "from_hs6", "hs6_1996", "weight"]


def test_trade_weights_are_shares_of_2001_imports(tmp_path):
    raw = write_customs_2001(tmp_path / "raw")
    report = build_reference([write_unsd(tmp_path / "unsd")], raw, split_weights="trade")
    df = _concordance(raw)
    # imports of 2001 only, exports and 2002 left out: 010111 300 + 100, 010120 100
    assert _weights(df, "HS2002", "010110") == pytest.approx({"010111": 0.8, "010120": 0.2}, abs=1e-15)
    # neither target imported in 2001: equal shares, counted
    assert _weights(df, "HS2002", "030110") == {"030110": 0.5, "030190": 0.5}
    assert report.fallback_to_equal == {"HS2002": 1}
    # 040120 had no imports beside 040110: weight 0, so no link (the contract's weights are positive)
    assert _weights(df, "HS2002", "040110") == {"040110": 1.0}
    assert report.zero_weight_links == {"HS2002": 1}
    assert report.imports["value_usd"] == 550.0 and report.imports["import_lines"] == 4


def test_weights_of_one_source_code_sum_to_one(tmp_path):
    raw = write_customs_2001(tmp_path / "raw")
    build_reference([write_unsd(tmp_path / "unsd")], raw, split_weights="trade")
    for df in (_concordance(raw), equal_weights(_concordance(raw)[["from_version", "from_hs6", "hs6_1996"]])):
        sums = df.groupby(["from_version", "from_hs6"])["weight"].sum()
        assert (sums - 1).abs().max() < 1e-12
        assert (df["weight"] > 0).all()


def test_trade_weights_function_alone():
    links = pd.DataFrame({"from_version": ["HS2002"] * 3, "from_hs6": ["111111", "111111", "111111"],
                          "hs6_1996": ["222221", "222222", "222223"]})
    imports = pd.DataFrame({"hs6_1996": ["222221", "222222", "999999"], "value_usd": [1.0, 3.0, 7.0]})
    out, stats = trade_weights(links, imports)
    assert dict(zip(out["hs6_1996"], out["weight"], strict=True)) == {"222221": 0.25, "222222": 0.75}
    assert stats.zero_links == {"HS2002": 1} and stats.fallback == {}


def test_trade_weights_without_2001_customs_are_refused(tmp_path):
    raw = tmp_path / "raw"
    with pytest.raises(UnsdError, match=r"no customs_transactions files of 2001.*--split-weights equal"):
        build_reference([write_unsd(tmp_path / "unsd")], raw, split_weights="trade")
    assert not (raw / "reference").exists()


def test_national_imports_reads_unpartitioned_csv_by_its_year_column(tmp_path):
    raw = tmp_path / "raw"
    folder = raw / "customs_transactions"
    folder.mkdir(parents=True)
    rows = pd.DataFrame({"year": ["2001", "2001", "2003"], "flow": ["import"] * 3,
                         "hs_code": ["01011100", "01011900", "01011100"], "value_usd": ["2.5", "1", "100"]})
    rows.to_csv(folder / "all.csv", index=False, encoding="gbk")
    imports, info = national_imports(raw, encoding="gbk")
    assert dict(zip(imports["hs6_1996"], imports["value_usd"], strict=True)) == {"010111": 2.5, "010119": 1.0}
    assert info["rows"] == 2


# ---------------------------------------------------------------- hs_bec


def test_one_basic_class_per_hs1996_code(tmp_path):
    raw = tmp_path / "raw"
    report = build_reference([write_unsd(tmp_path / "unsd")], raw)
    bec = pd.read_parquet(raw / "reference" / "hs_bec" / "hs_bec.parquet")
    got = {h: (b, e) for h, b, e in bec.itertuples(index=False)}
    assert got == {"010111": ("41", "capital"),
                   "010120": ("41", "capital"),  # 111 then 41: the last listed
                   "020110": ("22", "intermediate"),  # 7 then 22: 7 only when alone
                   "030110": ("42", "intermediate"),  # 42 then 7
                   "040120": ("61", "consumption")}
    assert report.hs_bec_left_out == {"030190": "n/a", "040110": "32"}  # no basic class: counted downstream
    assert report.hs_bec_several_classes == 3


def test_choose_bec_keeps_goods_nes_when_alone():
    rows = pd.DataFrame({"source": ["111111", "222222", "222222"], "bec": ["7", "51", "7"]})
    out, left, several = choose_bec(rows)
    assert list(out.itertuples(index=False, name=None)) == [("111111", "7", None), ("222222", "51", None)]
    assert left == {} and several == 1


def test_a_bec_classes_table_that_departs_from_method_is_reported_not_used(tmp_path):
    src = write_unsd(tmp_path / "unsd")
    (src / "bec" / "z.csv").write_text("bec4_code,sna_basic_class\n41,intermediate\n")
    report = build_reference([src], tmp_path / "raw")
    assert any("41: intermediate there, capital in METHOD §1" in n for n in report.notes)
    bec = pd.read_parquet(tmp_path / "raw" / "reference" / "hs_bec" / "hs_bec.parquet")
    assert bec.set_index("hs6_1996").loc["010111", "end_use"] == "capital"


# ---------------------------------------------------------------- sources used, outputs


def test_the_correlation_table_is_used_and_the_conversion_table_left_aside(tmp_path):
    report = build_reference([write_unsd(tmp_path / "unsd")], tmp_path / "raw")
    use = {Path(f.file).name: f.use for f in report.files}
    assert use["a.csv"].startswith("used") and use["d.csv"].startswith("not used")
    assert use["y.csv"].startswith("not used") and use["z.csv"].startswith("not used")


def test_a_conversion_table_alone_gives_one_to_one_links_and_says_so(tmp_path):
    src = write_unsd(tmp_path / "unsd")
    (src / "a.csv").unlink()
    report = build_reference([src], tmp_path / "raw")
    assert _weights(_concordance(tmp_path / "raw"), "HS2002", "010110") == {"010111": 1.0}
    assert any("only a conversion table" in n for n in report.notes)


def test_a_missing_version_is_refused(tmp_path):
    src = write_unsd(tmp_path / "unsd")
    (src / "b.csv").unlink()
    with pytest.raises(UnsdError, match="no HS2007 -> HS1996 correlation"):
        build_reference([src], tmp_path / "raw")


def test_outputs_validate_and_replace_the_folders_with_their_provenance(tmp_path):
    raw = tmp_path / "raw"
    stale = raw / "reference" / "hs_concordance" / "old.csv"
    stale.parent.mkdir(parents=True)
    stale.write_text("from_version,from_hs6,hs6_1996,weight\nHS2002,010110,010111,1\n")
    build_reference([write_unsd(tmp_path / "unsd")], raw)
    assert not stale.exists()  # the folder is replaced whole, not added to
    assert validate_raw_root(raw, tables=["hs_concordance", "hs_bec"]) == {"hs_concordance": 10, "hs_bec": 5}
    record, why = table_provenance(raw, "hs_concordance")
    assert why == "" and record["split_weights"] == "equal" and record["built_by"] == "gvc reference --unsd"
    assert {Path(s["file"]).name for s in record["sources"]} >= {"a.csv", "x.csv"}
    assert list(record["files"]) == ["hs_concordance/hs_concordance.parquet"]
    assert table_provenance(raw, "hs_bec")[0]["left_out"] == {"030190": "n/a", "040110": "32"}


# ---------------------------------------------------------------- the build's check of split_weights

TRADE, EQUAL = MethodSettings(split_weights="trade"), MethodSettings(split_weights="equal")


def test_trade_setting_without_a_trade_built_concordance_is_refused(tmp_path):
    raw = tmp_path / "raw"
    supplied = raw / "reference" / "hs_concordance"
    supplied.mkdir(parents=True)
    (supplied / "mine.csv").write_text("from_version,from_hs6,hs6_1996,weight\nHS2002,010110,010111,1\n")
    assert split_weights_failures(raw, EQUAL) == []  # a supplied table is used with its own weights
    with pytest.raises(RawValidationError) as err:
        check_split_weights(raw, TRADE)
    msg = str(err.value)
    assert f"file {supplied} | column weight" in msg
    assert f"gvc reference --unsd DIR --out {raw} --split-weights trade" in msg
    assert 'set split_weights = "equal"' in msg and "no " in msg


def test_trade_setting_with_an_equal_built_concordance_is_refused(tmp_path):
    raw = tmp_path / "raw"
    build_reference([write_unsd(tmp_path / "unsd")], raw)
    assert split_weights_failures(raw, EQUAL) == []
    (failure,) = split_weights_failures(raw, TRADE)
    assert 'it was built with split_weights = "equal"' in failure.detail


def test_trade_built_concordance_passes_trade_and_refuses_equal(tmp_path):
    raw = write_customs_2001(tmp_path / "raw")
    build_reference([write_unsd(tmp_path / "unsd")], raw, split_weights="trade")
    check_split_weights(raw, TRADE)
    (failure,) = split_weights_failures(raw, EQUAL)  # the run would record equal and use trade weights
    assert 'built reference/hs_concordance with split_weights = "trade"' in failure.detail


def test_a_concordance_edited_after_it_was_built_is_no_longer_trade_built(tmp_path):
    raw = write_customs_2001(tmp_path / "raw")
    build_reference([write_unsd(tmp_path / "unsd")], raw, split_weights="trade")
    path = raw / "reference" / "hs_concordance" / "hs_concordance.parquet"
    pd.read_parquet(path).iloc[:-1].to_parquet(path, index=False)  # a link removed by hand
    (failure,) = split_weights_failures(raw, TRADE)
    assert "replaced or edited after it was built" in failure.detail
    assert split_weights_failures(raw, EQUAL) == []  # now a supplied table
    provenance_path(raw, "hs_concordance").write_text("not json")
    assert "not readable JSON" in split_weights_failures(raw, TRADE)[0].detail


def test_the_build_checks_split_weights_before_anything_else(tmp_path):
    from orchestration.build import build

    raw = tmp_path / "raw"
    build_reference([write_unsd(tmp_path / "unsd")], raw)  # no other table: the check comes first
    with pytest.raises(RawValidationError, match="--split-weights trade"):
        build(raw, tmp_path / "w.duckdb", years=[2002], settings=TRADE, progress=lambda m: None)
    assert not (tmp_path / "w.duckdb").exists()


# ---------------------------------------------------------------- the public files


needs_shared = pytest.mark.skipif(not (SHARED / "hs_correspondence").is_dir() or not (SHARED / "hs_bec").is_dir(),
                                  reason=f"public reference files not present at {SHARED}")


@needs_shared
def test_the_public_unsd_files(tmp_path):
    raw = tmp_path / "raw"
    report = build_reference([SHARED / "hs_correspondence", SHARED / "hs_bec"], raw)
    # every file recognised; the correlation tables and the HS1996 -> BEC table used
    assert len(report.files) == 11
    used = sorted(Path(f.file).name for f in report.files if f.use.startswith("used"))
    assert used == ["unsd_HS1996_to_BEC.csv", "unsd_hs2002_to_hs1996_correlation.csv",
                    "unsd_hs2007_to_hs1996_correlation.csv", "unsd_hs2012_to_hs1996_correlation.csv"]
    # the correlation tables' rows are their links (5,611 / 6,053 / 6,420); HS codes of each version ~5,000-5,300
    assert report.links == {"HS2002": 5611, "HS2007": 6053, "HS2012": 6420}
    assert all(5000 <= n <= 5300 for n in report.source_codes.values())
    assert report.source_codes["HS2002"] == 5224
    assert 100 < report.one_to_many["HS2002"] < report.one_to_many["HS2007"] < report.one_to_many["HS2012"] < 600
    df = _concordance(raw)
    assert df["hs6_1996"].str.fullmatch(r"\d{6}").all() and df["from_hs6"].str.fullmatch(r"\d{6}").all()
    assert (df.groupby(["from_version", "from_hs6"])["weight"].sum() - 1).abs().max() < 1e-12
    # about 5,100 HS1996 codes with a basic class; the n/a codes of monetary gold and coin left out
    assert 5000 < report.hs_bec_codes < 5200 and set(report.hs_bec_left_out) == {"710820", "711890"}
    assert validate_raw_root(raw, tables=["hs_concordance", "hs_bec"]) == {"hs_concordance": len(df),
                                                                            "hs_bec": report.hs_bec_codes}
    record = json.loads(provenance_path(raw, "hs_concordance").read_text())
    assert len(record["sources"]) == 11 and record["split_weights"] == "equal"


@needs_shared
def test_the_public_bec_choice_is_the_synthetic_catalogues(tmp_path):
    """One rule for a code with several basic classes, here and in the synthetic world's catalogue."""
    from analytics.synth.catalogue import _read_unsd_bec

    path = SHARED / "hs_bec" / "unsd_HS1996_to_BEC.csv"
    codes, catalogue = _read_unsd_bec(path)
    (table,) = read_unsd_file(path)
    ours, _, _ = choose_bec(table.rows)
    assert dict(zip(ours["hs6_1996"], ours["bec_code"], strict=True)) == {c: b for c, b in catalogue.items() if b}

