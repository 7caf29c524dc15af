"""The rules the executor used to decide itself, now in the core, as tables: inputs -> decision.

One table per rule: what to observe (`wants_spec`, `needs_policy_check`), which job is tracked and what
moved (`track`, `with_moved`), when the status names the job (`records_job_name`), what follows a
failed call (`after_failed_call`, `after_name_in_use`), which changes are events (`core.events`), and
the one reader of the recorded Stalled reason (`recorded_stall`).
"""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.core.decide import Action, ActionKind, JobState, needs_policy_check, wants_spec
from reconciler.core.delta import Delta
from reconciler.core.events import stall_warning_due, status_changed_due
from reconciler.core.followup import Answer, after_failed_call, after_name_in_use
from reconciler.core.model import ENDPOINT_ANNOTATION, FINALIZER, LEGACY_FINALIZER, HyperparameterTuningJob
from reconciler.core.naming import derived_job_name
from reconciler.core.ownership import Ownership
from reconciler.core.reasons import StalledReason, recorded_stall
from reconciler.core.tracking import Tracking, records_job_name, track, with_moved
from tests.unit.conftest import ARN, UID, TuningJobFactory, build_tuning_job, recorded

COMPUTED = derived_job_name(resource_name="xgboost-hpo", uid=UID)
CHANGED = Delta(paths=("hyperParameterTuningJobConfig.strategy",))

# -- generation gating: what to observe -------------------------------------------------------------

# (case, resource kwargs, recorded Stalled reason, wants the spec?)
RUNNING = recorded("InProgress", observed_generation=1)  # a running job whose generation was observed
WANTS_SPEC = [
    ("new resource: read it to create", {}, None, True),
    ("new resource stalled InvalidSpec: read it again", {}, "InvalidSpec", True),
    ("being deleted: never", {"deleting": True}, None, False),
    ("being deleted, no job: never", {"deleting": True, "arn": ARN}, None, False),
    ("running job, generation observed: not again", RUNNING, None, False),
    ("running job, generation not observed: compare", {**RUNNING, "generation": 2}, None, True),
    ("running job, refused update: checked until lifted", RUNNING, "SpecUpdateRefused", True),
    ("running job, spec invalid: checked until lifted", RUNNING, "InvalidSpec", True),
    ("running job stalled for another reason: not again", RUNNING, "JobNotFound", False),
    (
        "settled (terminal, observed): no lookup, no spec, even when refused",
        recorded("Completed", observed_generation=1),
        "SpecUpdateRefused",
        False,
    ),
    (
        "completed, spec edited since: compare",
        recorded("Completed", generation=2, observed_generation=1),
        None,
        True,
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "recorded", "expected"), [r[1:] for r in WANTS_SPEC], ids=[r[0] for r in WANTS_SPEC]
)
def test_wants_spec_table(
    tuning_job: TuningJobFactory, kwargs: dict[str, Any], recorded: str | None, expected: bool
) -> None:
    assert wants_spec(tuning_job(**kwargs), recorded_stall=recorded) is expected


# (case, resource kwargs, spec read, spec has problems, check the policies?)
POLICY_CHECK = [
    ("new resource, valid spec", {}, True, False, True),
    ("new resource, invalid spec: InvalidSpec first", {}, True, True, False),
    ("spec not read", {}, False, False, False),
    ("job exists: a later policy does not touch it", {"arn": ARN}, True, False, False),
]


@pytest.mark.parametrize(
    ("kwargs", "spec_read", "problems", "expected"),
    [r[1:] for r in POLICY_CHECK],
    ids=[r[0] for r in POLICY_CHECK],
)
def test_needs_policy_check_table(
    tuning_job: TuningJobFactory, kwargs: dict[str, Any], spec_read: bool, problems: bool, expected: bool
) -> None:
    assert needs_policy_check(tuning_job(**kwargs), spec_read=spec_read, problems=problems) is expected


# -- name / region / endpoint drift ---------------------------------------------------------------


def resource(
    *,
    spec: dict[str, Any] | None = None,
    arn: str | None = None,
    recorded_name: str | None = None,
    finalizers: tuple[str, ...] = (FINALIZER,),
    endpoint_annotation: str | None = None,
) -> HyperparameterTuningJob:
    annotations = {ENDPOINT_ANNOTATION: endpoint_annotation} if endpoint_annotation is not None else {}
    status: dict[str, Any] = {}
    if arn:
        status["hyperParameterTuningJobArn"] = arn
    if recorded_name:
        status["sageMakerHyperParameterTuningJobName"] = recorded_name
    metadata = {
        "name": "xgboost-hpo",
        "namespace": "default",
        "uid": UID,
        "generation": 1,
        "finalizers": list(finalizers),
        "annotations": annotations,
    }
    return HyperparameterTuningJob.parse({"metadata": metadata, "spec": spec or {}, "status": status})


