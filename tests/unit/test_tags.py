"""core/tags.py: the tag edits a spec asks of a running job, never touching the reconciler's own."""

from __future__ import annotations

from reconciler.core.tags import TagChanges, tag_changes

OWN = [
    {"Key": "hpo-reconciler/namespace", "Value": "ns"},
    {"Key": "hpo-reconciler/name", "Value": "n"},
    {"Key": "hpo-reconciler/uid", "Value": "u"},
]


def test_no_change_when_the_user_tags_match() -> None:
    tags = [{"Key": "team", "Value": "a"}]
    assert not tag_changes(tags, [*tags, *OWN])


def test_added_changed_and_removed_user_tags() -> None:
    desired = [{"Key": "team", "Value": "b"}, {"Key": "cost", "Value": "42"}]
    current = [{"Key": "team", "Value": "a"}, {"Key": "old", "Value": "x"}, *OWN]
    changes = tag_changes(desired, current)
    assert changes == TagChanges(add=(("cost", "42"), ("team", "b")), remove=("old",))
    assert changes.describe() == "set cost=42, team=b; removed old"


def test_the_reconcilers_and_aws_tags_are_never_added_or_removed() -> None:
    desired = [{"Key": "hpo-reconciler/uid", "Value": "forged"}, {"Key": "aws:x", "Value": "1"}]
    current = [*OWN, {"Key": "aws:cloudformation:stack-name", "Value": "s"}]
    assert not tag_changes(desired, current)
    assert not tag_changes([], current)
