"""Content negotiation: which representation a request asked for, and the write options it carries.

Contract: `wants_table(accept)` is True when the Accept header asks for a meta.k8s.io/v1 (or v1beta1)
Table; `check_acceptable(accept)` raises 406 when no JSON representation is acceptable (e.g. protobuf
only); `media_type(content_type)` strips parameters; `field_validation(query)` and `dry_run(query)` read
and check the `fieldValidation` and `dryRun` query parameters (400 for values the server does not know).
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.sandbox.kube.errors import ApiError, bad_request


def _parts(accept: str) -> list[list[str]]:
    return [[p.strip() for p in item.split(";")] for item in accept.split(",") if item.strip()]


def wants_table(accept: str) -> bool:
    for params in _parts(accept):
        if "as=Table" in params and any(p in ("g=meta.k8s.io",) for p in params):
            return True
    return False


def check_acceptable(accept: str) -> None:
    if not accept.strip():
        return
    for params in _parts(accept):
        if params[0] in ("application/json", "*/*", "application/*", "application/yaml"):
            return
    raise ApiError(
        406,
        "NotAcceptable",
        "only the following media types are accepted: application/json, application/yaml",
    )


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def field_validation(query: Mapping[str, str]) -> str:
    value = query.get("fieldValidation", "") or "Warn"
    if value not in ("Strict", "Warn", "Ignore"):
        raise bad_request(
            f'fieldValidation: Unsupported value: "{value}": supported values: "Ignore", "Strict", "Warn"'
        )
    return value


def dry_run(query: Mapping[str, str]) -> bool:
    value = query.get("dryRun", "")
    if value not in ("", "All"):
        raise bad_request(f'dryRun: Unsupported value: "{value}": supported values: "All"')
    return value == "All"
