"""A Parquet file written a part at a time (analytics.synth.rawroot.ParquetParts):
the generator writes truth/firm_year_latent a year at a time, so a paper
world's 3.3 million latent firm-years (about 2 GB) never sit in memory whole.
The file reads back as one frame of all the parts would have been written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from analytics import rawio
from analytics.synth.rawroot import MemoryRoot, ParquetParts, read_parquet

PATH = "truth/firm_year_latent.parquet"


def _parts() -> list[pd.DataFrame]:
    # year 1998: no exporter, so its quality columns are all missing and its
    # match kind has no value; 2000: an integer product count
    return [
        pd.DataFrame({"fid": [2, 1], "year": 1998, "match_kind": [None, None], "n_products_true": [np.nan, np.nan],
                      "flag": [None, None]}),
        pd.DataFrame({"fid": [1, 3, 4], "year": 2000, "match_kind": ["a", None, "c"], "n_products_true": [3, 1, 2],
                      "flag": [True, False, True]}),
        pd.DataFrame({"fid": [5], "year": 2001, "match_kind": ["b"], "n_products_true": [np.nan], "flag": [None]}),
    ]


def _whole(tmp_path) -> pd.DataFrame:
    """The file of all the parts written as one frame, read back."""
    rawio.write_parquet(pd.concat(_parts(), ignore_index=True), tmp_path / "whole.parquet")
    return pd.read_parquet(tmp_path / "whole.parquet")


def test_a_folder_gets_the_file_of_the_whole_frame_one_row_group_per_part(tmp_path):
    root = tmp_path / "raw"
    parts = ParquetParts(root, PATH)
    for p in _parts():
        parts.add(p)
    assert (root / f"{PATH}.parts").is_dir()  # set aside on disk until closed
    parts.close()
    got = pd.read_parquet(root / PATH)
    pd.testing.assert_frame_equal(got, _whole(tmp_path))
    assert got["n_products_true"].dtype == np.float64 and got["flag"].dtype == object
    assert pq.ParquetFile(root / PATH).metadata.num_row_groups == 3
    assert not (root / f"{PATH}.parts").exists()


def test_a_memory_root_holds_the_same_table(tmp_path):
    root = MemoryRoot()
    parts = ParquetParts(root, PATH)
    for p in _parts():
        parts.add(p)
    parts.close()
    pd.testing.assert_frame_equal(read_parquet(root, PATH), _whole(tmp_path))


def test_no_part_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no part"):
        ParquetParts(tmp_path, PATH).close()