EAST = "arn:aws:sagemaker:us-east-2:123456789012:hyper-parameter-tuning-job/j"
WEST = "us-west-2"
LOCAL = "http://sagemaker.local:9000"

# (case, resource, allow custom endpoints, expected tracking)
TRACK = [
    ("new: the computed name, the default region", resource(), False, Tracking(COMPUTED, "eu-west-1", None)),
    (
        "new: the requested name, the spec's region",
        resource(spec={"hyperParameterTuningJobName": "mine", "region": WEST}),
        False,
        Tracking("mine", WEST, None),
    ),
    (
        "new: a custom endpoint is dropped unless allowed",
        resource(spec={"sageMakerEndpoint": LOCAL}),
        False,
        Tracking(COMPUTED, "eu-west-1", None),
    ),
    (
        "new: a custom endpoint, allowed",
        resource(spec={"sageMakerEndpoint": LOCAL}),
        True,
        Tracking(COMPUTED, "eu-west-1", LOCAL),
    ),
    (
        "recorded: the recorded job, the ARN's region; nothing moved",
        resource(spec={"region": "us-east-2"}, arn=EAST, recorded_name=COMPUTED),
        False,
        Tracking(COMPUTED, "us-east-2", None),
    ),
    (
        "recorded: another requested name moved",
        resource(spec={"hyperParameterTuningJobName": "other"}, arn=EAST, recorded_name=COMPUTED),
        False,
        Tracking(COMPUTED, "us-east-2", None, frozenset({"hyperParameterTuningJobName"})),
    ),
    (
        "recorded: another region moved; calls still go to the job's",
        resource(spec={"region": WEST}, arn=EAST, recorded_name=COMPUTED),
        False,
        Tracking(COMPUTED, "us-east-2", None, frozenset({"region"})),
    ),
    (
        "recorded through the default endpoint: a spec endpoint moved",
        resource(spec={"sageMakerEndpoint": LOCAL}, arn=EAST, recorded_name=COMPUTED),
        True,
        Tracking(COMPUTED, "us-east-2", None, frozenset({"sageMakerEndpoint"})),
    ),
    (
        "recorded through an endpoint: the spec dropping it moved; calls still go there",
        resource(arn=EAST, recorded_name=COMPUTED, endpoint_annotation=LOCAL),
        True,
        Tracking(COMPUTED, "us-east-2", LOCAL, frozenset({"sageMakerEndpoint"})),
    ),
    (
        "legacy job (creation endpoint unknown): the spec's endpoint, nothing moved",
        resource(
            spec={"sageMakerEndpoint": LOCAL},
            arn=EAST,
            recorded_name=COMPUTED,
            finalizers=(LEGACY_FINALIZER,),
        ),
        True,
        Tracking(COMPUTED, "us-east-2", LOCAL),
    ),
    (
        "recorded ARN without a recorded name: the computed name",
        resource(arn=EAST),
        False,
        Tracking(COMPUTED, "us-east-2", None),
    ),
]


@pytest.mark.parametrize(("res", "allow", "expected"), [r[1:] for r in TRACK], ids=[r[0] for r in TRACK])
def test_track_table(res: HyperparameterTuningJob, allow: bool, expected: Tracking) -> None:
    assert track(res, default_region="eu-west-1", allow_custom_endpoints=allow) == expected


def test_moved_fields_join_the_delta_sorted_once() -> None:
    assert with_moved(Delta(), ()) == Delta()
    assert with_moved(CHANGED, ()) is CHANGED
    assert with_moved(Delta(paths=("region", "x")), {"region", "sageMakerEndpoint"}).paths == (
        "region",
        "sageMakerEndpoint",
        "x",
    )


# (case, job recorded, created or adopted this pass, disowned this pass, status names the job?)
RECORDS_NAME = [
    ("refused before any call (InvalidSpec, policy): no name", False, False, False, False),
    ("rejected create, or the name is another job's: no name", False, False, False, False),
    ("created or adopted this pass: named", False, True, False, True),
    ("job recorded: named", True, False, False, True),
    ("recorded job found not to be this resource's: no name", True, False, True, False),
]


