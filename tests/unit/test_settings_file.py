"""The project settings file (analytics.settings.load_settings): gvc.toml's
[method] table over the METHOD defaults; GVC_CONFIG names another file."""

from __future__ import annotations

import pytest

from analytics.settings import (DEFAULT_SETTINGS, PROJECT_CONFIG, SUPPORTED_YEARS, config_path, load_settings,
                                settings_from_dict)


def test_the_shipped_gvc_toml_is_the_defaults():
    assert PROJECT_CONFIG.is_file()
    assert load_settings(PROJECT_CONFIG) == DEFAULT_SETTINGS


def test_a_method_table_overrides_the_defaults(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('[method]\nyear_end = 2015\nexclude_years = [2010, 2003]\nipc_counting = "fractional"\n')
    s = load_settings(f)
    assert s.year_end == 2015 and s.exclude_years == (2003, 2010) and s.ipc_counting == "fractional"
    assert 2015 in s.years and 2003 not in s.years
    assert s.winsor_lower == DEFAULT_SETTINGS.winsor_lower  # the rest stays


def test_gvc_config_names_the_file(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text("[method]\nyear_start = 2002\n")
    assert config_path({"GVC_CONFIG": str(f)}) == f
    assert load_settings(environ={"GVC_CONFIG": str(f)}).year_start == 2002
    with pytest.raises(FileNotFoundError, match="GVC_CONFIG=.*no such settings file"):
        config_path({"GVC_CONFIG": str(tmp_path / "missing.toml")})
    assert config_path({}) == PROJECT_CONFIG  # without GVC_CONFIG: the project's gvc.toml


@pytest.mark.parametrize("text, message", [
    ("[method]\nyear_end = 2016\n", f"must lie within {SUPPORTED_YEARS[0]}-{SUPPORTED_YEARS[1]}"),
    ("[method]\nipc_levels = 'class'\n", "ipc_levels='class' is not one of"),
    ("[method]\nsurvey_filters = 'strict'\n", "survey_filters='strict' is not one of ('standard', 'none')"),
    ("[method]\nimpute_intermediate_inputs = true\n",
     "impute_intermediate_inputs=True is not one of ('accounting', 'none')"),
    ("[method]\nimpute_ownership_shares = 'registration'\n",
     "impute_ownership_shares='registration' is not one of ('nearest_year', 'none')"),
    ("[method]\nproduction_prices = 'real'\n", "production_prices='real' is not one of ('deflated', 'nominal')"),
    ("[method]\nwinsor = 0.01\n", "unknown METHOD setting(s) ['winsor']"),
    ("[methods]\nyear_end = 2015\n", "unknown table(s) ['methods']"),
    ("[method\n", "not valid TOML"),
    ("[method]\ntable8_bootstrap_draws = 1\n", "table8_bootstrap_draws must be an integer >= 2"),
    ("[method]\nproduction_bootstrap_draws = -1\n", "production_bootstrap_draws must be an integer >= 0"),
    ("[method]\nspec_curve_switches = ['ipc_levels', 'seed']\n", "['seed'] are not switches of the curve"),
])
def test_bad_files_are_named(tmp_path, text, message):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(ValueError) as info:
        load_settings(f)
    assert str(f) in str(info.value) and message in str(info.value)


def test_supported_years_follow_the_hs_versions_and_plans():
    assert SUPPORTED_YEARS == (2000, 2015)
    assert settings_from_dict({"year_end": 2015}).years[-1] == 2015


def test_study_sizes_size_the_study_and_stay_out_of_dbt():
    """The sizes reach the study (draws, the curve's combinations), not dbt's
    vars (no model reads them: a new size must not make dbt parse anew)."""
    from analytics.study import spec_panels as sp

    s = settings_from_dict({"table8_bootstrap_draws": 19, "spec_curve_switches": ["dvar_out_of_range", "ipc_counting"],
                            "ipc_levels": "class_subclass"})
    assert s.spec_curve_switches == ("ipc_counting", "dvar_out_of_range")  # in the curve's order
    assert not {"table8_bootstrap_draws", "production_bootstrap_draws", "spec_curve_switches"} & set(s.dbt_vars())
    specs = sp.every_spec(s.spec_curve_switches, held=s.as_dict())
    assert len(specs) == 4 and len(sp.every_spec()) == 64
    assert {x["ipc_levels"] for x in specs} == {"class_subclass"}  # held at the settings' value
    assert {(x["ipc_counting"], x["dvar_out_of_range"]) for x in specs} == {
        ("main", "drop"), ("main", "clip"), ("fractional", "drop"), ("fractional", "clip")}
    with pytest.raises(ValueError, match="need their values"):
        sp.every_spec(["ipc_counting"])


def test_preparation_switches_reach_dbt_and_stay_out_of_the_curve():
    """METHOD §0's switches are dbt vars (the models read them) but not switches of the
    specification curve, which says why (analytics.study.spec_panels.NOT_IN_CURVE)."""
    from analytics.study import spec_panels as sp

    changed = {"survey_filters": "none", "impute_intermediate_inputs": "none", "impute_ownership_shares": "none"}
    s = settings_from_dict(changed)
    assert changed.items() <= s.dbt_vars().items()
    assert DEFAULT_SETTINGS.survey_filters == "standard" and DEFAULT_SETTINGS.impute_intermediate_inputs == "accounting"
    assert DEFAULT_SETTINGS.impute_ownership_shares == "nearest_year"
    for name in changed:
        assert name in sp.NOT_IN_CURVE and name not in sp.every_spec()[0]


def test_production_prices_is_recorded_refused_when_bad_and_stays_out_of_dbt_and_the_curve():
    """production_prices (METHOD §0 step 5) is read by the production assets only:
    recorded with each run (as_dict), not a dbt var, not in the specification curve."""
    from analytics.study import spec_panels as sp

    assert DEFAULT_SETTINGS.production_prices == "deflated"
    s = settings_from_dict({"production_prices": "nominal"})
    assert s.as_dict()["production_prices"] == "nominal"
    assert "production_prices" not in s.dbt_vars()
    assert "production_prices" in sp.NOT_IN_CURVE and "production_prices" not in sp.every_spec()[0]
    with pytest.raises(ValueError, match=r"production_prices='real' is not one of \('deflated', 'nominal'\)"):
        settings_from_dict({"production_prices": "real"})
