"""settings.py: flags over HPO_RECONCILER_* over defaults; bad values are one-line SettingsErrors."""

from __future__ import annotations

import pytest

from reconciler.core.settings import Settings, SettingsError, lease_name


def test_defaults() -> None:
    settings = Settings.from_sources()
    assert settings.concurrency == 8 and settings.shard == (0, 1) and settings.use_lease
    assert settings.heartbeat_seconds == 600 and settings.retry_mode == "standard"


def test_environment_then_flags() -> None:
    environ = {
        "HPO_RECONCILER_CONCURRENCY": "3",
        "HPO_RECONCILER_NAMESPACES": "a, b",
        "HPO_RECONCILER_ALLOW_CUSTOM_ENDPOINTS": "true",
        "HPO_RECONCILER_SHARD": "1/3",
    }
    settings = Settings.from_sources(environ=environ)
    assert settings.concurrency == 3 and settings.namespaces == ("a", "b")
    assert settings.allow_custom_endpoints and settings.shard == (1, 3)
    assert Settings.from_sources(flags={"concurrency": 5}, environ=environ).concurrency == 5


def test_settings_are_frozen() -> None:
    settings = Settings.from_sources()
    with pytest.raises(ValueError):
        settings.concurrency = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("flags", "environ", "fragment"),
    [
        ({"shard": "3/3"}, {}, "shard"),
        ({"shard": "x"}, {}, "K/N"),
        ({"lease": "nolease"}, {}, "NAMESPACE/NAME"),
        ({"concurrency": 0}, {}, "concurrency"),
        ({}, {"HPO_RECONCILER_DRY_RUN": "maybe"}, "HPO_RECONCILER_DRY_RUN"),
        ({}, {"HPO_RECONCILER_LOG_FORMAT": "xml"}, "log-format"),
    ],
)
def test_bad_values_are_settings_errors(
    flags: dict[str, object], environ: dict[str, str], fragment: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_sources(flags=flags, environ=environ)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_auto_shard_takes_the_index_of_the_indexed_job_and_a_lease_of_its_own() -> None:
    settings = Settings.from_sources(flags={"shard": "auto/3"}, environ={"JOB_COMPLETION_INDEX": "2"})
    assert settings.shard == (2, 3) and settings.lease_per_shard
    assert lease_name(settings, default_namespace="ops") == ("ops", "hpo-reconciler-2")
    from_env = Settings.from_sources(
        flags={"lease": "team/pass"},
        environ={"HPO_RECONCILER_SHARD": "auto/4", "JOB_COMPLETION_INDEX": "0"},
    )
    assert from_env.shard == (0, 4) and lease_name(from_env, default_namespace="x") == ("team", "pass-0")
    # A K/N given by hand keeps the Lease it names (one CronJob per shard, docs/install.md).
    manual = Settings.from_sources(flags={"shard": "1/3", "lease": "team/pass-b"})
    assert lease_name(manual, default_namespace="x") == ("team", "pass-b")
    assert lease_name(Settings.from_sources(), default_namespace="ops") == ("ops", "hpo-reconciler")
    environ = {"HPO_RECONCILER_LEASE_PER_SHARD": "true"}
    suffixed = Settings.from_sources(flags={"shard": "1/3"}, environ=environ)
    assert lease_name(suffixed, default_namespace="ops") == ("ops", "hpo-reconciler-1")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "JOB_COMPLETION_INDEX is not set"),
        ({"JOB_COMPLETION_INDEX": "3"}, "not below the shard count 3"),
        ({"JOB_COMPLETION_INDEX": "one"}, "is not a number"),
    ],
)
def test_auto_shard_without_a_usable_index_is_a_usage_error(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_sources(flags={"shard": "auto/3"}, environ=environ)
    with pytest.raises(SettingsError, match="K/N"):
        Settings.from_sources(flags={"shard": "auto"}, environ={"JOB_COMPLETION_INDEX": "0"})


def test_tenant_widening_switches_are_off_unless_the_admin_turns_them_on() -> None:
    # Both let one namespace reach jobs it did not create: only the process's flags or environment
    # (the admin's) may turn them on; nothing in a resource or namespace can.
    settings = Settings.from_sources()
    assert not settings.adopt_legacy_named_jobs and not settings.allow_foreign_warm_start_parents
    environ = {
        "HPO_RECONCILER_ADOPT_LEGACY_NAMED_JOBS": "yes",
        "HPO_RECONCILER_ALLOW_FOREIGN_WARM_START_PARENTS": "1",
    }
    on = Settings.from_sources(environ=environ)
    assert on.adopt_legacy_named_jobs and on.allow_foreign_warm_start_parents
    off = Settings.from_sources(flags={"adopt_legacy_named_jobs": False}, environ=environ)
    assert not off.adopt_legacy_named_jobs
