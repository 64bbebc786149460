"""The yearly partitions, shared by raw, dbt and Python assets.

Dagster has no yearly class that can skip a year, and METHOD excludes 2010
by default: a static definition of the sample years fits (STYLE §6).
"""

from __future__ import annotations

import dagster as dg

from analytics.settings import DEFAULT_SETTINGS, MethodSettings


def year_partitions(settings: MethodSettings = DEFAULT_SETTINGS) -> dg.StaticPartitionsDefinition:
    return dg.StaticPartitionsDefinition([str(y) for y in settings.years])


YEARS = year_partitions()
