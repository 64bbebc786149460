"""The industry-code concordance seed (dbt_project/seeds/industry_concordance.csv):
GB/T 4754-1994 and GB/T 4754-2011 4-digit classes -> GB/T 4754-2002 classes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "industry_concordance.csv"
V1994, V2011 = "GB/T 4754-1994", "GB/T 4754-2011"

#: every GB/T 4754-2002 class of mining (06-11), manufacturing (13-43: 482 classes
#: in 169 groups) and utilities (44-46)
REF_2002 = frozenset("""
    0610 0620 0690 0710 0790 0810 0890 0911 0912 0913 0914 0915 0916 0917 0919 0921
    0922 0929 0931 0932 0933 0939 1011 1012 1013 1019 1020 1030 1091 1092 1093 1099
    1100 1310 1320 1331 1332 1340 1351 1352 1361 1362 1363 1364 1369 1370 1391 1392
    1393 1399 1411 1419 1421 1422 1431 1432 1439 1440 1451 1452 1453 1459 1461 1462
    1469 1491 1492 1493 1494 1499 1510 1521 1522 1523 1524 1529 1531 1532 1533 1534
    1535 1539 1540 1610 1620 1690 1711 1712 1721 1722 1723 1730 1741 1742 1743 1751
    1752 1753 1754 1755 1756 1757 1759 1761 1762 1763 1769 1810 1820 1830 1910 1921
    1922 1923 1924 1929 1931 1932 1939 1941 1942 2011 2012 2021 2022 2023 2029 2031
    2032 2039 2040 2110 2120 2130 2140 2190 2210 2221 2222 2223 2231 2239 2311 2312
    2319 2320 2330 2411 2412 2413 2414 2419 2421 2422 2423 2424 2429 2431 2432 2433
    2439 2440 2451 2452 2511 2512 2520 2530 2611 2612 2613 2614 2619 2621 2622 2623
    2624 2625 2629 2631 2632 2641 2642 2643 2644 2645 2651 2652 2653 2659 2661 2662
    2663 2664 2665 2666 2667 2669 2671 2672 2673 2674 2679 2710 2720 2730 2740 2750
    2760 2770 2811 2812 2821 2822 2823 2824 2829 2911 2912 2913 2920 2930 2940 2950
    2960 2990 3010 3020 3030 3040 3050 3060 3070 3081 3082 3090 3111 3112 3121 3122
    3123 3124 3129 3131 3132 3133 3134 3135 3139 3141 3142 3143 3144 3145 3146 3147
    3148 3149 3151 3152 3153 3159 3161 3162 3169 3191 3199 3210 3220 3230 3240 3311
    3312 3313 3314 3315 3316 3317 3319 3321 3322 3329 3331 3332 3339 3340 3351 3352
    3353 3411 3412 3421 3422 3423 3424 3429 3431 3432 3433 3440 3451 3452 3453 3459
    3460 3471 3472 3479 3481 3482 3489 3491 3499 3511 3512 3513 3514 3519 3521 3522
    3523 3524 3525 3529 3530 3541 3542 3543 3544 3551 3552 3560 3571 3572 3573 3574
    3575 3576 3577 3579 3581 3582 3583 3589 3591 3592 3611 3612 3613 3614 3615 3621
    3622 3623 3624 3625 3629 3631 3632 3633 3641 3642 3643 3644 3645 3646 3649 3651
    3652 3653 3659 3661 3662 3663 3669 3671 3672 3673 3674 3675 3676 3679 3681 3682
    3683 3684 3685 3686 3689 3691 3692 3693 3694 3695 3696 3697 3699 3711 3712 3713
    3714 3719 3721 3722 3723 3724 3725 3726 3731 3732 3741 3742 3751 3752 3753 3754
    3755 3759 3761 3762 3769 3791 3792 3799 3911 3912 3919 3921 3922 3923 3924 3929
    3931 3932 3933 3939 3940 3951 3952 3953 3954 3955 3956 3957 3959 3961 3969 3971
    3972 3979 3991 3999 4011 4012 4013 4014 4019 4020 4031 4032 4039 4041 4042 4043
    4051 4052 4053 4059 4061 4062 4071 4072 4090 4111 4112 4113 4114 4115 4119 4121
    4122 4123 4124 4125 4126 4127 4128 4129 4130 4141 4142 4151 4152 4153 4154 4155
    4159 4190 4211 4212 4213 4214 4215 4216 4217 4218 4219 4221 4222 4229 4230 4240
    4290 4310 4320 4411 4412 4413 4419 4420 4430 4500 4610 4620 4690
