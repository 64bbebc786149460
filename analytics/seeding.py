"""One random stream per use, derived from the project seed.

Every random draw of the study and the production side (the firm block
bootstrap of the production parameters, the KLS cluster bootstrap of
Table 8) takes its generator from the ``seed`` setting
(:class:`analytics.settings.MethodSettings`) and a fixed label naming the
use, e.g. ``"table8/kls"``. The label enters through CRC-32 of its UTF-8
bytes, never through Python's ``hash()``, which is salted per process
(``PYTHONHASHSEED``). So one seed gives the same draws in every process and
every build, two uses never share a stream, and changing the seed changes
them all.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["stream_seed", "stream_rng"]


def stream_seed(seed: int, label: str) -> int:
    """The integer seed of the stream ``label`` under the project ``seed``:
    64 bits of ``numpy.random.SeedSequence([seed, crc32(label)])``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    entropy = [int(seed), zlib.crc32(label.encode("utf-8"))]
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0])


def stream_rng(seed: int, label: str) -> np.random.Generator:
    """``numpy.random.default_rng(stream_seed(seed, label))``."""
    return np.random.default_rng(stream_seed(seed, label))
