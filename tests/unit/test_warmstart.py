"""core.warmstart: parents must be this namespace's; a parent not there yet is awaited (issue 10)."""

from __future__ import annotations

from reconciler.core.warmstart import ParentSeen, check_parents, parent_names


def test_parent_names_are_read_tolerantly() -> None:
    spec = {
        "warmStartConfig": {
            "parentHyperParameterTuningJobs": [
                {"hyperParameterTuningJobName": "a"},
                {"hyperParameterTuningJobName": 3},
                "junk",
                {"hyperParameterTuningJobName": "b"},
            ]
        }
    }
    assert parent_names(spec) == ["a", "b"]
    assert parent_names({}) == [] and parent_names({"warmStartConfig": "x"}) == []


def test_own_namespace_finished_parents_pass() -> None:
    parents = [ParentSeen("a", "Completed", "team-b"), ParentSeen("b", "Stopped", "team-b")]
    assert check_parents("team-b", parents, allow_foreign=False) == check_parents(
        "team-b", [], allow_foreign=False
    )
    check = check_parents("team-b", parents, allow_foreign=False)
    assert check.refusal is None and check.waiting is None


def test_foreign_and_untagged_parents_are_refused_without_naming_the_owner() -> None:
    for tag in ("team-a", None):
        check = check_parents("team-b", [ParentSeen("theirs", "Completed", tag)], allow_foreign=False)
        assert check.refusal is not None and "'theirs'" in check.refusal
        assert "--allow-foreign-warm-start-parents" in check.refusal
        assert "team-a" not in check.refusal


def test_the_admin_may_allow_foreign_parents() -> None:
    check = check_parents("team-b", [ParentSeen("theirs", "Completed", "team-a")], allow_foreign=True)
    assert check.refusal is None and check.waiting is None


def test_missing_or_running_parents_are_awaited() -> None:
    check = check_parents(
        "team-b", [ParentSeen("later", None), ParentSeen("busy", "InProgress", "team-b")], allow_foreign=False
    )
    assert check.refusal is None
    assert (
        check.waiting is not None
        and "'later' to be created" in check.waiting
        and "'busy' to finish" in check.waiting
    )


def test_a_refusal_wins_over_waiting() -> None:
    check = check_parents(
        "team-b",
        [ParentSeen("later", None), ParentSeen("theirs", "Completed", "team-a")],
        allow_foreign=False,
    )
    assert check.refusal is not None
