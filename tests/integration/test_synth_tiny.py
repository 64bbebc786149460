"""`gvc synth` at tiny scale: layout, determinism, truth, and the mess of real files."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import rawio
from analytics.settings import DEFAULT_SETTINGS, HS_VERSION_BY_YEAR
from analytics.synth.truth import SurveyPreparation
from analytics.synth.truth.names import normalise_name
from analytics.synth.truth.preparation import FILTER_RULES, deduplicate_survey, survey_filter_rule
from analytics.synth.world import generate
from orchestration.cli import main as gvc


def _all(root: Path, table: str) -> pd.DataFrame:
    return pd.concat([rawio.read_year(root, table, y) for y in rawio.years_present(root, table)], ignore_index=True)


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_layout(tiny_world):
    root, _ = tiny_world
    assert rawio.years_present(root, "customs_transactions") == list(range(2000, 2015))
    assert rawio.years_present(root, "firm_survey") == list(range(1998, 2015))
    assert rawio.years_present(root, "patents") == list(range(1998, 2015))
    for t in rawio.REFERENCE_TABLES:
        assert len(rawio.read_reference(root, t)) > 0, t
    truth = json.loads((root / "truth.json").read_text())
    assert truth["params"]["beta"] == 0.21 and truth["seed"] == 1 and truth["scale"] == "tiny"
    for key in ("lam", "beta_l", "beta_k", "beta_m", "beta_tfp", "markup_mean", "kqs_sigma", "gamma"):
        assert key in truth["params"]
    dv = pd.read_parquet(root / "truth" / "firm_year_dvar.parquet")
    assert list(dv.columns)[:6] == ["panel_firm_id", "firm_id", "year", "customs_firm_id", "match_step", "dvar"]
    assert 2010 not in set(dv["year"])  # excluded by default
    comp = pd.read_parquet(root / "truth" / "city_industry_complementarity.parquet")
    assert list(comp.columns) == ["city_code", "industry_code", "year", "complementarity",
                                  "placebo_complementarity", "invention_patents", "no_patents_flag"]
    assert not comp.duplicated(["city_code", "industry_code", "year"]).any()
    assert comp["complementarity"].between(-1e-12, 1 + 1e-12).all()


def test_same_seed_gives_byte_identical_files(tiny_world, tmp_path):
    root, _ = tiny_world
    again = tmp_path / "again"
    generate(again, scale="tiny", seed=1)
    assert _digest(root) == _digest(again)


def test_other_seed_and_beta_differ(tiny_world, tmp_path):
    root, _ = tiny_world
    other = tmp_path / "other"
    generate(other, scale="tiny", seed=2, beta=0.3)
    assert json.loads((other / "truth.json").read_text())["params"]["beta"] == 0.3
    a = rawio.read_year(root, "firm_survey", 2005)
    b = rawio.read_year(other, "firm_survey", 2005)
    assert not a["firm_id"].isin(b["firm_id"]).all()


def test_written_world_reproduces_the_designed_one(tiny_world):
    """C from the written patents equals the C that drove DVAR; METHOD §3 on
    the written customs rows returns each exporter's target DVAR."""
    root, summary = tiny_world
    assert summary["check_C_max_abs_gap"] < 1e-12
    assert summary["check_dvar_p99_abs_gap"] < 1e-6
    assert summary["matched_share_of_survey_exporters"] > 0.85
    lat = pd.read_parquet(root / "truth" / "firm_year_latent.parquet")
    dv = pd.read_parquet(root / "truth" / "firm_year_dvar.parquet")
    m = dv.merge(lat[["firm_id", "year", "dvar_target", "Y1", "Y2"]], on=["firm_id", "year"])
    ok = m["dvar"].notna()
    np.testing.assert_allclose(m.loc[ok, "dvar"], m.loc[ok, "dvar_target"], atol=1e-6)
    np.testing.assert_allclose(m["exports_processing_usd"], m["Y1"], rtol=1e-6, atol=0.05)
    np.testing.assert_allclose(m["exports_ordinary_usd"], m["Y2"], rtol=1e-6, atol=0.05)


def test_matching_steps_trade_types_and_nulls(tiny_world):
    root, _ = tiny_world
    dv = pd.read_parquet(root / "truth" / "firm_year_dvar.parquet")
    assert set(dv["match_step"]) == {"a", "b", "c"}
    assert set(dv["trade_type"]) == {"processing", "ordinary", "mixed"}
    assert dv["dvar"].isna().any()  # missing M in the survey
    # firms whose legal-person code changed are linked into one panel id
    assert (dv.groupby("panel_firm_id")["firm_id"].nunique() > 1).any()


def test_customs_has_the_mess_of_real_files(tiny_world):
    root, _ = tiny_world
    cat_conc = rawio.read_reference(root, "hs_concordance")
    c = _all(root, "customs_transactions")
    assert c["hs_code"].str.fullmatch(r"\d{8}").all()
    assert set(c["trade_regime"]) >= {"10", "14", "15", "20"}
    assert len(set(c["trade_regime"]) - {"10", "14", "15", "20", "25", "35"}) >= 2  # other regimes
    # each year's codes are of the version in force; some later-version codes are
    # renamed/split ones, some have no concordance link at all
    linked = set(zip(cat_conc["from_version"], cat_conc["from_hs6"]))
    c["version"] = c["year"].map(HS_VERSION_BY_YEAR)
    later = c[c["version"] != "HS1996"]
    unlinked = ~pd.Series(list(zip(later["version"], later["hs_code"].str[:6]))).isin(linked).to_numpy()
    assert unlinked.any()
    multi = cat_conc.groupby(["from_version", "from_hs6"]).size()
    split_codes = set(multi[multi > 1].index)
    assert pd.Series(list(zip(later["version"], later["hs_code"].str[:6]))).isin(split_codes).any()
    # intermediaries, full-width characters, phones in varied formats
    assert c["firm_name"].str.contains("进出口|贸易|经贸").any()
    names = _all(root, "firm_survey")["firm_name"]
    assert any(unicodedata.normalize("NFKC", s) != s for s in names)
    assert names.str.contains("有限责任公司").any()
    assert c["phone"].dropna().str.contains("-").any() and c["phone"].dropna().str.fullmatch(r"\d+").any()


