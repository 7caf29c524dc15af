"""The optional `report` extra (plotly, matplotlib): import it or say how to install it.

Contract: `require(module)` imports and returns `module`; when it is not installed it raises
`ReportExtraMissing` whose message names the package and the install command. The renderers call
it inside their functions so that `hpo-reconciler report` without `-o` (the terminal summary) and
every other command work without the extra.
"""

from __future__ import annotations

import importlib
from types import ModuleType

INSTALL = "pip install 'hpo-reconciler[report]'"


class ReportExtraMissing(Exception):
    """A plotting package of the `report` extra is not installed."""


def require(module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = module.split(".")[0]
        raise ReportExtraMissing(
            f"writing this report form needs {package}, which is not installed ({exc}); "
            f"install the report extra: {INSTALL}"
        ) from None
