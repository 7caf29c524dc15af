"""policy.py: role allow-lists (namespace annotation and process setting both apply) and custom endpoints."""

from __future__ import annotations

import pytest

from reconciler.core.policy import endpoint_refusal, parse_patterns, role_matches, role_refusal

ROLE = "arn:aws:iam::123456789012:role/team-a/sagemaker"

NESTED = "arn:aws:iam::123456789012:role/team-a/nested/sagemaker"
TEAM_A = "arn:aws:iam::*:role/team-a/*"
TEAM_B = "arn:aws:iam::*:role/team-b/*"

# (namespace patterns, process patterns, refused by: None | "namespace" | "process")
ROLE_TABLE: list[tuple[list[str] | None, list[str], str | None]] = [
    (None, [], None),
    (None, [TEAM_A], None),
    (None, [TEAM_B], "process"),
    ([TEAM_A], [], None),
    ([TEAM_B], [], "namespace"),
    ([], [], "namespace"),
    ([], [TEAM_A], "namespace"),
    # Both lists exist: the role must pass both. A namespace narrows ...
    ([TEAM_A], [TEAM_A, TEAM_B], None),
    ([TEAM_B], [TEAM_A, TEAM_B], "namespace"),
    # ... and never widens: not with a pattern of its own, not with `*`.
    ([TEAM_A], ["nothing-matches"], "process"),
    (["**"], [TEAM_B], "process"),
    (["*"], [TEAM_A], "namespace"),
    (["arn:aws:iam::*:role/*"], [TEAM_B], "process"),
    (["*", TEAM_A], [TEAM_A], None),
]


@pytest.mark.parametrize(("namespace", "process", "refused_by"), ROLE_TABLE)
def test_role_allow_lists(namespace: list[str] | None, process: list[str], refused_by: str | None) -> None:
    refusal = role_refusal([ROLE], namespace_patterns=namespace, process_patterns=process)
    assert (refusal.reason if refusal else None) == ("RoleNotAllowed" if refused_by else None)
    if refusal is not None:
        assert ROLE in refusal.message
        source = "namespace annotation" if refused_by == "namespace" else "--allowed-role-arn"
        assert source in refusal.message, refusal.message


# (role, pattern, matches?): `*` and `?` stop at `/`, `**` does not; everything else is literal.
MATCH_TABLE = [
    (ROLE, TEAM_A, True),
    (NESTED, TEAM_A, False),
    (NESTED, "arn:aws:iam::*:role/team-a/*/*", True),
    (ROLE, "arn:aws:iam::*:role/*", False),
    ("arn:aws:iam::123456789012:role/top", "arn:aws:iam::*:role/*", True),
    (ROLE, "*", False),
    (ROLE, "**", True),
    (NESTED, "arn:aws:iam::*:role/team-a/**", True),
    (NESTED, "arn:aws:iam::*:role/**/sagemaker", True),
    ("arn:aws:iam::123456789012:role/team-a-admin/x", "arn:aws:iam::*:role/team-a/**", False),
    ("arn:aws:iam::123456789012:role/team-a/x", "arn:aws:iam::*:role/team-a/***", True),
    ("arn:aws:iam::123456789012:role/team-a", "arn:aws:iam::*:role/team-?", True),
    ("arn:aws:iam::123456789012:role/team/a", "arn:aws:iam::*:role/team?a", False),
    (ROLE, "arn:aws:iam::123456789012:role/team-a/sagemaker", True),
    (ROLE, "arn:aws:iam::123456789012:role/team-a/sagemake", False),
    ("arn:aws:iam::123456789012:role/x-sagemaker", "arn:aws:iam::*:role/[a-z]-sagemaker", False),
    ("arn:aws:iam::123456789012:role/a.b", "arn:aws:iam::*:role/a.b", True),
    ("arn:aws:iam::123456789012:role/aXb", "arn:aws:iam::*:role/a.b", False),
    ("arn:aws:iam::123456789012:role/ok\nx", "arn:aws:iam::*:role/ok*", True),
]


@pytest.mark.parametrize(("role", "pattern", "matches"), MATCH_TABLE)
def test_star_does_not_cross_a_slash(role: str, pattern: str, matches: bool) -> None:
    assert role_matches(role, pattern) is matches
    # The same answer through role_refusal, from either list.
    for namespace, process in (([pattern], []), (None, [pattern])):
        refusal = role_refusal([role], namespace_patterns=namespace, process_patterns=process)
        assert (refusal is None) is matches


def test_every_role_of_a_resource_must_pass() -> None:
    other = "arn:aws:iam::123456789012:role/team-b/sagemaker"
    refusal = role_refusal([ROLE, other], namespace_patterns=[TEAM_A, TEAM_B], process_patterns=[TEAM_A])
    assert refusal is not None and other in refusal.message and ROLE not in refusal.message


def test_endpoint_needs_permission() -> None:
    refusal = endpoint_refusal("https://x", allow_custom_endpoints=False)
    assert refusal is not None and refusal.reason == "EndpointNotAllowed"
    assert "--allow-custom-endpoints" in refusal.message
    assert endpoint_refusal("https://x", allow_custom_endpoints=True) is None
    assert endpoint_refusal(None, allow_custom_endpoints=False) is None


def test_parse_patterns() -> None:
    assert parse_patterns(None) is None
    assert parse_patterns(" a , b,,") == ["a", "b"]
