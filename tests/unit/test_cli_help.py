"""The run command's help names every setting's environment variable."""

from __future__ import annotations

import contextlib
import io

from reconciler import cli
from reconciler.core.settings import Settings


def test_run_help_lists_every_environment_variable() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.run(["run", "--help"]) == 0
    text = " ".join(out.getvalue().split())
    for name in Settings.model_fields:
        assert f"_{name.upper()}" in text, name
