"""Frozen settings of one `hpo-reconciler run`, from command-line flags and HPO_RECONCILER_* variables.

Contract:
- `Settings.from_sources(flags=..., environ=...)` merges, per field, the flag value (when the user
  gave one) over the environment variable `HPO_RECONCILER_<FIELD NAME UPPER-CASED>` over the
  default. List fields read comma-separated environment values; booleans accept 1/0, true/false,
  yes/no. An invalid value raises `SettingsError` with a one-line message naming the flag or
  variable (the CLI maps it to exit code 2).
- Settings are immutable; every module receives them explicitly.
Pure: reads only the mappings it is given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

ENV_PREFIX = "HPO_RECONCILER_"
DEFAULT_LEASE_NAME = "hpo-reconciler"
_SHARD = re.compile(r"^(\d+)/(\d+)$")
_AUTO_SHARD = re.compile(r"^auto/(\d+)$")
# Set by Kubernetes in every pod of an Indexed Job (batch/v1 Job, completionMode: Indexed).
COMPLETION_INDEX_VARIABLE = "JOB_COMPLETION_INDEX"


class SettingsError(ValueError):
    """A flag or environment variable has an unusable value."""


class Settings(BaseModel):
    """Everything one pass needs to know that is not in the cluster or in SageMaker."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    namespaces: tuple[str, ...] = ()
    """Namespaces to reconcile; empty means every namespace."""

    selector: str | None = None
    """Label selector restricting the HyperparameterTuningJob resources reconciled (`a=b,c!=d`)."""

    shard: tuple[int, int] = (0, 1)
    """(K, N): this process handles the resources whose stable UID hash modulo N equals K."""

    lease_per_shard: bool = False
    """Suffix the Lease name with `-K` so that each shard holds a Lease of its own. On by default with
    `--shard auto/N` (K from an Indexed Job's JOB_COMPLETION_INDEX): every pod of that Job has the
    same arguments, so they cannot name different Leases."""

    dry_run: bool = False
    """Read and decide, print the plan, write nothing to Kubernetes or SageMaker."""

    concurrency: int = Field(default=8, ge=1, le=256)
    """How many resources are reconciled at the same time (threads)."""

    lease: tuple[str, str] | None = None
    """(namespace, name) of the coordination Lease; None = the pod's namespace and `hpo-reconciler`."""

    use_lease: bool = True
    """Take the Lease so two runs never work at the same time (`--no-lease` turns it off)."""

    lease_duration_seconds: int = Field(default=300, ge=10)
    """How long a held Lease stays valid without renewal; the pass renews it at a third of this."""

    shutdown_grace_seconds: float = Field(default=20.0, ge=0)
    """After SIGTERM/SIGINT or a failed Lease renewal: how long resources in flight may take to finish
    before they are abandoned. Keep it below the pod's terminationGracePeriodSeconds (default 30)."""

    fail_on_error: bool = False
    """Exit 1 when some resource is Stalled after the pass."""

    log_format: Literal["text", "json"] = "text"
    """Output format of the action lines and the summary line."""

    kubeconfig: str | None = None
    """Path of a kubeconfig file; default: in-cluster config, else the usual kubeconfig lookup."""

    context: str | None = None
    """kubeconfig context to use."""

    allowed_role_arns: tuple[str, ...] = ()
    """Patterns of role ARNs a tuning job may pass (`*`/`?` stop at `/`, `**` does not; see core.policy).
    A namespace's allowed-role-arns annotation applies as well: a role must pass both, so it narrows."""

    allow_custom_endpoints: bool = False
    """Honour `spec.sageMakerEndpoint`; otherwise such resources become Stalled/EndpointNotAllowed."""

    adopt_legacy_named_jobs: bool = False
    """Migration only: also adopt an untagged job that a resource carrying the legacy operator's
    finalizer names by a name chosen by hand (not derived from its UID). A tenant can write that
    finalizer and that name, so this lets any namespace claim any untagged job: cluster admins turn
    it on for the migration window only (docs/migration.md)."""

    allow_foreign_warm_start_parents: bool = False
    """Let a tuning job warm-start from parents this reconciler did not create for its own namespace
    (another namespace's, or untagged ones). Off: a parent must carry `hpo-reconciler/namespace`
    equal to the resource's namespace, since a parent's results are that team's data."""

    heartbeat_seconds: int = Field(default=600, ge=0)
    """Rewrite the status of a running job whose lastCheckTime is older than this, even if unchanged."""

    retry_backoff_seconds: int = Field(default=30, ge=0)
    """First pause before a resource waiting for something that heals by itself (a warm-start parent,
    the account's tuning-job limit) is tried again; each pause then lasts as long as the wait so far,
    up to the heartbeat. 0: try on every pass."""

    retry_mode: Literal["standard", "adaptive"] = "standard"
    """botocore retry mode for SageMaker calls."""

    max_attempts: int = Field(default=5, ge=1, le=20)
    """botocore total attempts per SageMaker call (first try included)."""

    default_region: str | None = None
    """Region for resources without `spec.region`; None = boto3's default (AWS_DEFAULT_REGION...)."""

    page_size: int = Field(default=500, ge=1, le=1000)
    """`limit` of each Kubernetes list page (500, as client-go's pager: 10,000 resources in 20 lists)."""

    pushgateway: str | None = None
    """Base URL of a Prometheus Pushgateway the pass pushes its metrics to (docs/monitoring.md)."""

    metrics_textfile: str | None = None
    """Path of a node-exporter textfile (`*.prom`) the pass writes its metrics to, atomically."""

    metrics_max_resources: int = Field(default=100, ge=0, le=10000)
    """At most this many resources get per-resource metric series (Stalled and unfinished first)."""

    @field_validator("shard")
    @classmethod
    def _shard_in_range(cls, value: tuple[int, int]) -> tuple[int, int]:
        index, count = value
        if count < 1 or not 0 <= index < count:
            raise ValueError(f"shard {index}/{count}: need N >= 1 and 0 <= K < N")
        return value

    @model_validator(mode="after")
    def _lease_needs_both_parts(self) -> Settings:
        if self.lease is not None and not all(self.lease):
            raise ValueError("lease must be NAMESPACE/NAME")
        return self

    @classmethod
    def from_sources(
        cls, *, flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        """Flags (None = not given) over HPO_RECONCILER_* variables over defaults."""
        flags = flags or {}
        environ = environ or {}
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            env_name = ENV_PREFIX + name.upper()
            if flags.get(name) is not None:
                values[name] = _coerce(name, flags[name], source=f"--{name.replace('_', '-')}")
            elif env_name in environ:
                values[name] = _coerce(name, environ[env_name], source=env_name)
        if isinstance(values.get("shard"), str):  # auto/N: this pod's index in its Indexed Job
            values["shard"] = _job_index_shard(values["shard"], environ)
            values.setdefault("lease_per_shard", True)
        try:
            return cls(**values)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else "settings"
            message = str(first["msg"]).removeprefix("Value error, ")
            raise SettingsError(f"{field.replace('_', '-')}: {message}") from None


def parse_shard(text: str) -> tuple[int, int]:
    match = _SHARD.match(text.strip())
    if not match:
        raise SettingsError(f"shard {text!r}: expected K/N, e.g. 0/3, or auto/N in an Indexed Job")
    return int(match.group(1)), int(match.group(2))


def lease_name(settings: Settings, *, default_namespace: str) -> tuple[str, str]:
    """(namespace, name) of the Lease this run takes: `--lease` or the default, suffixed `-K` for the
    shard K of `--shard auto/N` (N pods with the same arguments must not hold one Lease)."""
    namespace, name = settings.lease or (default_namespace, DEFAULT_LEASE_NAME)
    if settings.lease_per_shard and settings.shard[1] > 1:
        name = f"{name}-{settings.shard[0]}"
    return namespace, name


def _job_index_shard(text: str, environ: Mapping[str, str]) -> tuple[int, int]:
    count = int(text.split("/", 1)[1])
    index_text = environ.get(COMPLETION_INDEX_VARIABLE)
    if index_text is None:
        raise SettingsError(
            f"shard {text}: {COMPLETION_INDEX_VARIABLE} is not set; `auto` works in the pods of an Indexed "
            "Job (completionMode: Indexed), elsewhere give K/N"
        )
    if not index_text.strip().isdigit():
        raise SettingsError(f"shard {text}: {COMPLETION_INDEX_VARIABLE}={index_text!r} is not a number")
    index = int(index_text)
    if count < 1 or index >= count:
        raise SettingsError(
            f"shard {text}: {COMPLETION_INDEX_VARIABLE}={index} is not below the shard count {count}; the "
            "Job's completions and parallelism must equal N"
        )
    return index, count


def parse_lease(text: str) -> tuple[str, str]:
    namespace, sep, name = text.strip().partition("/")
    if not sep or not namespace or not name or "/" in name:
        raise SettingsError(f"lease {text!r}: expected NAMESPACE/NAME")
    return namespace, name


_BOOLEANS = frozenset(
    {
        "dry_run",
        "use_lease",
        "fail_on_error",
        "allow_custom_endpoints",
        "adopt_legacy_named_jobs",
        "allow_foreign_warm_start_parents",
        "lease_per_shard",
    }
)


def _coerce(name: str, value: Any, *, source: str) -> Any:
    """Strings from the environment (or flags) into the field's shape; other values pass through."""
    if not isinstance(value, str):
        return tuple(value) if isinstance(value, list) else value
    if name in {"namespaces", "allowed_role_arns"}:
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if name == "shard":
        if _AUTO_SHARD.match(value.strip()):
            return value.strip()  # resolved against JOB_COMPLETION_INDEX by from_sources
        return parse_shard(value)
    if name == "lease":
        return parse_lease(value)
    if name in _BOOLEANS:
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise SettingsError(f"{source}: {value!r} is not a boolean (use true or false)")
    return value
