"""The code seeds used to convert vendor-delivered customs files
(dbt_project/seeds: customs_countries, trade_mode_names, trade_regimes)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from schemas.countries import FORMER_ISO3, ISO3_ASSIGNED
from schemas.reference import CustomsCountries, TradeRegimes

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
REFERENCE_DIR = Path(__file__).resolve().parents[3] / "shared" / "reference"
PUBLIC_COUNTRIES = REFERENCE_DIR / "customs" / "list_country.csv"

#: the trade-mode names vendors deliver, every spelling, with their code
DELIVERED_NAMES = {
    "一般贸易": "10",
    "来料加工装配贸易": "14", "来料加工装配": "14", "来料加工": "14",
    "进料加工贸易": "15", "进料加工": "15",
    "来料加工装配进口的设备": "20", "加工贸易进口设备": "20", "进口设备": "20",
    "外商投资企业作为投资进口的设备、物品": "25", "外商投资设备": "25",
    "出口加工区进口设备": "35",
    "加工贸易": "15",
}

#: the other statistical trade modes of China Customs
OTHER_NAMES = {
    "国家间、国际组织无偿援助和赠送的物资": "11",
    "其他捐赠物资": "12", "华侨、港澳台同胞、外籍华人捐赠物资": "12",
    "补偿贸易": "13",
    "寄售、代销贸易": "16",
    "边境小额贸易": "19",
    "对外承包工程出口货物": "22",
    "租赁贸易": "23",
    "出料加工贸易": "27",
    "易货贸易": "30",
    "免税外汇商品": "31",
    "保税监管场所进出境货物": "33", "保税仓库进出境货物": "33",
    "保税区仓储转口货物": "34", "海关特殊监管区域物流货物": "34",
    "海关特殊监管区域进口设备": "35",
    "其他贸易": "39", "其他": "39",
}

#: METHOD §1 defaults
METHOD_REGIMES = {
    "10": "ordinary", "14": "processing", "15": "processing",
    "20": "capital_equipment", "25": "capital_equipment", "35": "capital_equipment",
}


def _read(name: str) -> pd.DataFrame:
    df = pd.read_csv(SEEDS / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    return df.astype(object).where(df != "", None)


@pytest.fixture(scope="module")
def countries() -> pd.DataFrame:
    return _read("customs_countries")


@pytest.fixture(scope="module")
def modes() -> pd.DataFrame:
    return _read("trade_mode_names")


@pytest.fixture(scope="module")
def regimes() -> pd.DataFrame:
    return _read("trade_regimes")


def _iso(countries: pd.DataFrame, code: str) -> set[str | None]:
    return set(countries.loc[countries["code"] == code, "iso3"])


# ---------------------------------------------------------------------------
# customs_countries
# ---------------------------------------------------------------------------


def test_countries_file_format() -> None:
    raw = (SEEDS / "customs_countries.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    raw.decode("utf-8")
    with (SEEDS / "customs_countries.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["code", "name_zh", "iso3"]
    assert all(len(r) == 3 for r in rows)
    assert rows[1:] == sorted(rows[1:], key=lambda r: (r[0], r[1]))


def test_countries_validate(countries: pd.DataFrame) -> None:
    CustomsCountries.validate(countries, lazy=True)
    assert len(countries) > 200


def test_countries_special_codes(countries: pd.DataFrame) -> None:
    assert _iso(countries, "142") == {"CHN"}
    assert _iso(countries, "701") == {None}
    residual = countries[countries["code"].str.endswith("99")]
    assert set(residual["code"]) >= {"199", "299", "499", "599", "699"}
    assert residual["iso3"].isna().all()
    # NULL only for the unknown and residual codes
    nulls = countries[countries["iso3"].isna()]
    assert set(nulls["code"]) == set(residual["code"]) | {"701"}
    taiwan = countries[countries["code"] == "143"]
    assert "台澎金马关税区" in set(taiwan["name_zh"])
    assert len(taiwan) == 2
    assert set(taiwan["iso3"]) == {"TWN"}
    assert _iso(countries, "342") == {"KGZ"}
    assert _iso(countries, "146") == {"KGZ"}


@pytest.mark.parametrize(
    ("code", "iso3"),
    [
        ("110", "HKG"), ("116", "JPN"), ("502", "USA"), ("304", "DEU"), ("133", "KOR"),
        ("121", "MAC"), ("303", "GBR"), ("344", "RUS"), ("601", "AUS"), ("109", "PRK"),
        ("252", "COD"), ("213", "COG"), ("414", "DMA"), ("418", "DOM"), ("449", "ANT"),
        ("349", "YUG"), ("111", "IND"), ("309", "NLD"),
    ],
)
def test_countries_hand_checked(countries: pd.DataFrame, code: str, iso3: str) -> None:
    assert _iso(countries, code) == {iso3}


def test_countries_iso3_in_contract_list(countries: pd.DataFrame) -> None:
    iso = set(countries["iso3"].dropna())
    unknown = iso - ISO3_ASSIGNED - FORMER_ISO3
    assert not unknown, sorted(unknown)
    assert iso & FORMER_ISO3 <= {"ANT", "YUG", "SCG", "TMP"}


def test_countries_cover_public_list(countries: pd.DataFrame) -> None:
    if not PUBLIC_COUNTRIES.exists():
        pytest.skip("shared reference files not available")
    public = pd.read_csv(PUBLIC_COUNTRIES, dtype=str, keep_default_na=False, encoding="utf-8")
    public = public[public["country"] != ""]
    have = set(zip(countries["code"], countries["name_zh"]))
    want = {(c.zfill(3), n) for c, n in zip(public["origin_id"], public["country"])}
    assert not want - have, sorted(want - have)
    # nothing but the public list and 143's second name
    assert have - want == {("143", "台澎金马关税区")}


# ---------------------------------------------------------------------------
# trade_mode_names, trade_regimes
# ---------------------------------------------------------------------------


def test_trade_mode_names(modes: pd.DataFrame) -> None:
    assert list(modes.columns) == ["name", "trade_regime"]
    assert modes["name"].notna().all() and not modes["name"].duplicated().any()
    assert modes["trade_regime"].str.fullmatch(r"[0-9]{2}").all()
    mapping = dict(zip(modes["name"], modes["trade_regime"]))
    for name, code in {**DELIVERED_NAMES, **OTHER_NAMES}.items():
        assert mapping.get(name) == code, name


def test_trade_regimes(regimes: pd.DataFrame, modes: pd.DataFrame) -> None:
    TradeRegimes.validate(regimes, lazy=True)
    classes = dict(zip(regimes["trade_regime"], regimes["regime_class"]))
    for code, regime_class in METHOD_REGIMES.items():
        assert classes[code] == regime_class, code
    assert all(v == "other" for k, v in classes.items() if k not in METHOD_REGIMES)
    assert list(regimes["trade_regime"]) == sorted(regimes["trade_regime"])
    assert set(modes["trade_regime"]) <= set(classes)