def test_survey_has_entry_exit_movers_switchers(tiny_world):
    root, _ = tiny_world
    lat = pd.read_parquet(root / "truth" / "firm_year_latent.parquet")
    per = lat.groupby("fid").agg(first=("year", "min"), last=("year", "max"),
                                 cities=("city_code", "nunique"), inds=("industry_code", "nunique"))
    assert (per["first"] > 1998).any() and (per["last"] < 2014).any()
    assert (per["cities"] > 1).any() and (per["inds"] > 1).any()
    s = _all(root, "firm_survey")
    key = s["firm_name"].map(normalise_name)
    renamed = s.assign(key=key).groupby("firm_id")["key"].nunique()
    assert (renamed > 1).any()


def test_survey_and_customs_carry_what_method_0_prepares(tiny_world):
    """Repeated survey rows (the copy with lower sales), a firm-year broken for each
    sample filter, M unreported from 2008 with accounting items that give back the true
    M (some wages and welfare unreported, taken from the firm's earlier years), customs
    lines without a firm id or of value 0."""
    root, summary = tiny_world
    s = _all(root, "firm_survey")
    twice = s[s.duplicated(["year", "firm_id"], keep=False)]
    assert len(twice) > 0
    assert (twice.groupby(["year", "firm_id"])["sales"].nunique() == 2).all()
    deduplicated = deduplicate_survey(s)
    rule = survey_filter_rule(deduplicated)
    assert set(rule.dropna()) == set(FILTER_RULES)
    founding = deduplicated[rule == "founding_year"]
    assert (founding["year_established"] > founding["year"]).any()  # after the survey year
    assert (founding["year_established"] < 1949).any()  # before 1949
    assert s.loc[s["year"] >= 2008, "intermediate_inputs"].isna().all()
    assert s.loc[s["year"] < 2008, "intermediate_inputs"].notna().mean() > 0.97
    assert s["wage_bill"].isna().any() and s["welfare_payable"].isna().any()
    lat = pd.read_parquet(root / "truth" / "firm_year_latent.parquet")
    prepared = SurveyPreparation.of_root(root, DEFAULT_SETTINGS)
    got = pd.concat([prepared.year(y) for y in range(2008, 2015)]).merge(
        lat[["year", "firm_id", "intermediate_inputs"]], on=["year", "firm_id"], suffixes=("", "_true"))
    assert got["intermediate_inputs_imputed"].mean() > 0.97
    np.testing.assert_allclose(got["intermediate_inputs"], got["intermediate_inputs_true"], rtol=1e-12)
    assert summary["check_m_identity_max_rel_gap"] < 1e-12
    c = _all(root, "customs_transactions")
    assert c["customs_firm_id"].isna().any() and (c["value_usd"] == 0).any()
    assert summary["preparation"]["survey_firm_years_filtered"] == int(rule.notna().sum())


def test_patents_cover_all_types_and_cases(tiny_world):
    root, _ = tiny_world
    p = _all(root, "patents")
    assert set(p["patent_type"]) == {"invention", "utility_model", "design"}
    assert p["application_id"].is_unique
    assert p["ipc_codes"].str.contains(";").any()  # multi-code patents
    assert p["applicant_name"].str.contains(";").any()  # co-applicants
    assert p["applicant_city_code"].str.startswith("4290").any() or p["applicant_city_code"].str.startswith("469").any()
    assert p["ipc_codes"].str.split(";").str[0].str.match(r"^[A-H]\d\d[A-Z]").all()
    comp = pd.read_parquet(root / "truth" / "city_industry_complementarity.parquet")
    assert comp["no_patents_flag"].any() and (comp["complementarity"] > 0).any()


def test_cli_synth_help_documents_every_option(capsys):
    with pytest.raises(SystemExit):
        gvc(["synth", "--help"])
    text = capsys.readouterr().out
    for opt in ("--out", "--scale", "--seed", "--beta", "--reference-dir"):
        assert opt in text
    assert re.search(r"tiny.*demo.*paper", text, re.S)


SHARED_REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"


@pytest.mark.skipif(not (SHARED_REFERENCE / "hs_correspondence").exists(), reason="public reference files not available")
def test_reference_dir_world_uses_the_unsd_files(tmp_path):
    """With --reference-dir, codes and concordance come from the UNSD files
    in their published layouts, and the world still reproduces its design."""
    out = tmp_path / "ref"
    summary = generate(out, scale="tiny", seed=3, reference_dir=SHARED_REFERENCE)
    assert summary["check_C_max_abs_gap"] < 1e-12
    assert summary["check_dvar_p99_abs_gap"] < 1e-6
    conc = rawio.read_reference(out, "hs_concordance")
    unsd = pd.read_csv(SHARED_REFERENCE / "hs_correspondence" / "unsd_hs2007_to_hs1996_correlation.csv", dtype=str)
    mine = conc[conc["from_version"] == "HS2007"]
    assert set(zip(mine["from_hs6"], mine["hs6_1996"])) <= set(zip(unsd["hs2007"], unsd["hs1996"]))
