"""Pure functions of the gvc method (no Dagster imports here)."""
