"""Running one measured job in a fresh process, as every benchmark here does."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def measured(
    args: Sequence[str], *, env: Mapping[str, str], what: str, cwd: Path | None = None
) -> tuple[float, float, dict[str, Any]]:
    """Run ``args`` (a command that prints one JSON object) in a fresh process; return its
    wall seconds, its peak RSS in GB (``wait4``'s ``ru_maxrss``) and the parsed JSON. A
    failing command stops the benchmark with its stderr, naming ``what`` failed."""
    began = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(list(args), env=dict(env), stdout=out, stderr=err, cwd=cwd)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - began
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{what} failed: {err.read().decode(errors='replace')}")
        result: dict[str, Any] = json.loads(out.read())
    return wall, usage.ru_maxrss / 1024**2, result
