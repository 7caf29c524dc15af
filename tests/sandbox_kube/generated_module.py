"""The text of the emulator's generated data modules (`builtin_*_data.py`), shared by their vendor scripts.

Contract: `generated_module(docstring, body)` is a module that opens with the ruff E501 waiver, the
docstring and the `json`/`typing` imports, then `body`; `json_table(name, annotation, rows)` is one
`NAME: Final[annotation] = json.loads(r"{...}")` assignment (a raw triple-quoted string), a row per
line with sorted keys.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def generated_module(docstring: str, body: str) -> str:
    return f'# ruff: noqa: E501\n"""{docstring}"""\n\nimport json\nfrom typing import Any, Final\n\n{body}'


def json_table(name: str, annotation: str, rows: Mapping[str, Any]) -> str:
    lines = ",\n".join(f"{json.dumps(key)}: {json.dumps(row, sort_keys=True)}" for key, row in rows.items())
    return f'{name}: Final[{annotation}] = json.loads(\n    r"""{{\n{lines}\n}}"""\n)\n'
