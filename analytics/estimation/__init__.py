"""Estimation helpers for METHOD §6: pure numpy/pandas, no dagster."""

from analytics.estimation.iv_diagnostics import absorbed_dof, anderson_rubin, demean, kleibergen_paap_f
from analytics.estimation.kls import kls, kls_bootstrap_se, kls_bootstrap_ses
from analytics.estimation.plausexog import SSC, TSLSResult, ltz, tsls, uci

__all__ = [
    "SSC",
    "TSLSResult",
    "absorbed_dof",
    "demean",
    "kleibergen_paap_f",
    "anderson_rubin",
    "kls",
    "kls_bootstrap_se",
    "kls_bootstrap_ses",
    "ltz",
    "tsls",
    "uci",
]
