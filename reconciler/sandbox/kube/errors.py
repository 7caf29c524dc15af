"""API errors as the Kubernetes API server reports them: an HTTP code plus a `Status` body.

Contract: every failure the emulator reports is an `ApiError`; `ApiError.body()` is the `Status` object
(kind Status, apiVersion v1, status Failure, message, reason, details, code) with the reasons and message
wording of kube-apiserver, so clients (kubectl, the official client) render and classify it as they would
against a real cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# HTTP code -> Status reason, for codes raised without a more specific reason (e.g. injected faults).
_REASON_BY_CODE = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}

_MESSAGE_BY_CODE = {
    429: "Too many requests, please try again later.",
    500: "Internal error occurred: injected fault",
    503: "the server is currently unable to handle the request",
    504: "the server was unable to return a response in the time allotted, but may still be processing "
    "the request",
}


@dataclass(frozen=True)
class Cause:
    """One field-level reason of an Invalid error (metav1.StatusCause)."""

    reason: str
    message: str
    field: str

    def body(self) -> dict[str, str]:
        return {"reason": self.reason, "message": self.message, "field": self.field}


@dataclass
class ApiError(Exception):
    """A failed API call; `code` is the HTTP status, `reason` the Status reason."""

    code: int
    reason: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    list_meta: dict[str, Any] = field(default_factory=dict)  # Status.metadata (e.g. a new continue token)

    def __str__(self) -> str:
        return f"{self.code} {self.reason}: {self.message}"

    def body(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": dict(self.list_meta),
            "status": "Failure",
            "message": self.message,
        }
        if self.reason:  # metav1.Status.reason is omitempty (StatusReasonUnknown = "")
            status["reason"] = self.reason
        if self.details:
            status["details"] = self.details
        status["code"] = self.code
        return status


def qualified(plural: str, *, group: str) -> str:
    """`hyperparametertuningjobs.sagemaker.aws.amazon.com`, or just `namespaces` for the core group."""
    return f"{plural}.{group}" if group else plural


def _details(name: str, *, plural: str, group: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "kind": plural}
    if group:
        details["group"] = group
    return details


def _about_object(code: int, reason: str, plural: str, *, group: str, name: str, what: str) -> ApiError:
    """`plural.group "name" <what>`, with the object's details (NotFound, AlreadyExists)."""
    message = f'{qualified(plural, group=group)} "{name}" {what}'
    return ApiError(code, reason, message, _details(name, plural=plural, group=group))


def not_found(plural: str, *, group: str, name: str) -> ApiError:
    return _about_object(404, "NotFound", plural, group=group, name=name, what="not found")


def already_exists(plural: str, *, group: str, name: str) -> ApiError:
    return _about_object(409, "AlreadyExists", plural, group=group, name=name, what="already exists")


def conflict(plural: str, *, group: str, name: str, detail: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {qualified(plural, group=group)} "{name}": {detail}',
        _details(name, plural=plural, group=group),
    )


STALE_OBJECT = "the object has been modified; please apply your changes to the latest version and try again"


def invalid(kind: str, *, group: str, name: str, causes: Sequence[Cause]) -> ApiError:
    """422 Invalid: `Kind.group "name" is invalid: field: message` (several causes as a [list])."""
    # field.ErrorList.ToAggregate drops repeated messages from the summary (the causes keep every one).
    rendered = list(dict.fromkeys(f"{c.field}: {c.message}" if c.field else c.message for c in causes))
    summary = rendered[0] if len(rendered) == 1 else "[" + ", ".join(rendered) + "]"
    qualified_kind = f"{kind}.{group}" if group else kind
    details: dict[str, Any] = {"name": name, "kind": kind}
    if group:
        details["group"] = group
    details["causes"] = [c.body() for c in causes]
    return ApiError(422, "Invalid", f'{qualified_kind} "{name}" is invalid: {summary}', details)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def method_not_allowed() -> ApiError:
    return ApiError(
        405, "MethodNotAllowed", "the server does not allow this method on the requested resource"
    )


def unsupported_media_type(content_type: str, *, accepted: Sequence[str]) -> ApiError:
    return ApiError(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        + ", ".join(accepted),
    )


def resource_not_found() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def too_large(limit: int) -> ApiError:
    return ApiError(413, "RequestEntityTooLarge", f"Request entity too large: limit is {limit}")


def expired(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def from_code(code: int, *, message: str | None = None) -> ApiError:
    """An error for an HTTP code alone (used by fault injection)."""
    reason = _REASON_BY_CODE.get(code, "InternalError" if code >= 500 else "BadRequest")
    text = message or _MESSAGE_BY_CODE.get(code, f"injected fault (HTTP {code})")
    headers = {"Retry-After": "1"} if code in (429, 503) else {}
    return ApiError(code, reason, text, {}, headers)
