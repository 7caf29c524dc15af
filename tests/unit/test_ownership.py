"""core.ownership: a job is a resource's only on proofs a tenant cannot forge (issue 10 item 1)."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.core.model import FINALIZER, LEGACY_FINALIZER, HyperparameterTuningJob
from reconciler.core.naming import derived_job_name, operator_job_name
from reconciler.core.ownership import Ownership, needs_tags, not_owned_message, ownership

UID = "a92f5e3c-f07b-11e9-bf6c-06d6f303aaaa"
OTHER_UID = "0b0b0b0b-f07b-11e9-bf6c-06d6f303bbbb"
NAME = "xgboost-hpo"
EARLY = derived_job_name(resource_name=NAME, uid=UID)
LATER = operator_job_name(resource_name=NAME, uid=UID)


def resource(
    *, finalizers: tuple[str, ...] = (), arn: str | None = None, **status: Any
) -> HyperparameterTuningJob:
    obj: dict[str, Any] = {
        "metadata": {"name": NAME, "namespace": "team-b", "uid": UID, "finalizers": list(finalizers)},
        "spec": {},
        "status": {**status, **({"hyperParameterTuningJobArn": arn} if arn else {})},
    }
    return HyperparameterTuningJob.parse(obj)


def owns(
    res: HyperparameterTuningJob, job_name: str, owner_uid: str | None, *, opt_in: bool = False
) -> Ownership:
    return ownership(
        res,
        job_name=job_name,
        owner_uid=owner_uid,
        tags_read=True,
        arn_matches=False,
        adopt_legacy_named_jobs=opt_in,
    )


@pytest.mark.parametrize(
    ("finalizers", "job_name", "owner_uid", "opt_in", "expected"),
    [
        ((FINALIZER,), "any-name", UID, False, Ownership.TAGGED),
        ((LEGACY_FINALIZER,), "any-name", UID, False, Ownership.TAGGED),
        # Another resource's tag: never, whatever else is claimed or allowed.
        ((LEGACY_FINALIZER,), LATER, OTHER_UID, True, Ownership.FOREIGN),
        ((FINALIZER,), "team-a-job", OTHER_UID, False, Ownership.FOREIGN),
        # Untagged: the legacy finalizer plus a name derived from this UID, by either rule.
        ((LEGACY_FINALIZER,), EARLY, None, False, Ownership.LEGACY_UID_NAME),
        ((LEGACY_FINALIZER,), LATER, None, False, Ownership.LEGACY_UID_NAME),
        # Untagged and named by hand: only with the admin's opt-in.
        ((LEGACY_FINALIZER,), "team-a-job", None, False, Ownership.UNPROVEN),
        ((LEGACY_FINALIZER,), "team-a-job", None, True, Ownership.LEGACY_OPT_IN),
        # Without the legacy finalizer an untagged job is nobody's, even with a UID-derived name.
        ((FINALIZER,), LATER, None, True, Ownership.UNPROVEN),
        ((), EARLY, None, False, Ownership.UNPROVEN),
    ],
)
def test_ownership_table(
    finalizers: tuple[str, ...], job_name: str, owner_uid: str | None, opt_in: bool, expected: Ownership
) -> None:
    assert owns(resource(finalizers=finalizers), job_name, owner_uid, opt_in=opt_in) is expected


def test_another_resources_uid_derived_name_proves_nothing() -> None:
    foreign = operator_job_name(resource_name=NAME, uid=OTHER_UID)
    assert owns(resource(finalizers=(LEGACY_FINALIZER,)), foreign, None) is Ownership.UNPROVEN


def test_a_recorded_status_is_a_claim_unless_the_name_derives_from_the_uid() -> None:
    arn = "arn:aws:sagemaker:us-east-2:123456789012:hyper-parameter-tuning-job/team-a-job"
    forged = resource(arn=arn, sageMakerHyperParameterTuningJobName="team-a-job")
    assert needs_tags(forged, job_name="team-a-job")
    unread = ownership(
        forged,
        job_name="team-a-job",
        owner_uid=None,
        tags_read=False,
        arn_matches=True,
        adopt_legacy_named_jobs=True,
    )
    assert unread is Ownership.UNPROVEN
    own = resource(arn=arn.replace("team-a-job", EARLY.lower()), sageMakerHyperParameterTuningJobName=EARLY)
    assert not needs_tags(own, job_name=EARLY)
    recorded = ownership(
        own, job_name=EARLY, owner_uid=None, tags_read=False, arn_matches=True, adopt_legacy_named_jobs=False
    )
    assert recorded is Ownership.RECORDED and recorded.owned
    moved = ownership(
        own, job_name=EARLY, owner_uid=None, tags_read=False, arn_matches=False, adopt_legacy_named_jobs=False
    )
    assert moved is Ownership.UNPROVEN
    # A recorded ARN that is not the job found: not this resource's job, whatever its tags say.
    tagged = ownership(
        forged,
        job_name="team-a-job",
        owner_uid=UID,
        tags_read=True,
        arn_matches=False,
        adopt_legacy_named_jobs=False,
    )
    assert tagged is Ownership.UNPROVEN
    # No ARN recorded: the tags are always read.
    assert needs_tags(resource(), job_name=EARLY)


def test_the_refusal_reveals_nothing_of_the_owner_and_says_what_to_do() -> None:
    message = not_owned_message(resource(finalizers=(FINALIZER,)), Ownership.FOREIGN, job_name="team-a-job")
    assert "team-a-job" in message and "spec.hyperParameterTuningJobName" in message
    assert OTHER_UID not in message and OTHER_UID.replace("-", "") not in message
    assert "--adopt-legacy-named-jobs" not in message
    legacy = not_owned_message(
        resource(finalizers=(LEGACY_FINALIZER,)), Ownership.UNPROVEN, job_name="team-a-job"
    )
    assert "--adopt-legacy-named-jobs" in legacy and "docs/migration.md" in legacy
