"""Small UNSD tables in their published layouts, and a tiny raw root of 2001 customs rows, written by the
tests of `gvc reference` (tests/unit/test_reference_unsd.py, tests/integration/test_reference_cli.py).

The layouts are those of the files UNSD publishes (as redistributed in CSV): correlation tables with an
``ex_flag`` and a ``relationship`` column (HS2012's without ex flags), conversion tables of two code
columns, HS -> BEC tables starting with a byte-order mark, HS2007's with codes written ``0101.10`` and no
relationship column, an ``n/a`` cell and the aggregate BEC code ``32``.

The links (HS1996 targets):

- HS2002 010110 -> 010111, 010120 (a 1 -> 2 split); 020110 -> 020110; 030110 -> 030110, 030190 (both
  without 2001 imports: the trade weights fall back to equal); 040110 -> 040110, 040120 (040120 without
  imports: weight 0, left out of trade weights);
- HS2007 010110 -> 010111 (1:1); HS2012 010121 -> 010111, 010129 -> 010111 (n:1).

National imports of 2001 (``write_customs_2001``): 01011100 300 + 100, 01012000 100 (and an export of
01012000 and a 2002 import, which do not count), 04011000 50: the HS2002 010110 weights are 0.8 and 0.2.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

CORRELATION_2002 = """hs2002,ex_flag,hs1996,relationship
010110,,010111,1:n
010110,,010120,1:n
020110,,020110,1:1
030110,,030110,1:n
030110,,030190,1:n
040110,,040110,1:n
040110,,040120,1:n
"""
CONVERSION_2002 = """hs2002,hs1996
010110,010111
020110,020110
030110,030110
040110,040110
"""
CORRELATION_2007 = """hs2007,ex_flag,hs1996,relationship
010110,,010111,1:1
"""
CORRELATION_2012 = """hs2012,ex_flag,hs1996,relationship
010121,,010111,n:1
010129,,010111,n:1
"""
BEC_1996 = """\ufeffHS96,BEC,Relationship
010111,41,n to 1
010120,111,n to n
010120,41,n to n
020110,7,n to n
020110,22,n to n
030110,42,n to n
030110,7,n to n
030190,n/a,n to 1
040110,32,1ToN
040120,61,n to 1
"""
BEC_2007 = """\ufeffHS2007,BEC
0101.10,41
"""
BEC_CLASSES = """bec4_code,bec4_desc,sna_basic_class
41,Capital goods (except transport equipment),capital
51,"Transport equipment, passenger motor cars",not_classified
"""


def write_unsd(folder: Path, *, conversion: bool = True, bec_classes: bool = True) -> Path:
    """The fixture tables under ``folder`` (names unlike UNSD's: files are recognised by their columns)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"a.csv": CORRELATION_2002, "b.csv": CORRELATION_2007, "c.csv": CORRELATION_2012,
             "bec/x.csv": BEC_1996, "bec/y.csv": BEC_2007}
    if conversion:
        files["d.csv"] = CONVERSION_2002
    if bec_classes:
        files["bec/z.csv"] = BEC_CLASSES
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def customs_rows(rows: list[tuple]) -> pd.DataFrame:
    """Customs rows of the contract from (year, flow, hs_code, value_usd)."""
    return pd.DataFrame([
        {"year": y, "month": 1, "customs_firm_id": f"{i:010d}", "firm_name": "甲公司", "phone": None,
         "zip_code": None, "flow": flow, "trade_regime": "10", "hs_code": hs, "partner_country": "USA", "value_usd": float(v),
         "quantity": None, "unit": None}
        for i, (y, flow, hs, v) in enumerate(rows)])


CUSTOMS_2001 = [(2001, "import", "01011100", 300), (2001, "import", "01011100", 100),
                (2001, "import", "01012000", 100), (2001, "export", "01012000", 5000),
                (2001, "import", "04011000", 50)]


def write_customs_2001(raw: Path) -> Path:
    """A raw root with 2001 customs rows (and one 2002 import of 01012000, which must not count)."""
    for year in (2001, 2002):
        rows = [r for r in CUSTOMS_2001 if r[0] == year] or [(2002, "import", "01012000", 10_000)]
        path = raw / "customs_transactions" / f"year={year}" / "part-0.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        customs_rows(rows).to_parquet(path, index=False)
    return raw
