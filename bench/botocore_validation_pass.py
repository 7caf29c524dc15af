"""`hpo-reconciler` with botocore's client-side parameter validation switched back on: the reconciler as
it was before issue 14 item 3, for side-by-side pass figures (`bench/active.py --botocore-validation`).

The SageMaker gateway builds its clients with `Config(parameter_validation=False)`; this wrapper makes
every botocore Config ask for validation, then runs the console script's entry point with the same
arguments. Benchmarks only: nothing in the reconciler reads this.

    .venv/bin/python bench/botocore_validation_pass.py run --no-lease ...
"""

from __future__ import annotations

import functools
from typing import Any

import botocore.config

_plain_init = botocore.config.Config.__init__


@functools.wraps(_plain_init)
def _validating_init(self: botocore.config.Config, *args: Any, **kwargs: Any) -> None:
    kwargs["parameter_validation"] = True
    _plain_init(self, *args, **kwargs)


botocore.config.Config.__init__ = _validating_init

if __name__ == "__main__":
    from reconciler.cli import main

    main()
