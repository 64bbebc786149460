"""The synthetic world's IPC concordance gives no subclass both to an industry
and to its placebo industry (``SynthParams.placebo_ipc_disjoint``), so one
patent never enters both cells' technology vectors and the placebo
industry's C does not move with the focal C by construction."""

import itertools

import pandas as pd
import pytest

from analytics.synth.catalogue import build_catalogue
from analytics.synth.patents import placebo_disjoint
from analytics.synth.truth.complementarity import placebo_industries


def _concordance(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["ipc", "industry_code", "weight"])


def test_by_hand_the_lower_weight_link_of_a_pair_goes_and_the_rest_rescale():
    placebo = pd.Series({"13": "15", "14": "17", "15": "13"})  # 13 and 15 each other's placebo, 17 none
    got = placebo_disjoint(_concordance([
        ("A01B", "13", 0.6), ("A01B", "14", 0.3), ("A01B", "15", 0.1),  # 15 goes: 13 weighs more
        ("B02C", "15", 0.7), ("B02C", "13", 0.3),  # 13 goes: 15 weighs more
        ("C03D", "14", 0.5), ("C03D", "17", 0.5),  # 17 is 14's placebo: a tie goes by code, 17 goes
        ("D04E", "13", 0.5), ("D04E", "14", 0.5),  # no pair: as it was
    ]), placebo)
    want = _concordance([
        ("A01B", "13", 0.6 / 0.9), ("A01B", "14", 0.3 / 0.9),
        ("B02C", "15", 1.0),
        ("C03D", "14", 1.0),
        ("D04E", "13", 0.5), ("D04E", "14", 0.5),
    ])
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=0, atol=1e-15)


def test_a_concordance_without_pairs_is_unchanged():
    c = _concordance([("A01B", "13", 0.25), ("A01B", "14", 0.75), ("H01L", "40", 1.0)])
    pd.testing.assert_frame_equal(placebo_disjoint(c, pd.Series({"13": "40"})), c)


@pytest.fixture(scope="module")
def catalogue():
    return build_catalogue(None)


def test_the_catalogues_concordance_loses_every_shared_subclass(catalogue):
    placebo = placebo_industries(catalogue.io_links)
    pairs = {frozenset((k, p)) for k, p in placebo.items() if k != p}
    before = catalogue.ipc_industry
    after = placebo_disjoint(before, placebo)

    def shared(c: pd.DataFrame) -> int:
        return sum(any(frozenset(two) in pairs for two in itertools.combinations(g["industry_code"].astype(str), 2))
                   for _, g in c.groupby("ipc"))

    assert shared(before) > 0 and shared(after) == 0  # the catalogue's draw has such subclasses; none are left
    assert set(after["ipc"]) == set(before["ipc"])  # every subclass keeps an industry
    pd.testing.assert_series_equal(after.groupby("ipc")["weight"].sum(), pd.Series(1.0, index=after.groupby("ipc")
                                   ["weight"].sum().index, name="weight"), check_exact=False, atol=1e-12)


def test_the_written_world_reads_the_same_disjoint_concordance(tiny_world):
    """The raw root's reference/ipc_industry, which the marts and the truth
    read, is the concordance the patents were drawn from: no pair shares a
    subclass there either."""
    from analytics.rawio import read_reference

    root, _ = tiny_world
    written = read_reference(root, "ipc_industry")
    placebo = placebo_industries(read_reference(root, "io_links"))
    pairs = {frozenset((k, p)) for k, p in placebo.items() if k != p}
    for sub, g in written.groupby("ipc"):
        codes = g["industry_code"].astype(str)
        assert not any(frozenset(two) in pairs for two in itertools.combinations(codes, 2)), sub
