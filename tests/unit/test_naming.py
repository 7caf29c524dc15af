"""Deterministic job names (docs/architecture.md, "Job names and ownership")."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.core.naming import derived_job_name, is_valid_job_name, job_name_for


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
