"""NextToken / MaxResults paging shared by the List operations.

Contract: `page(items, next_token=, max_results=)` returns (the slice, the token for the next
slice or None). Tokens are opaque to callers (base64 of an offset); a token the simulator did not
issue is a ValidationException, as SageMaker answers it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import TypeVar

from reconciler.sandbox.sagemaker import errors

T = TypeVar("T")


def page(items: Sequence[T], *, next_token: str | None, max_results: int) -> tuple[list[T], str | None]:
    start = _offset(next_token) if next_token else 0
    end = start + max_results
    token = base64.urlsafe_b64encode(f"offset:{end}".encode()).decode() if end < len(items) else None
    return list(items[start:end]), token


def _offset(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise errors.validation_error("Invalid pagination token.") from None
    prefix, _, number = text.partition(":")
    if prefix != "offset" or not number.isdigit():
        raise errors.validation_error("Invalid pagination token.")
    return int(number)
