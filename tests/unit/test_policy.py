"""policy.py: role allow-lists (namespace annotation over process setting) and custom endpoints."""

from __future__ import annotations

import pytest

from reconciler.core.policy import endpoint_refusal, parse_patterns, role_refusal

ROLE = "arn:aws:iam::123456789012:role/team-a/sagemaker"

# (namespace patterns, process patterns, refused?)
ROLE_TABLE = [
    (None, [], False),
    (None, ["arn:aws:iam::123456789012:role/team-a/*"], False),
    (None, ["arn:aws:iam::123456789012:role/team-b/*"], True),
    (["arn:aws:iam::*:role/team-a/*"], ["nothing-matches"], False),
    (["arn:aws:iam::*:role/team-b/*"], [], True),
    ([], [], True),
]


@pytest.mark.parametrize(("namespace", "process", "refused"), ROLE_TABLE)
def test_role_allow_lists(namespace: list[str] | None, process: list[str], refused: bool) -> None:
    refusal = role_refusal([ROLE], namespace_patterns=namespace, process_patterns=process)
    assert (refusal is not None) is refused
    if refusal is not None:
        assert refusal.reason == "RoleNotAllowed" and ROLE in refusal.message


def test_endpoint_needs_permission() -> None:
    refusal = endpoint_refusal("https://x", allow_custom_endpoints=False)
    assert refusal is not None and refusal.reason == "EndpointNotAllowed"
    assert "--allow-custom-endpoints" in refusal.message
    assert endpoint_refusal("https://x", allow_custom_endpoints=True) is None
    assert endpoint_refusal(None, allow_custom_endpoints=False) is None


def test_parse_patterns() -> None:
    assert parse_patterns(None) is None
    assert parse_patterns(" a , b,,") == ["a", "b"]
