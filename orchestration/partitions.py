"""The yearly partitions, shared by the raw and dbt assets.

Dagster has no yearly class that can skip a year, and METHOD excludes 2010
by default: a static definition of the sample years fits (STYLE §6). The
keys come from the settings (gvc.toml), so a year added there
(``year_end = 2015``) is a new partition key when the code location loads.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from analytics.rawio import years_present
from analytics.settings import DEFAULT_SETTINGS, MethodSettings


def year_partitions(settings: MethodSettings) -> dg.StaticPartitionsDefinition:
    return dg.StaticPartitionsDefinition([str(y) for y in settings.years])


def default_years(raw: Path, settings: MethodSettings = DEFAULT_SETTINGS) -> list[int]:
    """Every sample year with a customs or patents folder in the raw root."""
    present = set(years_present(raw, "customs_transactions")) | set(years_present(raw, "patents"))
    if not present:  # unpartitioned files: every configured year
        return list(settings.years)
    return [y for y in settings.years if y in present]


def year_ranges(years: list[int], settings: MethodSettings = DEFAULT_SETTINGS) -> list[tuple[int, int]]:
    """Runs of consecutive partition keys (2009 and 2011 are neighbours when 2010 is excluded)."""
    keys = list(settings.years)
    pos = sorted(keys.index(y) for y in years)
    out: list[tuple[int, int]] = []
    for p in pos:
        if out and keys.index(out[-1][1]) == p - 1:
            out[-1] = (out[-1][0], keys[p])
        else:
            out.append((keys[p], keys[p]))
    return out