@pytest.mark.parametrize(
    ("known", "created", "disowned", "expected"),
    [r[1:] for r in RECORDS_NAME],
    ids=[r[0] for r in RECORDS_NAME],
)
def test_records_job_name_table(known: bool, created: bool, disowned: bool, expected: bool) -> None:
    assert records_job_name(known=known, created_or_adopted=created, disowned=disowned) is expected


# -- after a failed call ----------------------------------------------------------------------------

CREATE = Action(ActionKind.CREATE, "no SageMaker job yet")
STOP = Action(ActionKind.STOP, "being deleted while the job runs")
REFRESH = Action(ActionKind.REFRESH, "job is InProgress")

# (case, action, answer, expected kind, retry, Stalled reason)
AFTER_FAILED_CALL = [
    ("create rejected: Stalled", CREATE, Answer.REJECTED, ActionKind.STALL, False, "RejectedBySageMaker"),
    (
        "create over the whole quota: Stalled",
        CREATE,
        Answer.QUOTA_TOO_LOW,
        ActionKind.STALL,
        False,
        "QuotaTooLow",
    ),
    (
        "create, name taken: look up its owner",
        CREATE,
        Answer.NAME_IN_USE,
        ActionKind.LOOK_UP_OWNER,
        False,
        None,
    ),
    ("create, not found: no rule", CREATE, Answer.NOT_FOUND, None, False, None),
    ("stop, job gone: finalize", STOP, Answer.NOT_FOUND, ActionKind.FINALIZE, False, None),
    ("stop rejected (job ended meanwhile): retry", STOP, Answer.REJECTED, ActionKind.STOP, True, None),
    ("stop, name in use: no rule", STOP, Answer.NAME_IN_USE, None, False, None),
    ("create, account job limit reached: wait", CREATE, Answer.LIMIT_EXCEEDED, ActionKind.WAIT, False, None),
    ("refresh rejected: no rule", REFRESH, Answer.REJECTED, None, False, None),
]


@pytest.mark.parametrize(
    ("action", "answer", "kind", "retry", "reason"),
    [r[1:] for r in AFTER_FAILED_CALL],
    ids=[r[0] for r in AFTER_FAILED_CALL],
)
def test_after_failed_call_table(
    tuning_job: TuningJobFactory,
    action: Action,
    answer: Answer,
    kind: ActionKind | None,
    retry: bool,
    reason: str | None,
) -> None:
    follow = after_failed_call(tuning_job(), action, answer, detail="1 validation error detected")
    if kind is None:
        assert follow is None
        return
    assert follow is not None and follow.kind is kind and follow.retry is retry
    assert (follow.refusal.reason if follow.refusal else None) == reason
    if follow.refusal is not None:  # the user learns SageMaker's words and what to do
        assert "1 validation error detected" in follow.refusal.message
        # A quota's detail is core.limits.quota_message, which already says what to do.
        if reason != "QuotaTooLow":
            assert "fix the spec" in follow.refusal.message


# (case, resource kwargs, job visible, whose it is, delta, expected kind, retry, Stalled reason)
AFTER_NAME_IN_USE: list[
    tuple[str, dict[str, Any], bool, Ownership | None, Delta, ActionKind, bool, str | None]
] = [
    ("no job visible yet: retry", {}, False, None, Delta(), ActionKind.CREATE, True, None),
    ("our uid tag, in sync: adopt", {}, True, Ownership.TAGGED, Delta(), ActionKind.ADOPT, False, None),
    (
        "our uid tag, spec changed since: adopt and refuse",
        {},
        True,
        Ownership.TAGGED,
        CHANGED,
        ActionKind.REFUSE_UPDATE,
        False,
        "SpecUpdateRefused",
    ),
    (
        "another uid tag: Stalled",
        {},
        True,
        Ownership.FOREIGN,
        Delta(),
        ActionKind.STALL,
        False,
        "JobNameInUse",
    ),
    (
        "another uid tag and a delta: Stalled, not refused",
        {},
        True,
        Ownership.FOREIGN,
        CHANGED,
        ActionKind.STALL,
        False,
        "JobNameInUse",
    ),
    (
        "untagged, not the legacy operator's: Stalled",
        {},
        True,
        Ownership.UNPROVEN,
        Delta(),
        ActionKind.STALL,
        False,
        "JobNameInUse",
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "visible", "owner", "delta", "kind", "retry", "reason"),
    [r[1:] for r in AFTER_NAME_IN_USE],
    ids=[r[0] for r in AFTER_NAME_IN_USE],
)
def test_after_name_in_use_table(
    tuning_job: TuningJobFactory,
    kwargs: dict[str, Any],
    visible: bool,
    owner: Ownership | None,
    delta: Delta,
    kind: ActionKind,
    retry: bool,
    reason: str | None,
) -> None:
    job = JobState("InProgress", ARN) if visible else None
    action = after_name_in_use(tuning_job(**kwargs), job=job, ownership=owner, job_name="n", delta=delta)
    assert action.kind is kind and action.retry is retry
    assert (action.refusal.reason if action.refusal else None) == reason
    if kind is ActionKind.REFUSE_UPDATE:
        assert action.delta == delta


