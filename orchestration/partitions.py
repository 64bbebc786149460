"""The yearly partitions, shared by the raw and dbt assets.

Dagster has no yearly class that can skip a year, and METHOD excludes 2010
by default: a static definition of the sample years fits (STYLE §6). The
keys come from the settings (gvc.toml), so a year added there
(``year_end = 2015``) is a new partition key when the code location loads.
"""

from __future__ import annotations

import dagster as dg

from analytics.settings import MethodSettings


def year_partitions(settings: MethodSettings) -> dg.StaticPartitionsDefinition:
    return dg.StaticPartitionsDefinition([str(y) for y in settings.years])
