"""core/limits.py: a quota the request alone exceeds is permanent; a limit in use by others is not."""

from __future__ import annotations

from reconciler.core.limits import AccountLimit, quota_message, read_limit

# SageMaker's answers as users have reported them.
INSTANCE_QUOTA_ZERO = (
    "The account-level service limit 'ml.p3.2xlarge for training job usage' is 0 Instances, with current "
    "utilization of 0 Instances and a request delta of 1 Instances. Please use AWS Service Quotas to "
    "request an increase for this quota."
)
INSTANCES_IN_USE = (
    "The account-level service limit 'ml.p3.8xlarge for training job usage' is 2 Instances, with current "
    "utilization of 3 Instances and a request delta of 1 Instances. Please contact AWS support to request "
    "an increase for this limit."
)
CONCURRENT_TUNING_JOBS = (
    "The account-level service limit 'Number of concurrent hyperparameter tuning jobs' is 100 "
    "HyperParameterTuningJobs, with current utilization of 100 HyperParameterTuningJobs and a request "
    "delta of 1 HyperParameterTuningJobs."
)
OLDER_WORDING = (
    "The account-level service limit for training-job/ml.p2.xlarge is 0 Instances, with current "
    "utilization of 0 Instances and a request delta of 2 Instances."
)


def test_a_quota_of_zero_is_permanent() -> None:
    limit = read_limit(INSTANCE_QUOTA_ZERO)
    assert limit == AccountLimit("ml.p3.2xlarge for training job usage", 0, 0, 1, "Instances")
    assert limit.permanent
    message = quota_message(limit, INSTANCE_QUOTA_ZERO)
    assert message.startswith("SageMaker refused the tuning job: " + INSTANCE_QUOTA_ZERO)
    assert "request an increase of that quota in AWS Service Quotas" in message


def test_a_limit_used_by_other_jobs_heals_by_itself() -> None:
    for text in (INSTANCES_IN_USE, CONCURRENT_TUNING_JOBS):
        limit = read_limit(text)
        assert limit is not None and not limit.permanent, text


def test_the_older_wording_and_an_unreadable_message() -> None:
    older = read_limit(OLDER_WORDING)
    assert older is not None and older.name == "training-job/ml.p2.xlarge" and older.permanent
    assert read_limit("Rate exceeded") is None