def test_a_recheck_that_finds_the_name_free_creates_now(tuning_job: TuningJobFactory) -> None:
    action = after_name_in_use(
        tuning_job(), job=None, ownership=None, job_name="n", delta=Delta(), recheck=True
    )
    assert action.kind is ActionKind.CREATE and not action.retry


# -- events on transitions only ---------------------------------------------------------------------

# (case, reason recorded before, reason decided now, Warning due?)
STALL_WARNING = [
    ("not stalled before", None, "InvalidSpec", True),
    ("another reason before", "JobNameInUse", "InvalidSpec", True),
    ("same reason again (a rejected create retried)", "RejectedBySageMaker", "RejectedBySageMaker", False),
    ("same reason again (the name still taken)", "JobNameInUse", "JobNameInUse", False),
]


@pytest.mark.parametrize(
    ("before", "after", "expected"), [r[1:] for r in STALL_WARNING], ids=[r[0] for r in STALL_WARNING]
)
def test_stall_warning_table(before: str | None, after: str, expected: bool) -> None:
    assert stall_warning_due(before, after) is expected
    assert stall_warning_due(before, StalledReason(after)) is expected  # the enum is the wire string


# (case, status written, job status before, job status now, StatusChanged due?)
STATUS_CHANGED = [
    ("written, status changed", True, "InProgress", "Completed", True),
    ("written (heartbeat), same status", True, "InProgress", "InProgress", False),
    ("not written (refused or unchanged)", False, "InProgress", "Completed", False),
    ("first status", True, None, "InProgress", True),
]


def test_an_adoption_is_reported_as_adopted_not_as_a_status_change() -> None:
    assert status_changed_due(wrote=True, before=None, after="InProgress", adopted=True) is False


@pytest.mark.parametrize(
    ("wrote", "before", "after", "expected"),
    [r[1:] for r in STATUS_CHANGED],
    ids=[r[0] for r in STATUS_CHANGED],
)
def test_status_changed_table(wrote: bool, before: str | None, after: str, expected: bool) -> None:
    assert status_changed_due(wrote=wrote, before=before, after=after) is expected


# -- the one reader of the recorded Stalled reason ------------------------------------------------

# (case, status as stored, reason)
RECORDED_STALL = [
    ("no status", None, None),
    ("status of the wrong shape", ["x"], None),
    ("no conditions", {}, None),
    ("conditions of the wrong shape", {"conditions": "x"}, None),
    (
        "Stalled True",
        {"conditions": [{"type": "Stalled", "status": "True", "reason": "InvalidSpec"}]},
        "InvalidSpec",
    ),
    (
        "Stalled False",
        {"conditions": [{"type": "Stalled", "status": "False", "reason": "InvalidSpec"}]},
        None,
    ),
    ("Stalled True without a reason", {"conditions": [{"type": "Stalled", "status": "True"}]}, None),
    (
        "a reason of another writer is kept as written",
        {
            "conditions": [
                "junk",
                {"type": "Ready"},
                {"type": "Stalled", "status": "True", "reason": "Legacy"},
            ]
        },
        "Legacy",
    ),
]


@pytest.mark.parametrize(
    ("status", "expected"), [r[1:] for r in RECORDED_STALL], ids=[r[0] for r in RECORDED_STALL]
)
def test_recorded_stall_table(status: Any, expected: str | None) -> None:
    assert recorded_stall(status) == expected


def test_stalled_reasons_are_the_wire_strings() -> None:
    wire = {
        "InvalidSpec",
        "SpecUpdateRefused",
        "JobNameInUse",
        "RejectedBySageMaker",
        "QuotaTooLow",
        "JobNotFound",
        "RoleNotAllowed",
        "EndpointNotAllowed",
        "WarmStartParentNotAllowed",
        "JobFailed",
        "JobStopped",
    }
    assert {str(reason) for reason in StalledReason} == wire
    assert all(f"{reason}" == reason.value for reason in StalledReason)
    resource = build_tuning_job(stalled_reason=StalledReason.JOB_NAME_IN_USE)
    assert resource.status.to_api()["conditions"][0]["reason"] == "JobNameInUse"
