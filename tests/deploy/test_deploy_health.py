"""Health checks for GitOps tools (issue 6): the Argo CD Lua script run by a real Lua 5.1 interpreter
(lupa; Argo CD's gopher-lua is 5.1) and the Flux healthCheckExprs evaluated by a real CEL engine,
over one fixture table covering every combination of the conditions hpo-reconciler writes, deletion,
generation drift, the job name and the healthy-when annotation. Both must agree with the rules of
README's "What a resource shows" (`expected_health` below states them once) and so with each other.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import cel
import lupa.lua51 as lua51
import pytest
import yaml

from reconciler.tools import healthgen
from tests.deploy.deploy_helpers import CRONJOB

ARGOCD = CRONJOB / "argocd"
FLUX = CRONJOB / "flux"
ANNOTATION = "sagemaker.aws.amazon.com/healthy-when"
KINDS = {
    "HyperparameterTuningJob": ("sageMakerHyperParameterTuningJobName", "hyperParameterTuningJobStatus"),
    "TrainingJob": ("sageMakerTrainingJobName", "trainingJobStatus"),
}
FLUX_TO_ARGO = {"InProgress": "Progressing", "Failed": "Degraded", "Current": "Healthy"}


@dataclass(frozen=True)
class Fixture:
    kind: str
    deleting: bool
    status: str  # "absent" | "no-conditions" | "conditions"
    generation_observed: bool
    ready: str | None  # None = condition absent
    reconciling: str | None
    stalled: str | None
    job_submitted: bool
    healthy_when: str | None  # annotation value, None = no annotation

    def resource(self) -> dict[str, Any]:
        name_field, status_field = KINDS[self.kind]
        metadata: dict[str, Any] = {"name": "xgboost-mnist-hpo", "namespace": "ml-team", "generation": 3}
        if self.deleting:
            metadata["deletionTimestamp"] = "2026-11-28T05:00:00Z"
            metadata["finalizers"] = ["sagemaker.aws.amazon.com/hyperparametertuningjob"]
        if self.healthy_when is not None:
            metadata["annotations"] = {ANNOTATION: self.healthy_when, "team": "ml"}
        resource: dict[str, Any] = {
            "apiVersion": "sagemaker.aws.amazon.com/v1", "kind": self.kind, "metadata": metadata, "spec": {},
        }
        if self.status == "absent":
            return resource
        status: dict[str, Any] = {"observedGeneration": 3 if self.generation_observed else 2}
        if self.job_submitted:
            status[name_field] = "xgboosth92f5e3cf07b11e9bf6c06d6"
            status[status_field] = "InProgress"
        if self.status == "conditions":
            conditions = []
            for type_, value in (("Ready", self.ready), ("Reconciling", self.reconciling),
                                 ("Stalled", self.stalled)):
                if value is not None:
                    conditions.append({
                        "type": type_, "status": value, "reason": f"{type_}Reason",
                        "message": f"{type_} says {value}", "lastTransitionTime": "2026-11-28T04:00:00Z",
                        "observedGeneration": status["observedGeneration"],
                    })
            status["conditions"] = conditions
        resource["status"] = status
        return resource


def fixtures() -> Iterator[Fixture]:
    for kind, deleting, generation_observed, job_submitted, healthy_when in itertools.product(
        KINDS, (False, True), (True, False), (True, False), (None, "submitted", "completed")
    ):
        for status in ("absent", "no-conditions"):
            yield Fixture(kind, deleting, status, generation_observed, None, None, None, job_submitted,
                          healthy_when)
        for ready, reconciling, stalled in itertools.product(
            (None, "True", "False", "Unknown"), (None, "True", "False"), (None, "True", "False")
        ):
            yield Fixture(kind, deleting, "conditions", generation_observed, ready, reconciling, stalled,
                          job_submitted, healthy_when)


FIXTURES = list(fixtures())


def expected_health(fixture: Fixture, *, default_healthy_when: str = "completed") -> str:
    """The conditions' meaning, in Argo CD's words."""
    if fixture.deleting or fixture.status != "conditions" or not fixture.generation_observed:
        return "Progressing"
    if fixture.stalled == "True":
        return "Degraded"
    if fixture.ready == "True":
        return "Healthy"
    if fixture.ready == "False" and fixture.reconciling != "True":
        return "Degraded"  # nothing is working on it: a failed or stopped training job
    if (fixture.healthy_when or default_healthy_when) == "submitted" and fixture.job_submitted:
        return "Healthy"
    return "Progressing"


# ------------------------------------------------------------------------------------------ Argo CD


@cache
def lua_runtime() -> Any:
    return lua51.LuaRuntime(unpack_returned_tuples=True)


def argo_health(script: str, resource: Mapping[str, Any]) -> tuple[str, str]:
    """Run a health.lua the way Argo CD does: `obj` global, the chunk returns {status, message}."""
    runtime = lua_runtime()
    runtime.globals().obj = runtime.table_from(resource, recursive=True)
    result = runtime.execute(script)
    return str(result["status"]), str(result["message"])


def read(name: str) -> str:
    return (ARGOCD / name).read_text()


def patched_script(patch: str) -> str:
    """The health script an argocd-cm patch installs (the same for both kinds, checked below)."""
    data = yaml.safe_load(read(patch))["data"]
    (script,) = set(data.values())
    return str(script)


def test_fixture_table_covers_every_outcome() -> None:
    outcomes = {expected_health(f) for f in FIXTURES}
    assert outcomes == {"Progressing", "Degraded", "Healthy"}
    assert len(FIXTURES) > 1000


def test_lua_health_matches_the_rules_on_every_fixture() -> None:
    script = read("health.lua")
    mismatches = []
    for fixture in FIXTURES:
        status, message = argo_health(script, fixture.resource())
        if status != expected_health(fixture):
            mismatches.append((fixture, status, message))
        assert message, fixture
    assert mismatches == []


def test_lua_submitted_variant_matches_the_rules_on_every_fixture() -> None:
    script = patched_script("argocd-cm-health-submitted.yaml")
    mismatches = [
        (fixture, got)
        for fixture in FIXTURES
        if (got := argo_health(script, fixture.resource())[0])
        != expected_health(fixture, default_healthy_when="submitted")
    ]
    assert mismatches == []


def test_submitted_variant_differs_only_in_its_default() -> None:
    default = read("health.lua").splitlines()
    variant = patched_script("argocd-cm-health-submitted.yaml").splitlines()
    differing = [(a, b) for a, b in zip(default, variant, strict=True) if a != b]
    assert differing == [
        ('local HEALTHY_WHEN_DEFAULT = "completed"', 'local HEALTHY_WHEN_DEFAULT = "submitted"')
    ]


def test_lua_messages_say_why() -> None:
    script = read("health.lua")
    stalled = Fixture("HyperparameterTuningJob", False, "conditions", True, "False", None, "True", True, None)
    resource = stalled.resource()
    resource["status"]["conditions"][1].update(reason="SpecUpdateRefused", message="revert spec.x")
    assert argo_health(script, resource) == ("Degraded", "SpecUpdateRefused: revert spec.x")
    submitted = Fixture("TrainingJob", False, "conditions", True, "Unknown", "True", None, True, "submitted")
    status, message = argo_health(script, submitted.resource())
    assert status == "Healthy" and "xgboosth92f5e3cf07b11e9bf6c06d6" in message and "InProgress" in message
    hpo = "HyperparameterTuningJob"
    running = Fixture(hpo, False, "conditions", True, "Unknown", "True", None, True, None)
    assert argo_health(script, running.resource()) == (
        "Progressing", "ReconcilingReason: Reconciling says True"
    )
    deleting = Fixture("HyperparameterTuningJob", True, "conditions", True, "True", None, None, True, None)
    assert "deleted" in argo_health(script, deleting.resource())[1]
    stale = Fixture("HyperparameterTuningJob", False, "conditions", False, "True", None, None, True, None)
    assert argo_health(script, stale.resource()) == (
        "Progressing", "Waiting for hpo-reconciler to observe generation 3"
    )


def test_argocd_cm_patches_carry_the_script_verbatim() -> None:
    source = read("health.lua")
    for patch, script in (("argocd-cm-health.yaml", source),
                          ("argocd-cm-health-submitted.yaml", healthgen.script_for(source, "submitted"))):
        configmap = yaml.safe_load(read(patch))
        assert configmap["metadata"] == {"name": "argocd-cm", "namespace": "argocd"}
        assert configmap["data"] == {
            f"resource.customizations.health.sagemaker.aws.amazon.com_{kind}": script for kind in KINDS
        }


def test_committed_patches_are_what_healthgen_writes(tmp_path: Path) -> None:
    assert healthgen.main(["--dir", str(ARGOCD), "--check"]) == 0
    (tmp_path / "health.lua").write_text(read("health.lua").replace("Progressing", "Pending"))
    for name, text in healthgen.render(read("health.lua")).items():
        (tmp_path / name).write_text(text)
    assert healthgen.main(["--dir", str(tmp_path), "--check"]) == 1  # an edit of the source is noticed


def test_healthgen_refuses_a_source_without_its_default_line() -> None:
    with pytest.raises(healthgen.SourceError):
        healthgen.render(read("health.lua").replace("HEALTHY_WHEN_DEFAULT = ", "HEALTHY_WHEN = "))


# --------------------------------------------------------------------------------------------- Flux


@cache
def flux_programs() -> dict[str, dict[str, Any]]:
    kustomization = yaml.safe_load((FLUX / "tuning-jobs.yaml").read_text())
    programs: dict[str, dict[str, Any]] = {}
    for check in kustomization["spec"]["healthCheckExprs"]:
        assert check["apiVersion"] == "sagemaker.aws.amazon.com/v1"
        programs[check["kind"]] = {
            field: cel.compile(check[field])
            for field in ("inProgress", "failed", "current")
            if field in check
        }
    return programs


def flux_health(resource: Mapping[str, Any]) -> tuple[str, list[str]]:
    """kustomize-controller's evaluation: the object's top-level fields are the CEL variables;
    inProgress, failed, current in order, the first true one wins; none true -> InProgress.
    An expression that cannot be evaluated makes Flux wait, i.e. InProgress; the errors are returned."""
    errors: list[str] = []
    for field, verdict in (("inProgress", "InProgress"), ("failed", "Failed"), ("current", "Current")):
        program = flux_programs()[resource["kind"]].get(field)
        if program is None:
            continue
        try:
            result = program.execute(dict(resource))
        except (RuntimeError, ValueError, TypeError) as error:
            errors.append(f"{field}: {error}")
            return "InProgress", errors
        assert isinstance(result, bool), f"{field} returned {result!r}"
        if result:
            return verdict, errors
    return "InProgress", errors


def test_flux_expressions_exist_for_both_kinds() -> None:
    assert set(flux_programs()) == set(KINDS)
    for programs in flux_programs().values():
        assert set(programs) == {"inProgress", "failed", "current"}


def test_flux_cel_matches_the_rules_on_every_fixture() -> None:
    mismatches = []
    for fixture in FIXTURES:
        verdict, errors = flux_health(fixture.resource())
        if FLUX_TO_ARGO[verdict] != expected_health(fixture):
            mismatches.append((fixture, verdict, errors))
        # Only an object with no status at all (not yet reconciled) can make an expression fail to
        # evaluate, and then Flux waits, which is what in progress means anyway.
        if errors:
            assert fixture.status == "absent" and not fixture.deleting, (fixture, errors)
    assert mismatches == []


def test_flux_and_argo_agree_on_every_fixture() -> None:
    script = read("health.lua")
    disagreements = [
        fixture for fixture in FIXTURES
        if FLUX_TO_ARGO[flux_health(fixture.resource())[0]] != argo_health(script, fixture.resource())[0]
    ]
    assert disagreements == []


def test_flux_example_waits_with_submitted_semantics() -> None:
    kustomization = yaml.safe_load((FLUX / "tuning-jobs.yaml").read_text())
    spec = kustomization["spec"]
    assert spec["wait"] is True and spec["prune"] is True
    assert spec["commonMetadata"]["annotations"] == {ANNOTATION: "submitted"}


@pytest.mark.parametrize("probe", [
    "status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')",
])
def test_cel_engine_is_really_evaluating(probe: str) -> None:
    program = cel.compile(probe)
    assert program.execute({"status": {"conditions": [{"type": "Ready", "status": "True"}]}}) is True
    assert program.execute({"status": {"conditions": [{"type": "Ready", "status": "False"}]}}) is False
