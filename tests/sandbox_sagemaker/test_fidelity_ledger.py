"""docs/fidelity.md stays in step with the simulator.

Its "## SageMaker simulator" section must name every operation the simulator serves and every
error code its source can answer with, each table row must carry a known state and name a test
that exists. A new operation or error code without a ledger row fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from reconciler.sandbox.sagemaker import logs_ops, sagemaker_ops

ROOT = Path(__file__).resolve().parents[2]
LEDGER = ROOT / "docs" / "fidelity.md"
SIMULATOR = ROOT / "reconciler" / "sandbox" / "sagemaker"
STATES = ("matches", "assumed", "unknown")
# Error codes the simulator builds from values rather than literals (errors.from_fault).
FAULT_CODES = {"ThrottlingException", "InternalFailure", "ServiceUnavailable", "AccessDeniedException"}


def _section() -> str:
    text = LEDGER.read_text()
    start = text.index("## SageMaker simulator")
    following = text.find("\n## ", start + 1)
    return text[start : following if following != -1 else len(text)]


def _rows(section: str) -> list[list[str]]:
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) == 4 and cells[0].lower() != "behaviour" and not set(cells[0]) <= {"-", " "}:
            rows.append(cells)
    return rows


def _error_codes_in_source() -> set[str]:
    """First string arguments of every `ApiError(...)` call; `validation_error` -> ValidationException."""
    codes = set(FAULT_CODES)
    for path in SIMULATOR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name == "ApiError" and node.args and isinstance(node.args[0], ast.Constant):
                codes.add(str(node.args[0].value))
            if name == "validation_error":
                codes.add("ValidationException")
    return codes


def test_every_simulated_operation_is_in_the_ledger() -> None:
    section = _section()
    operations = set(sagemaker_ops.HANDLERS) | set(logs_ops.HANDLERS)
    missing = sorted(op for op in operations if f"`{op}`" not in section)
    assert not missing, f"docs/fidelity.md lacks rows for {missing}"


def test_every_error_code_the_simulator_answers_is_in_the_ledger() -> None:
    codes = _error_codes_in_source()
    assert {"ValidationException", "ResourceNotFound", "InvalidParameterException"} <= codes  # the scan works
    section = _section()
    missing = sorted(code for code in codes if f"`{code}`" not in section)
    assert not missing, f"docs/fidelity.md lacks the error codes {missing}"


def test_every_row_has_a_source_a_known_state_and_an_existing_test() -> None:
    rows = _rows(_section())
    assert len(rows) > 40
    for behaviour, source, state, test in rows:
        assert source, behaviour
        assert state.split(" ")[0].rstrip(";") in STATES, (behaviour, state)
        match = re.fullmatch(r"`(tests/[\w/]+\.py)::(\w+)`", test)
        assert match, (behaviour, test)
        path = ROOT / match.group(1)
        assert path.is_file(), test
        assert re.search(rf"^def {match.group(2)}\(", path.read_text(), re.MULTILINE), test
