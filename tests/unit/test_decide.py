"""decide.py as tables: (status x delta x deleting) -> action."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.core.decide import (
    ActionKind,
    JobState,
    Observation,
    Refusal,
    decide,
    decide_name_conflict,
    needs_job_lookup,
    needs_owner_lookup,
)
from reconciler.core.delta import Delta
from reconciler.core.model import LEGACY_FINALIZER, HyperparameterTuningJob
from reconciler.core.naming import derived_job_name
from reconciler.core.ownership import Ownership
from reconciler.core.reasons import StalledReason
from tests.unit.conftest import build_tuning_job

TuningJobFactory = Callable[..., HyperparameterTuningJob]
UID = "a92f5e3c-f07b-11e9-bf6c-06d6f303aaaa"


ARN = "arn:aws:sagemaker:us-east-2:123456789012:hyper-parameter-tuning-job/x"
CHANGED = Delta(paths=("hyperParameterTuningJobConfig.resourceLimits.maxNumberOfTrainingJobs",))
ROLE = Refusal(StalledReason.ROLE_NOT_ALLOWED, "role not allowed")

# (case, resource kwargs, observation, expected action)
TABLE = [
    ("new resource is created", {}, Observation(), ActionKind.CREATE),
    ("new invalid resource stalls", {}, Observation(problems=("spec.x: bad",)), ActionKind.STALL),
    ("new resource refused by policy", {}, Observation(policy=ROLE), ActionKind.STALL),
    (
        "running job in sync refreshes",
        {"arn": ARN, "job_status": "InProgress"},
        Observation(looked_up=True, job=JobState("InProgress", ARN), delta=Delta()),
        ActionKind.REFRESH,
    ),
    (
        "running job with delta is refused",
        {"arn": ARN, "job_status": "InProgress"},
        Observation(looked_up=True, job=JobState("InProgress", ARN), delta=CHANGED),
        ActionKind.REFUSE_UPDATE,
    ),
    (
        "completed job with delta is refused",
        {"arn": ARN, "job_status": "Completed", "generation": 2, "observed_generation": 1},
        Observation(looked_up=True, job=JobState("Completed", ARN), delta=CHANGED),
        ActionKind.REFUSE_UPDATE,
    ),
    (
        "reverted spec refreshes again",
        {"arn": ARN, "job_status": "InProgress", "stalled_reason": "SpecUpdateRefused"},
        Observation(looked_up=True, job=JobState("InProgress", ARN), delta=Delta()),
        ActionKind.REFRESH,
    ),
    (
        "spec made invalid after create is refused",
        {"arn": ARN, "job_status": "InProgress"},
        Observation(problems=("bad",), looked_up=True, job=JobState("InProgress", ARN)),
        ActionKind.REFUSE_UPDATE,
    ),
    (
        "terminal, observed: nothing",
        {"arn": ARN, "job_status": "Completed", "observed_generation": 1},
        Observation(),
        ActionKind.NOTHING,
    ),
    (
        "recorded job vanished stalls",
        {"arn": ARN, "job_status": "InProgress"},
        Observation(looked_up=True, job=None),
        ActionKind.STALL,
    ),
    (
        "deleting, running: stop",
        {"arn": ARN, "job_status": "InProgress", "deleting": True},
        Observation(looked_up=True, ownership=Ownership.RECORDED, job=JobState("InProgress", ARN)),
        ActionKind.STOP,
    ),
    (
        "deleting, stopping: wait",
        {"arn": ARN, "job_status": "Stopping", "deleting": True},
        Observation(looked_up=True, ownership=Ownership.RECORDED, job=JobState("Stopping", ARN)),
        ActionKind.AWAIT_STOP,
    ),
    (
        "deleting, stopped: finalize",
        {"arn": ARN, "job_status": "Stopping", "deleting": True},
        Observation(looked_up=True, ownership=Ownership.RECORDED, job=JobState("Stopped", ARN)),
        ActionKind.FINALIZE,
    ),
    (
        "deleting, completed: finalize",
        {"arn": ARN, "job_status": "Completed", "deleting": True},
        Observation(looked_up=True, ownership=Ownership.RECORDED, job=JobState("Completed", ARN)),
        ActionKind.FINALIZE,
    ),
    ("deleting, no job: finalize", {"deleting": True}, Observation(looked_up=True), ActionKind.FINALIZE),
    (
        "deleting, retain: finalize without stop",
        {
            "arn": ARN,
            "job_status": "InProgress",
            "deleting": True,
            "annotations": {"sagemaker.aws.amazon.com/deletion-policy": "retain"},
        },
        Observation(looked_up=True, ownership=Ownership.RECORDED, job=JobState("InProgress", ARN)),
        ActionKind.FINALIZE,
    ),
    (
        "deleting, legacy finalizer: stop",
        {"arn": ARN, "deleting": True, "finalizers": (LEGACY_FINALIZER,)},
        Observation(looked_up=True, ownership=Ownership.RECORDED, job=JobState("InProgress", ARN)),
        ActionKind.STOP,
    ),
    (
        "deleting, no finalizer of ours: nothing",
        {"deleting": True, "finalizers": ("other",)},
        Observation(),
        ActionKind.NOTHING,
    ),
    (
        "deleting, foreign job under our name: not stopped",
        {"deleting": True, "stalled_reason": "JobNameInUse"},
        Observation(looked_up=True, job=JobState("InProgress", ARN), ownership=Ownership.UNPROVEN),
        ActionKind.FINALIZE,
    ),
    (
        "deleting, job created but status lost: stop",
        {"deleting": True},
        Observation(looked_up=True, job=JobState("InProgress", ARN), ownership=Ownership.TAGGED),
        ActionKind.STOP,
    ),
    (
        "deleting, no ARN, job untagged: not stopped",
        {"deleting": True},
        Observation(looked_up=True, job=JobState("InProgress", ARN), ownership=Ownership.UNPROVEN),
        ActionKind.FINALIZE,
    ),
    (
        "deleting, no ARN, job tagged with another uid: not stopped",
        {"deleting": True},
        Observation(looked_up=True, job=JobState("InProgress", ARN), ownership=Ownership.FOREIGN),
        ActionKind.FINALIZE,
    ),
    (
        "deleting, InvalidSpec replaced JobNameInUse, foreign job: not stopped",
        {"deleting": True, "stalled_reason": "InvalidSpec"},
        Observation(looked_up=True, job=JobState("InProgress", ARN), ownership=Ownership.FOREIGN),
        ActionKind.FINALIZE,
    ),
    (
        "deleting, ARN recorded: the ARN decides, not the tag",
        {"arn": ARN, "deleting": True},
        Observation(looked_up=True, job=JobState("InProgress", ARN + "-other"), ownership=Ownership.UNPROVEN),
        ActionKind.FINALIZE,
    ),
]

# (case, resource kwargs, job found, job name, tags needed?)
DERIVED = derived_job_name(resource_name="xgboost-hpo", uid=UID)
OWNER_LOOKUP_TABLE = [
    ("deleting, job found, no ARN", {"deleting": True}, True, DERIVED, True),
    ("deleting, no job found", {"deleting": True}, False, DERIVED, False),
    ("ARN recorded, name derived from the uid: the ARN proves it", {"arn": ARN}, True, DERIVED, False),
    ("ARN recorded, name from the spec: a claim, the tag proves it", {"arn": ARN}, True, "team-a-job", True),
    ("not deleting, no ARN", {}, True, DERIVED, True),
]


@pytest.mark.parametrize(
    ("kwargs", "job_found", "job_name", "expected"),
    [row[1:] for row in OWNER_LOOKUP_TABLE],
    ids=[row[0] for row in OWNER_LOOKUP_TABLE],
)
def test_needs_owner_lookup_table(
    tuning_job: TuningJobFactory, kwargs: dict[str, object], job_found: bool, job_name: str, expected: bool
) -> None:
    assert needs_owner_lookup(tuning_job(**kwargs), job_found=job_found, job_name=job_name) is expected


@pytest.mark.parametrize(
    ("kwargs", "observation", "expected"), [row[1:] for row in TABLE], ids=[row[0] for row in TABLE]
)
def test_decide_table(
    tuning_job: TuningJobFactory, kwargs: dict[str, object], observation: Observation, expected: ActionKind
) -> None:
    assert decide(tuning_job(**kwargs), observation).kind is expected


LOOKUP_TABLE = [
    ("new resource: create first", {}, False),
    ("running job", {"arn": ARN, "job_status": "InProgress", "observed_generation": 1}, True),
    ("created, status not known yet", {"arn": ARN, "job_status": "SynchronizingK8sJobWithSageMaker"}, True),
    (
        "completed, generation observed",
        {"arn": ARN, "job_status": "Completed", "observed_generation": 1},
        False,
    ),
    ("failed, generation observed", {"arn": ARN, "job_status": "Failed", "observed_generation": 1}, False),
    (
        "completed, spec edited since",
        {"arn": ARN, "job_status": "Completed", "generation": 2, "observed_generation": 1},
        True,
    ),
    ("deleting with finalizer", {"deleting": True}, True),
    ("deleting without finalizer", {"deleting": True, "finalizers": ()}, False),
]


@pytest.mark.parametrize(
    ("kwargs", "expected"), [row[1:] for row in LOOKUP_TABLE], ids=[row[0] for row in LOOKUP_TABLE]
)
def test_needs_job_lookup_table(
    tuning_job: TuningJobFactory, kwargs: dict[str, object], expected: bool
) -> None:
    assert needs_job_lookup(tuning_job(**kwargs)) is expected


def test_name_conflict_adopts_own_job_and_refuses_foreign(tuning_job: TuningJobFactory) -> None:
    resource = tuning_job()
    assert decide_name_conflict(resource, job_name="n", found=Ownership.TAGGED).kind is ActionKind.ADOPT
    foreign = decide_name_conflict(resource, job_name="n", found=Ownership.FOREIGN)
    assert foreign.kind is ActionKind.STALL
    assert foreign.refusal is not None and foreign.refusal.reason == "JobNameInUse"
    assert "spec.hyperParameterTuningJobName" in foreign.refusal.message
    untagged = decide_name_conflict(resource, job_name="n", found=Ownership.UNPROVEN)
    assert untagged.refusal is not None and untagged.refusal.reason == "JobNameInUse"


def test_a_known_job_that_is_not_this_resources_is_disowned(tuning_job: TuningJobFactory) -> None:
    resource = tuning_job(arn=ARN, job_status="InProgress")
    for found in (Ownership.FOREIGN, Ownership.UNPROVEN):
        action = decide(
            resource, Observation(looked_up=True, job=JobState("InProgress", ARN), ownership=found)
        )
        assert action.kind is ActionKind.STALL and action.disown
        assert action.refusal is not None and action.refusal.reason == "JobNameInUse"


def test_refused_update_lists_changed_paths(tuning_job: TuningJobFactory) -> None:
    resource = tuning_job(arn=ARN, job_status="InProgress")
    action = decide(
        resource,
        Observation(
            looked_up=True, job=JobState("InProgress", ARN), delta=CHANGED, ownership=Ownership.RECORDED
        ),
    )
    assert action.refusal is not None and action.refusal.reason == "SpecUpdateRefused"
    assert (
        "spec.hyperParameterTuningJobConfig.resourceLimits.maxNumberOfTrainingJobs" in action.refusal.message
    )


def test_an_edit_of_an_ended_job_says_it_ended_and_how_to_run_the_new_spec(
    tuning_job: TuningJobFactory,
) -> None:
    resource = tuning_job(arn=ARN, job_status="Completed", generation=2, observed_generation=1)
    action = decide(resource, Observation(looked_up=True, job=JobState("Completed", ARN), delta=CHANGED))
    assert action.why == "the spec differs from the Completed job"
    assert action.refusal is not None and action.refusal.reason == "SpecUpdateRefused"
    assert "running" not in action.refusal.message
    assert action.refusal.message.startswith("the SageMaker tuning job already ended (Completed)")
    assert "delete the resource and apply it again" in action.refusal.message
    running = decide(
        tuning_job(arn=ARN, job_status="InProgress"),
        Observation(looked_up=True, job=JobState("InProgress", ARN), delta=CHANGED),
    )
    assert running.why == "the spec differs from the running job"


def test_invalid_spec_reason_and_message(tuning_job: TuningJobFactory) -> None:
    action = decide(tuning_job(), Observation(problems=("spec.a: must be set",)))
    assert action.refusal is not None and action.refusal.reason == "InvalidSpec"
    assert "spec.a: must be set" in action.refusal.message


JOB_STATUSES = st.sampled_from(
    [None, "SynchronizingK8sJobWithSageMaker", "InProgress", "Stopping", "Completed", "Failed", "Stopped"]
)


@settings(max_examples=300, deadline=None)
@given(
    job_status=JOB_STATUSES,
    has_arn=st.booleans(),
    deleting=st.booleans(),
    finalizers=st.sampled_from(
        [(), ("sagemaker.aws.amazon.com/hyperparametertuningjob",), (LEGACY_FINALIZER,)]
    ),
    generation=st.integers(1, 3),
    observed=st.one_of(st.none(), st.integers(1, 3)),
    retain=st.booleans(),
    problems=st.booleans(),
    policy=st.booleans(),
    observed_job=st.one_of(
        st.none(), st.sampled_from(["InProgress", "Stopping", "Completed", "Failed", "Stopped"])
    ),
    changed=st.booleans(),
)
def test_decide_invariants(
    job_status: str | None,
    has_arn: bool,
    deleting: bool,
    finalizers: tuple[str, ...],
    generation: int,
    observed: int | None,
    retain: bool,
    problems: bool,
    policy: bool,
    observed_job: str | None,
    changed: bool,
) -> None:
    resource = build_tuning_job(
        job_status=job_status,
        arn=ARN if has_arn else None,
        deleting=deleting,
        finalizers=finalizers,
        generation=generation,
        observed_generation=observed,
        annotations={"sagemaker.aws.amazon.com/deletion-policy": "retain"} if retain else None,
    )
    looked_up = needs_job_lookup(resource)
    observation = Observation(
        problems=("spec.x: bad",) if problems else (),
        policy=ROLE if policy else None,
        looked_up=looked_up,
        job=JobState(observed_job, ARN) if looked_up and observed_job else None,
        delta=CHANGED if changed else Delta(),
        ownership=Ownership.RECORDED if looked_up and observed_job else None,
    )
    action = decide(resource, observation)
    # A resource being deleted is never created, refused or refreshed; only deletion steps.
    if deleting:
        assert action.kind in {
            ActionKind.NOTHING,
            ActionKind.STOP,
            ActionKind.AWAIT_STOP,
            ActionKind.FINALIZE,
        }
        if retain:
            assert action.kind is not ActionKind.STOP
    # A job is created only when none is known, and never for a refused or invalid spec.
    if action.kind is ActionKind.CREATE:
        assert not has_arn and not problems and not policy and not deleting
    # Every stall says why, with a reason of the documented vocabulary.
    if action.kind in {ActionKind.STALL, ActionKind.REFUSE_UPDATE}:
        assert action.refusal is not None and action.refusal.message
    # Without a lookup there is no SageMaker knowledge: only create, stall, nothing.
    if not looked_up and not deleting:
        assert action.kind in {ActionKind.CREATE, ActionKind.STALL, ActionKind.NOTHING}


def legacy_resource(
    *, recorded: str, finalizers: tuple[str, ...] = (LEGACY_FINALIZER,), deleting: bool = False
) -> HyperparameterTuningJob:
    """As the legacy operator left it: the job name in the status, no ARN."""
    metadata: dict[str, object] = {
        "name": "xgboost-hpo",
        "namespace": "default",
        "uid": UID,
        "generation": 1,
        "finalizers": list(finalizers),
    }
    if deleting:
        metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return HyperparameterTuningJob.parse(
        {"metadata": metadata, "spec": {}, "status": {"sageMakerHyperParameterTuningJobName": recorded}}
    )


COMPUTED = derived_job_name(resource_name="xgboost-hpo", uid=UID)


def test_name_conflict_adopts_what_ownership_proves() -> None:
    # Which jobs are proven this resource's is core.ownership's table; decide follows it.
    for found in Ownership:
        action = decide_name_conflict(legacy_resource(recorded=COMPUTED), job_name=COMPUTED, found=found)
        assert (action.kind is ActionKind.ADOPT) is found.owned
        if not found.owned:
            assert action.refusal is not None and action.refusal.reason == "JobNameInUse"


def test_deleting_stops_only_a_proven_job() -> None:
    resource = legacy_resource(recorded=COMPUTED, deleting=True)
    for found in Ownership:
        observation = Observation(looked_up=True, job=JobState("InProgress", ARN), ownership=found)
        assert (decide(resource, observation).kind is ActionKind.STOP) is found.owned
    unjudged = Observation(looked_up=True, job=JobState("InProgress", ARN))
    assert decide(resource, unjudged).kind is ActionKind.FINALIZE
