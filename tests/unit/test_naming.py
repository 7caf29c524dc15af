"""Deterministic job names (docs/architecture.md, "Job names and ownership")."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.core.naming import (
    derived_job_name,
    generated_resource_name,
    is_uid_derived,
    is_valid_job_name,
    job_name_for,
    operator_job_name,
    uid_derived_job_names,
)


def test_design_worked_example() -> None:
    name = derived_job_name(resource_name="xgboost-hpo", uid="a92f5e3c-f07b-11e9-bf6c-06d6f303aaaa")
    assert name == "xgboostha92f5e3cf07b11e9bf6c06d6"
    assert len(name) == 32


def test_requested_name_wins() -> None:
    assert job_name_for(resource_name="x", uid="a92f5e3c", requested="my-job") == "my-job"


def test_short_resource_name_leaves_more_room_for_the_uid() -> None:
    assert derived_job_name(resource_name="a-b", uid="0123-4567") == "ab01234567"


def test_nothing_usable_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot derive"):
        derived_job_name(resource_name="---", uid="----")


dns_names = st.from_regex(r"\A[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\Z")


@given(resource_name=dns_names, uid=st.uuids().map(str))
def test_every_derived_name_is_a_valid_sagemaker_name(resource_name: str, uid: str) -> None:
    name = derived_job_name(resource_name=resource_name, uid=uid)
    assert is_valid_job_name(name)
    assert name == derived_job_name(resource_name=resource_name, uid=uid)


@given(resource_name=st.text(), uid=st.text(alphabet=string.hexdigits + "-", min_size=1))
def test_any_metadata_gives_a_valid_name_or_a_clear_error(resource_name: str, uid: str) -> None:
    try:
        name = derived_job_name(resource_name=resource_name, uid=uid)
    except ValueError:
        assert not any(c.isascii() and c.isalnum() for c in resource_name + uid)
        return
    assert is_valid_job_name(name)


@given(uid_a=st.uuids(), uid_b=st.uuids())
def test_different_uids_give_different_names(uid_a: object, uid_b: object) -> None:
    a = derived_job_name(resource_name="same-name", uid=str(uid_a))
    b = derived_job_name(resource_name="same-name", uid=str(uid_b))
    assert (a == b) == (str(uid_a).replace("-", "")[:24] == str(uid_b).replace("-", "")[:24])


# -- the legacy operator's names (migration proof, docs/migration.md) -----------------------------------

UID = "a92f5e3c-f07b-11e9-bf6c-06d6f303aaaa"


def test_operator_rule_fits_when_name_and_uid_fit() -> None:
    assert generated_resource_name(required="1234", optional="name", max_length=32) == "name-1234"


def test_operator_rule_cuts_the_name_first() -> None:
    # 10 + 1 + 10 = 21 characters, 6 too many: the name loses 6 and keeps 4.
    name = generated_resource_name(required="0123456789", optional="abcdefghij", max_length=15)
    assert name == "abcd-0123456789"


def test_operator_rule_keeps_at_least_one_character_of_the_name_or_drops_it() -> None:
    # 10 + 1 + 4 = 15, max 14: excess 1 < 10, the name keeps 9.
    assert generated_resource_name(required="wxyz", optional="abcdefghij", max_length=14) == "abcdefghi-wxyz"
    # Excess equal to the name's length: nothing of the name can stay, the bare required part (cut).
    assert generated_resource_name(required="0123456789", optional="ab", max_length=10) == "0123456789"
    assert generated_resource_name(required="0123456789", optional="ab", max_length=8) == "01234567"


def test_operator_rule_for_a_kubernetes_uid_is_the_bare_uid_hex() -> None:
    # name + "-" + 32 hex digits never fits 32 characters: the tuning job is named by the UID alone.
    assert operator_job_name(resource_name="xgboost-mnist-hpo", uid=UID) == "a92f5e3cf07b11e9bf6c06d6f303aaaa"
    assert operator_job_name(resource_name="x", uid=UID) == "a92f5e3cf07b11e9bf6c06d6f303aaaa"


def test_operator_rule_keeps_the_uid_as_it_is_apart_from_dashes() -> None:
    assert operator_job_name(resource_name="x", uid="ABC-DEF") == "x-ABCDEF"


def test_both_rules_are_uid_derived_and_nothing_else_is() -> None:
    names = uid_derived_job_names(resource_name="xgboost-hpo", uid=UID)
    assert names == ("xgboostha92f5e3cf07b11e9bf6c06d6", "a92f5e3cf07b11e9bf6c06d6f303aaaa")
    assert is_uid_derived("a92f5e3cf07b11e9bf6c06d6f303aaaa", resource_name="xgboost-hpo", uid=UID)
    assert is_uid_derived("xgboostha92f5e3cf07b11e9bf6c06d6", resource_name="xgboost-hpo", uid=UID)
    # A hand-chosen name, or another resource's derived name, proves nothing.
    assert not is_uid_derived("xgboost-hpo", resource_name="xgboost-hpo", uid=UID)
    other = "b92f5e3c-f07b-11e9-bf6c-06d6f303aaaa"
    assert not is_uid_derived(
        operator_job_name(resource_name="xgboost-hpo", uid=other), resource_name="xgboost-hpo", uid=UID
    )


def test_a_uid_without_hex_digits_derives_nothing() -> None:
    assert uid_derived_job_names(resource_name="xgboost-hpo", uid="----") == ()


@given(resource_name=dns_names, uid=st.uuids().map(str))
def test_operator_names_of_kubernetes_uids_are_valid_and_uid_bound(resource_name: str, uid: str) -> None:
    name = operator_job_name(resource_name=resource_name, uid=uid)
    assert is_valid_job_name(name)
    assert name == uid.replace("-", "")
    assert all(is_valid_job_name(n) for n in uid_derived_job_names(resource_name=resource_name, uid=uid))


@given(resource_name=dns_names, uid_a=st.uuids().map(str), uid_b=st.uuids().map(str))
def test_no_name_derived_from_one_uid_is_derived_from_another(
    resource_name: str, uid_a: str, uid_b: str
) -> None:
    a = set(uid_derived_job_names(resource_name=resource_name, uid=uid_a))
    b = set(uid_derived_job_names(resource_name=resource_name, uid=uid_b))
    if uid_a.replace("-", "")[:24] != uid_b.replace("-", "")[:24]:
        assert not a & b


def test_the_migration_guide_shows_what_the_rules_compute() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "migration.md").read_text()
    assert "name `xgboost-hpo`, UID `a92f5e3c-f07b-11e9-bf6c-06d6f303aaaa`" in doc
    early = derived_job_name(resource_name="xgboost-hpo", uid=UID)
    later = operator_job_name(resource_name="xgboost-hpo", uid=UID)
    assert f"`{early}`" in doc and f"`{later}`" in doc
    assert "--adopt-legacy-named-jobs" in doc
