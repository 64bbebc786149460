"""Environment variables set for a block and put back afterwards."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


@contextlib.contextmanager
def scoped_environ(**values: str) -> Iterator[None]:
    """Set environment variables for a block, then put back what was there
    (unset stays unset): how `gvc build` points the assets at its copy, how
    the CLI passes --config to what it runs, and what the production
    bootstrap's worker processes start with."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
