"""The dbt-duckdb plugin that gives every dbt connection the METHOD §2 key functions.

Named in ``dbt_project/profiles.yml`` (``plugins: - module: orchestration.dbt_udfs``),
so dbt-duckdb loads it wherever the profile is read: in-process
(``orchestration.dbt_cli.run_dbt``, ``dbt parse``) and in the ``dbt``
executable dagster-dbt starts.  On each new DuckDB connection it creates
``gvc_normalise_name``, ``gvc_phone_key`` and ``gvc_zip_key`` from
:mod:`analytics.names` (cursors share them), which the macros
``normalise_name``, ``phone_key`` and ``zip_key`` call.

Those functions live only on dbt's connections: a view that called them
could not be read by any other connection (the Python assets, the report,
``duckdb.connect``), so the macros refuse to compile in a view or an
ephemeral model; the models that use them are tables.
"""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin

from analytics.names import register_udfs


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        register_udfs(conn)
