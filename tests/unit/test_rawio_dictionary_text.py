"""A table held with its text dictionary-encoded (how the synth holds a customs
year) is written and kept as its plain table (analytics.rawio.write_parquet,
arrow_table): the same Parquet file, byte for byte, over several row groups,
and the same table in a memory root."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
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


def _encoded(table: pa.Table) -> pa.Table:
    """``table`` with its text columns dictionary-encoded."""
    for i, field in enumerate(table.schema):
        if pa.types.is_large_string(field.type):
            table = table.set_column(i, field.name, pc.dictionary_encode(table.column(i)))
    return table


def test_an_encoded_table_decodes_to_its_plain_table():
    plain = _lines(20_000)
    held = _encoded(plain)
    assert pa.types.is_dictionary(held.schema.field("unit").type)
    assert rawio.arrow_table(held).equals(plain)
    assert rawio.arrow_table(plain).equals(plain)


def test_an_encoded_table_writes_the_file_of_its_plain_table(tmp_path):
    n = rawio.ROW_GROUP_ROWS + 12_345  # two row groups, the second short
    plain = _lines(n)
    held = pa.concat_tables([_encoded(plain.slice(0, 700_000)),
                             _encoded(plain.slice(700_000))])  # chunks with their own dictionaries
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
    write_year(root, "customs_transactions", 2008, _encoded(plain))
    kept = root.tables["customs_transactions/year=2008/part-0.parquet"]
    assert kept.equals(plain)
    assert read_year(root, "customs_transactions", 2008)["unit"].dtype == "str"
