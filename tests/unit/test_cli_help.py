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


def test_demo_help_explains_what_it_does_and_the_time_scale() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.run(["demo", "--help"]) == 0
    text = " ".join(out.getvalue().split())
    for words in (
        "Kubernetes API emulator and a SageMaker simulator",
        "a spec edit the reconciler refuses",
        "a running job stopped by deleting its resource",
        "--time-scale X simulated SageMaker seconds per real second (default 6)",
        "SageMaker's timestamps run ahead of Kubernetes'",
    ):
        assert words in text, words
