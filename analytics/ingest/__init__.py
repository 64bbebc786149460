"""Vendor deliveries in: ``gvc ingest`` turns delivered files into the contract's raw root.

- ``layouts.py`` and ``layouts/*.yaml``: the delivered layouts and how a
  file's layout is recognised from its column names;
- ``readers.py``: every delivered format, read in chunks as text;
- ``restore.py`` and ``codes.py``: the codes restored on the way in, through
  the shipped code tables (dbt seeds) or the raw root's own;
- ``convert.py``: a delivered chunk becomes contract rows, table by table;
- ``run.py``: the whole ingest, all or nothing, with its report;
- ``reference.py``: ``gvc reference``, the reference tables ``hs_concordance``
  and ``hs_bec`` from the UNSD correspondence and HS -> BEC tables.
"""

from analytics.ingest.run import IngestError, IngestReport, ingest

__all__ = ["IngestError", "IngestReport", "ingest"]
