"""The synthetic world of docs/synthetic_world.md and its own (independent) truth.

Design notes in brief (the full notes and their figures: docs/synthetic_world.md,
"Design notes"). The world identifies beta through the instrument: C's spread
share loads on a z centred within (industry, year), scaled by the industry's
mean over all years and centred within (city, year)
(:func:`analytics.synth.geography.instrument`), so market access growing in
cells above the year's mean moves C within a firm, while what it does to
every industry of a city stays out of the placebo industry's C. The
confounding city x industry shock u enters DVAR with a small loading
(``lam`` 0.02) and C's spread share with a large one (``s_shock_loading``
1.5), persistence ``shock_rho`` 0.5: OLS stays below beta while the
cell-level residual, which drives the city x industry standard error, stays
small. On seven demo seeds the tests never use (31-37) the 2SLS averaged
0.221, its city x industry SE was 0.032-0.061 (at most 0.05 in five), every
cell-clustered interval covered 0.21, OLS was 0.182-0.191, and the placebo
was rejected at 5% in one world (still positive on average: 0.0048). The
placebo industry is unrelated to the focal one in technology, as the
placebo test assumes: no IPC subclass of the concordance is given to both
(``SynthParams.placebo_ipc_disjoint``), since a patent the concordance gave
to both moved the two industries' C together within a city-year (the
placebo was rejected in 34% of 50 demo worlds). DVAR targets above 0.99
are capped, and a capped firm-year no longer moves with C: ordinary
exporters' firm effects reach at most 0.08 above the mean
(``ordinary_headroom_scale`` 0.04) and the noise sd is 0.035, so 0.6% of
exporter-years are capped (2.3% before, which took about 0.01 off the 2SLS
mean). Fifty fresh demo seeds (301-350): 2SLS mean 0.199, city x industry
SE 0.039 and coverage 0.98, OLS below beta in all 50, the placebo rejected
at 5% in 1. With the study's city x industry clusters putting each firm in
its first year's cell (the firm effects nested, so not counted in the
small-sample factor), seeds 401-500: 2SLS mean 0.198 and 0.211, SE 0.043
and 0.035 (0.0345 on 401-450 without the one world whose first stage is
near zero), coverage 0.98 and 0.94, OLS below beta in all 100, the placebo
rejected in 4 and 2.
"""