""".split())

#: 2-digit division of a source class -> the GB/T 4754-2002 divisions its targets may lie in
#: (the structural moves between the vintages; an entry not listed maps to itself)
DIVISIONS_1994 = {
    "13": {"13", "14"},            # salt processing 136 -> 2002 1493
    "18": {"18", "17"},            # other fibre products
    "28": {"28", "17"},            # fishing nets and gear
    "34": {"34", "35"},            # cast-iron pipe -> 2002 steel castings
    "39": {"36"},                  # weapons and ammunition -> 2002 3663
    "40": {"39"}, "41": {"40"}, "42": {"41"}, "43": {"42"},  # renumbered one down
}
DIVISIONS_2011 = {
    "11": {"06", "07", "11"},      # mining support activities
    "12": {"11"},
    "18": {"18", "17"},            # knitted apparel from 2002 knitting mills
    "19": {"19", "18", "29", "30"},  # footwear gathered from four 2002 divisions
    "24": {"24", "42"},            # arts and crafts from 2002 42
    "29": {"29", "30"},            # rubber and plastics
    "30": {"31", "42"},            # non-metallic minerals; mirrors from 2002 4221
    "31": {"32", "35"},            # ferrous metals; ferrous foundry from 2002 3591
    "32": {"33", "35"},            # non-ferrous metals
    "33": {"34", "35", "37"},      # metal products
    "34": {"35", "41"},            # general machinery; office machinery from 2002 415
    "35": {"36"},                  # special machinery
    "36": {"37"},                  # automobiles
    "37": {"37", "36"},            # other transport equipment
    "38": {"39"}, "39": {"40"}, "40": {"41"}, "41": {"42"}, "42": {"43"},
    "43": {"34", "35", "36", "37", "39", "41"},  # repair, from repair parts of 2002 classes
}


@pytest.fixture(scope="module")
def conc() -> pd.DataFrame:
    df = pd.read_csv(SEED, dtype={"from_vintage": str, "from_code": str, "code_2002": str},
                     keep_default_na=False, encoding="utf-8")
    df["weight"] = df["weight"].astype(float)
    return df


def _targets(conc: pd.DataFrame, vintage: str, code: str) -> dict[str, float]:
    rows = conc[(conc.from_vintage == vintage) & (conc.from_code == code)]
    return dict(zip(rows.code_2002, rows.weight))


def _chosen(conc: pd.DataFrame, vintage: str, code: str) -> str:
    """The rule of the pipeline: largest weight, a tie to the smallest code."""
    t = _targets(conc, vintage, code)
    return min(t, key=lambda c: (-t[c], c))


def test_columns_and_vintages(conc):
    assert list(conc.columns) == ["from_vintage", "from_code", "code_2002", "weight"]
    assert set(conc.from_vintage) == {V1994, V2011}


def test_key_is_unique(conc):
    assert not conc.duplicated(["from_vintage", "from_code", "code_2002"]).any()


def test_weights_in_range_and_sum_to_one(conc):
    assert ((conc.weight > 0) & (conc.weight <= 1)).all()
    sums = conc.groupby(["from_vintage", "from_code"]).weight.sum()
    bad = sums[(sums - 1).abs() > 1e-9]
    assert bad.empty, bad


def test_codes_are_four_digits(conc):
    for col in ("from_code", "code_2002"):
        assert conc[col].str.fullmatch(r"[0-9]{4}").all(), col


def test_reference_set_is_the_2002_standard():
    manufacturing = {c for c in REF_2002 if "13" <= c[:2] <= "43"}
    assert len(manufacturing) == 482
    assert len({c[:3] for c in manufacturing}) == 169


def test_targets_are_2002_classes(conc):
    unknown = set(conc.code_2002) - REF_2002
    assert not unknown, sorted(unknown)


@pytest.mark.parametrize("vintage, moves", [(V1994, DIVISIONS_1994), (V2011, DIVISIONS_2011)])
def test_targets_lie_in_the_successor_division(conc, vintage, moves):
    rows = conc[conc.from_vintage == vintage]
    bad = [(f, t) for f, t in zip(rows.from_code, rows.code_2002)
           if t[:2] not in moves.get(f[:2], {f[:2]})]
    assert not bad, bad


def test_coverage_by_division(conc):
    d1994 = {c[:2] for c in conc.from_code[conc.from_vintage == V1994]}
    d2011 = {c[:2] for c in conc.from_code[conc.from_vintage == V2011]}
    # GB/T 4754-1994 manufacturing: 13-37, 39 (weapons), 40-43; no 38
    assert d1994 == {f"{k}" for k in range(13, 44) if k != 38}
    # GB/T 4754-2011: mining 06-12, manufacturing 13-43, utilities 44-46
    assert d2011 == {f"{k:02d}" for k in range(6, 47)}


def test_every_2011_manufacturing_class_is_there(conc):
    codes = set(conc.from_code[conc.from_vintage == V2011])
    manufacturing = {c for c in codes if "13" <= c[:2] <= "43"}
    # GB/T 4754-2011 manufacturing: 31 divisions, 175 groups, 532 classes
    assert len({c[:2] for c in manufacturing}) == 31
    assert len({c[:3] for c in manufacturing}) == 175
    assert len(manufacturing) == 532


@pytest.mark.parametrize("vintage, code, target", [
    # 2011: automobiles split out of 2002 37, plastics merged into 29, divisions renumbered
    (V2011, "3610", "3721"),  # 汽车整车制造 -> 汽车整车制造
    (V2011, "3660", "3725"),  # 汽车零部件及配件制造
    (V2011, "2922", "3020"),  # 塑料板、管、型材制造 -> 2002 302 is one class, 3020
    (V2011, "2921", "3010"),  # 塑料薄膜制造
    (V2011, "3311", "3411"),  # 金属结构制造
    (V2011, "3011", "3111"),  # 水泥制造
    (V2011, "3140", "3230"),  # 钢压延加工
    (V2011, "3216", "3316"),  # 铝冶炼
    (V2011, "3130", "3591"),  # 黑色金属铸造 <- 钢铁铸件制造
    (V2011, "3474", "4154"),  # 复印和胶印设备制造 (2002 41 -> 2011 34)
    (V2011, "2431", "4211"),  # 雕塑工艺品制造 (2002 42 -> 2011 24)
    (V2011, "3057", "4221"),  # 制镜及类似品加工
    (V2011, "1953", "3081"),  # 塑料鞋制造
    (V2011, "1954", "2960"),  # 橡胶鞋制造
    (V2011, "4210", "4310"),  # 金属废料和碎屑加工处理
    (V2011, "4320", "3583"),  # 通用设备修理 <- 机械零部件加工及设备修理
    (V2011, "0720", "0710"),  # 天然气开采 <- 天然原油和天然气开采
    (V2011, "4415", "4419"),  # 太阳能发电 <- 其他能源发电
    (V2011, "1620", "1620"),  # 卷烟制造, unchanged
    # 1994 (division 37 as printed in the standard)
    (V1994, "3731", "3731"),  # 摩托车整车制造业, unchanged
    (V1994, "3732", "3732"),  # 摩托车零部件及配件制造业, unchanged
    (V1994, "3721", "3721"),  # 载重汽车制造业 -> 汽车整车制造
    (V1994, "3723", "3721"),  # 小轿车制造业 -> 汽车整车制造
    (V1994, "3725", "3722"),  # 特种车辆及改装汽车制造业 -> 改装汽车制造
    (V1994, "3726", "3724"),  # 汽车车身制造业 (incl. trailers) -> 汽车车身、挂车制造
    (V1994, "3727", "3725"),  # 汽车零部件及配件制造业
    (V1994, "3750", "3723"),  # 电车制造业 -> 电车制造
])
def test_hand_checked_one_to_one(conc, vintage, code, target):
    assert _targets(conc, vintage, code) == {target: 1.0}


def test_split_1994_bicycles(conc):
    # 自行车制造业 -> 脚踏自行车及残疾人座车制造 + 助动自行车制造, no basis to weigh: halves
    assert _targets(conc, V1994, "3740") == {"3741": 0.5, "3742": 0.5}
    assert _chosen(conc, V1994, "3740") == "3741"


def test_split_2011_tyres(conc):
    # 轮胎制造 <- 车辆、飞机及工程机械轮胎 + 力车胎 + 轮胎翻新: equal weights, exact tie
    t = _targets(conc, V2011, "2911")
    assert set(t) == {"2911", "2912", "2913"}
    assert all(w < 1 for w in t.values()) and len(set(t.values())) == 1
    assert _chosen(conc, V2011, "2911") == "2911"


def test_split_2011_handsets_go_to_mobile(conc):
    t = _targets(conc, V2011, "3922")  # 通信终端设备制造
    assert set(t) == {"4013", "4014"}
    assert _chosen(conc, V2011, "3922") == "4014"
