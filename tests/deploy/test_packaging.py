"""pyproject.toml installs without setuptools deprecation warnings and ships the kubectl plugin."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_pyproject_reads_without_deprecation_warnings_and_uses_an_spdx_license() -> None:
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dist = apply_configuration(Distribution(), ROOT / "pyproject.toml")
    shown = [str(w.message) for w in caught if "deprecat" in str(w.message).lower()]
    assert shown == [], shown  # `license = { text = ... }` made every install print a box
    assert dist.metadata.license_expression == "Apache-2.0"


@pytest.mark.parametrize("script", ["hpo-reconciler", "kubectl-smlogs"])
def test_console_scripts_are_declared(script: str) -> None:
    from setuptools.config.pyprojecttoml import read_configuration

    scripts = read_configuration(ROOT / "pyproject.toml")["project"]["scripts"]
    assert script in scripts
