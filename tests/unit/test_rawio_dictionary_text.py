"""A table held with its text dictionary-encoded (analytics.rawio.text_as_dictionary)
is written and kept as its plain table: the same Parquet file, byte for byte,
over several row groups, and the same table in a memory root."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from analytics import rawio


def _lines(n: int) -> pa.Table:
    rng = np.random.default_rng(4)
    ids = np.array([f"3301{i:06d}" for i in range(500)], dtype=object)
    firm = ids[rng.integers(0, 500, n)]
    firm[rng.random(n) < 0.01] = None
    return pa.table({
        "year": pa.array(np.full(n, 2008), pa.int64()),
        "customs_firm_id": pa.array(firm, pa.large_string()),
        "unit": pa.array(np.array(["千克", "个", "台"], dtype=object)[rng.integers(0, 3, n)], pa.large_string()),
        "value_usd": rng.uniform(0, 1e4, n),
    })


def test_text_columns_are_encoded_and_the_rest_kept():
    plain = _lines(20_000)
    held = rawio.text_as_dictionary(plain)
    assert [f.name for f in held.schema] == plain.column_names
    assert pa.types.is_dictionary(held.schema.field("customs_firm_id").type)
    assert pa.types.is_dictionary(held.schema.field("unit").type)
    assert held.schema.field("value_usd").type == pa.float64() and held.schema.field("year").type == pa.int64()
    assert held["customs_firm_id"].null_count == plain["customs_firm_id"].null_count
    assert rawio.arrow_table(held).equals(plain)
    text = ["customs_firm_id", "unit"]
    assert held.select(text).nbytes < 0.4 * plain.select(text).nbytes  # 500 ids and 3 units, held once


def test_an_encoded_table_writes_the_file_of_its_plain_table(tmp_path):
    n = rawio.ROW_GROUP_ROWS + 12_345  # two row groups, the second short
    plain = _lines(n)
    held = pa.concat_tables([rawio.text_as_dictionary(plain.slice(0, 700_000)),
                             rawio.text_as_dictionary(plain.slice(700_000))])  # chunks with their own dictionaries
    rawio.write_parquet(plain, tmp_path / "plain.parquet")
    rawio.write_parquet(held, tmp_path / "held.parquet")
    assert (tmp_path / "plain.parquet").read_bytes() == (tmp_path / "held.parquet").read_bytes()
    meta = pq.ParquetFile(tmp_path / "held.parquet").metadata
    assert meta.num_row_groups == 2 and meta.num_rows == n
    assert pq.read_table(tmp_path / "held.parquet").schema.field("unit").type == pa.large_string()


def test_a_memory_root_keeps_the_plain_table():
    from analytics.synth.rawroot import MemoryRoot, read_year, write_year

    plain = _lines(2_000)
    root = MemoryRoot()
    write_year(root, "customs_transactions", 2008, rawio.text_as_dictionary(plain))
    kept = root.tables["customs_transactions/year=2008/part-0.parquet"]
    assert kept.equals(plain)
    assert read_year(root, "customs_transactions", 2008)["unit"].dtype == "str"
