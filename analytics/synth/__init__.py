"""The synthetic world of docs/synthetic_world.md and its own (independent) truth.

Design notes in brief (the full notes and their figures: docs/synthetic_world.md,
"Design notes"). The world identifies beta through the instrument: C's spread
share loads on a z centred within (industry, year) and scaled by the
industry's mean over all years (:func:`analytics.synth.geography.instrument`),
so market access growing in cells above the year's mean moves C within a
firm. The confounding city x industry shock u enters DVAR with a small
loading (``lam`` 0.02) and C's spread share with a large one
(``s_shock_loading`` 1.5), persistence ``shock_rho`` 0.5: OLS stays below
beta while the cell-level residual, which drives the city x industry
standard error, stays small. On six demo seeds (31-36) the 2SLS averaged
0.214 with city x industry SEs of 0.028-0.062; the placebo industry's C is
not yet insignificant often enough (positive in all six, |t| > 1.96 in two).
"""
