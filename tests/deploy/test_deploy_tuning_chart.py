"""The tuning-job Helm chart (issue 6; the user guide's `helm install . --generate-name`): rendered and
linted by Helm's engine over every values file in its ci/ folder, each rendering checked by
`hpo-reconciler validate` (CRD schema + SageMaker semantics), and the defaults render exactly the
user guide's job (samples/xgboost-mnist-hpo.yaml).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml

from tests.deploy.deploy_helpers import REPO, helm_lint, helm_notes, helm_render

CHART = REPO / "samples" / "charts" / "hyperparameter-tuning-jobs"
VALUES_FILES = sorted((CHART / "ci").glob("*-values.yaml"))
RELEASE = "chart-1574292948"  # what --generate-name gives, as in the user guide


def values_of(path: Path | None) -> dict[str, Any] | None:
    return None if path is None else dict(yaml.safe_load(path.read_text()))


def render_one(values: dict[str, Any] | None) -> dict[str, Any]:
    (manifest,) = helm_render(CHART, values=values, name=RELEASE, namespace="default")
    return manifest


def run_validate(path: Path) -> tuple[int, str]:
    """`hpo-reconciler validate PATH`, in process; returns the exit code and everything printed."""
    from reconciler import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.run(["validate", str(path)])
    return code, out.getvalue() + err.getvalue()


CASES = [None, *VALUES_FILES]
IDS = ["defaults"] + [p.stem for p in VALUES_FILES]


def test_ci_values_files_cover_the_documented_knobs() -> None:
    assert len(VALUES_FILES) >= 4
    specs = [render_one(values_of(p))["spec"] for p in VALUES_FILES]
    configs = [s["hyperParameterTuningJobConfig"] for s in specs]
    definitions = [s["trainingJobDefinition"] for s in specs]
    assert {c["strategy"] for c in configs} >= {"Bayesian", "Random", "Grid"}
    ranges = set().union(*(c.get("parameterRanges", {}).keys() for c in configs))
    assert ranges == {"integerParameterRanges", "continuousParameterRanges", "categoricalParameterRanges"}
    assert "Auto" in {c["trainingJobEarlyStoppingType"] for c in configs}
    assert any(d.get("enableManagedSpotTraining") for d in definitions)
    assert any(s.get("tags") for s in specs)
    assert {c["hyperParameterTuningJobObjective"]["type"] for c in configs} == {"Minimize", "Maximize"}


@pytest.mark.parametrize("values_file", CASES, ids=IDS)
def test_renders_one_tuning_job_and_lints_clean(values_file: Path | None) -> None:
    values = values_of(values_file)
    manifest = render_one(values)
    assert manifest["apiVersion"] == "sagemaker.aws.amazon.com/v1"
    assert manifest["kind"] == "HyperparameterTuningJob"
    assert helm_lint(CHART, values=values) == []
    spec = manifest["spec"]
    merged = {**yaml.safe_load((CHART / "values.yaml").read_text()), **(values or {})}
    definition = spec["trainingJobDefinition"]
    assert definition["roleArn"] == merged["roleArn"]
    assert definition["outputDataConfig"]["s3OutputPath"] == merged["s3OutputPath"]
    for channel in definition["inputDataConfig"]:
        uri = channel["dataSource"]["s3DataSource"]["s3Uri"]
        assert uri == merged["s3InputPath"].rstrip("/") + "/" + channel["channelName"] + "/"


@pytest.mark.parametrize("values_file", CASES, ids=IDS)
def test_every_rendering_passes_hpo_reconciler_validate(values_file: Path | None, tmp_path: Path) -> None:
    rendered = tmp_path / "tuning-job.yaml"
    rendered.write_text(yaml.safe_dump(render_one(values_of(values_file)), sort_keys=False))
    code, output = run_validate(rendered)
    assert code == 0, output


def test_validate_rejects_a_rendering_sagemaker_would_reject(tmp_path: Path) -> None:
    """The check above can fail: more parallel than total training jobs is refused by SageMaker."""
    values = {"resourceLimits": {"maxNumberOfTrainingJobs": 2, "maxParallelTrainingJobs": 5}}
    rendered = tmp_path / "tuning-job.yaml"
    rendered.write_text(yaml.safe_dump(render_one(values), sort_keys=False))
    code, output = run_validate(rendered)
    assert code == 1, output
    assert "maxParallelTrainingJobs" in output


def test_defaults_render_the_user_guide_sample() -> None:
    sample = yaml.safe_load((REPO / "samples" / "xgboost-mnist-hpo.yaml").read_text())
    assert render_one(None)["spec"] == sample["spec"]


def test_values_map_to_the_spec() -> None:
    values = values_of(CHART / "ci" / "spot-early-stopping-tags-values.yaml")
    manifest = render_one(values)
    spec = manifest["spec"]
    assert manifest["metadata"]["name"] == "mnist-spot"
    assert manifest["metadata"]["annotations"] == {
        "sagemaker.aws.amazon.com/deletion-policy": "retain",
        "sagemaker.aws.amazon.com/healthy-when": "submitted",
    }
    assert spec["hyperParameterTuningJobName"] == "mnist-spot-2026-11-28"
    assert spec["tags"] == [{"key": "cost-center", "value": "4711"}, {"key": "team", "value": "ml"}]
    definition = spec["trainingJobDefinition"]
    assert definition["enableManagedSpotTraining"] is True
    assert definition["checkpointConfig"] == {"s3Uri": "s3://ml-team-checkpoints/xgboost-mnist/"}
    assert definition["stoppingCondition"] == {"maxRuntimeInSeconds": 86400, "maxWaitTimeInSeconds": 172800}
    random = render_one(values_of(CHART / "ci" / "random-continuous-categorical-values.yaml"))["spec"]
    ranges = random["hyperParameterTuningJobConfig"]["parameterRanges"]
    assert ranges["continuousParameterRanges"][0] == {
        "name": "eta", "minValue": "0.01", "maxValue": "0.5", "scalingType": "Logarithmic"
    }
    assert ranges["continuousParameterRanges"][1]["maxValue"] == "1"  # an integral float, no "1e+00"
    assert ranges["categoricalParameterRanges"] == [{"name": "booster", "values": ["gbtree", "dart"]}]
    static = {p["name"]: p["value"] for p in random["trainingJobDefinition"]["staticHyperParameters"]}
    # A values file merges into the chart's map: overrides win, null drops a name, the rest stays.
    assert static["objective"] == "binary:logistic" and static["num_round"] == "200"
    assert "booster" not in static and static["base_score"] == "0.5"
    assert random["trainingJobDefinition"]["algorithmSpecification"]["metricDefinitions"] == [
        {"name": "validation:auc", "regex": "validation-auc:([0-9\\.]+)"}
    ]


def test_a_hyperparameter_both_static_and_tuned_fails_the_render() -> None:
    values = {"parameterRanges": {"categorical": [{"name": "booster", "values": ["gbtree", "dart"]}]}}
    with pytest.raises(helm_python.HelmRenderError, match=r"booster.*staticHyperParameters.*categorical"):
        render_one(values)


def test_large_integers_are_not_rendered_in_exponent_form() -> None:
    values = {"parameterRanges": {"integer": [{"name": "n", "minValue": 1, "maxValue": 10000000}]},
              "staticHyperParameters": {"seed": 123456789}}
    spec = render_one(values)["spec"]
    (integer_range,) = spec["hyperParameterTuningJobConfig"]["parameterRanges"]["integerParameterRanges"]
    assert integer_range["maxValue"] == "10000000"
    assert {"name": "seed", "value": "123456789"} in spec["trainingJobDefinition"]["staticHyperParameters"]


def test_values_schema_rejects_nonsense() -> None:
    with helm_python.Chart.load(CHART) as chart:
        for bad in ({"strategy": "Exhaustive"}, {"earlyStopping": "On"}, {"roleArn": "my-role"},
                    {"instance": {"count": 0}}, {"deletionPolicy": "orphan"}):
            with pytest.raises(helm_python.HelmValuesError):
                chart.validate_schema(chart.merge_values(bad))
        chart.validate_schema(chart.merge_values(None))


def test_notes_say_what_was_installed_and_how_to_watch_it() -> None:
    notes = helm_notes(CHART, name=RELEASE, namespace="default")
    assert "Thanks for installing the sagemaker-k8s-hyperparametertuningjob." in notes
    assert f"kubectl get hyperparametertuningjob {RELEASE} -n default" in notes
    assert f"-l sagemaker.aws.amazon.com/hyperparametertuningjob={RELEASE}" in notes
    assert "WARNING" in notes  # the defaults still hold the example role and bucket
    edited = helm_notes(CHART, values=values_of(VALUES_FILES[-1]), name=RELEASE, namespace="default")
    assert "WARNING" not in edited


def test_packaged_chart_leaves_the_ci_values_out(tmp_path: Path) -> None:
    import tarfile

    archive = helm_python.package(CHART, destination=tmp_path)
    with tarfile.open(archive) as packed:
        names = packed.getnames()
    assert any(n.endswith("templates/hyperparametertuningjob.yaml") for n in names)
    assert any(n.endswith("values.schema.json") for n in names)
    assert not any("/ci/" in n for n in names), names
