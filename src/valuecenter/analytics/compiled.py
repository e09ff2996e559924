"""numba's ``njit`` as the analytics use it: compiled on first use, cached on disk.

numba caches a compiled function in ``__pycache__`` next to its source file, else (a
read-only install) in the user's cache directory (``~/.cache/numba``), or wherever
``NUMBA_CACHE_DIR`` says. Where none of them is writable numba refuses ``cache=True`` when the
function is defined; then it is compiled once per process instead (seconds, on first use).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])


def compiled(parallel: bool = False) -> Callable[[F], F]:
    """``numba.njit(cache=True, parallel=parallel)``, without the cache where no cache
    directory is writable."""

    def wrap(fn: F) -> F:
        try:
            return cast(F, numba.njit(cache=True, parallel=parallel)(fn))
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return cast(F, numba.njit(cache=False, parallel=parallel)(fn))

    return wrap
