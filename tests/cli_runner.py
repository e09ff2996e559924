"""The CLI's real entry point run in-process, with its error mapping and its language choice:
``(exit code, stdout, stderr)``."""

from __future__ import annotations

import sys

import pytest

from valuecenter.cli.main import main


def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """``valuecenter ARGS`` through :func:`valuecenter.cli.main.main`."""
    monkeypatch.setattr(sys, "argv", ["valuecenter", *args])
    with pytest.raises(SystemExit) as done:
        main()
    out = capsys.readouterr()
    code = done.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), out.out, out.err
