"""`hpo-reconciler validate` end to end: output lines, JSON, requests, exit codes, hostile input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml
from botocore.validate import ParamValidator

from reconciler import awsmodel
from reconciler.cli import run

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
MAIN_SAMPLE = SAMPLES / "xgboost-mnist-hpo.yaml"

CONSOLE_SCRIPT = Path(sys.executable).parent / "hpo-reconciler"


SUMMARY = re.compile(r"^\d+ file\(s\), \d+ document\(s\) checked: ")


def validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    """(exit code, the problem lines of stdout, the summary line followed by stderr).

    In text mode the summary is stdout's last line, after the problems; it is split off here so
    that tests compare the problem lines alone.
    """
    code = run(["validate", *args])
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    if "json" in args or (code == 2 and not out):  # JSON, or nothing examined (unusable CRDs)
        return code, out, captured.err
    assert out and SUMMARY.match(out[-1]), f"the summary is not stdout's last line: {out}"
    return code, out[:-1], out[-1] + "\n" + captured.err


def main_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(MAIN_SAMPLE.read_text())
    return document


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def validate_with_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], **limits: Any
) -> tuple[int, list[str], str]:
    """`validate` the main sample, its resourceLimits members set to `limits`, written as x.yaml."""
    document = main_document()
    document["spec"]["hyperParameterTuningJobConfig"]["resourceLimits"].update(limits)
    return validate(capsys, str(write(tmp_path, "x.yaml", yaml.safe_dump(document))))


def test_valid_samples_exit_0_and_print_nothing_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = validate(capsys, str(SAMPLES))
    assert (code, out) == (0, [])
    assert "7 document(s) checked: 7 valid, 0 invalid" in err
    assert "skipped Helm chart" in err  # samples/charts holds templates, not manifests
    # ... and the summary counts what it skipped (it said "0 skipped" next to that note).
    assert "0 document(s) and 1 Helm chart(s) skipped" in err.splitlines()[0]


def test_problems_are_one_line_each_with_file_document_path_and_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = main_document()
    limits = bad["spec"]["hyperParameterTuningJobConfig"]["resourceLimits"]
    limits["maxNumberOfTrainingJobs"] = 0  # schema (minimum), and then maxParallel > maxNumber (semantics)
    bad["spec"]["trainingJobDefinition"]["resourceConfig"]["instanceCount"] = "1"  # schema (type)
    path = write(tmp_path, "bad.yaml", yaml.safe_dump(main_document()) + "---\n---\n" + yaml.safe_dump(bad))
    code, out, _ = validate(capsys, str(path))
    assert code == 1
    prefix = f"{path}:2: "  # documents count from 0; the empty document 1 is skipped as kubectl does
    limits_path = "spec.hyperParameterTuningJobConfig.resourceLimits"
    assert out == [
        f"{prefix}{limits_path}.maxNumberOfTrainingJobs: Invalid value: 0: "
        f"{limits_path}.maxNumberOfTrainingJobs in body should be greater than or equal to 1",
        f'{prefix}spec.trainingJobDefinition.resourceConfig.instanceCount: Invalid value: "string": '
        'spec.trainingJobDefinition.resourceConfig.instanceCount in body must be of type integer: "string"',
        f"{prefix}{limits_path}.maxParallelTrainingJobs: maxParallelTrainingJobs (10) is greater than "
        "maxNumberOfTrainingJobs (0): lower maxParallelTrainingJobs to at most 0 or raise "
        "maxNumberOfTrainingJobs",
    ]


def test_semantic_problems_are_reported_with_their_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = validate_with_limits(tmp_path, capsys, maxParallelTrainingJobs=11)
    assert code == 1
    assert out == [
        f"{tmp_path / 'x.yaml'}:0: spec.hyperParameterTuningJobConfig.resourceLimits."
        "maxParallelTrainingJobs: maxParallelTrainingJobs (11) is greater than maxNumberOfTrainingJobs (10): "
        "lower "
        "maxParallelTrainingJobs to at most 10 or raise maxNumberOfTrainingJobs"
    ]


def test_unknown_fields_are_errors_with_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = validate_with_limits(tmp_path, capsys, maxParalelTrainingJobs=3)
    assert code == 1
    (line,) = out
    assert 'unknown field "spec.hyperParameterTuningJobConfig.resourceLimits.maxParalelTrainingJobs"' in line
    assert line.endswith("did you mean maxParallelTrainingJobs?")


def test_an_unquoted_off_gets_a_yaml_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = MAIN_SAMPLE.read_text().replace(
        'trainingJobEarlyStoppingType: "Off"', "trainingJobEarlyStoppingType: Off"
    )
    code, out, _ = validate(capsys, str(write(tmp_path, "x.yaml", text)))
    assert code == 1
    assert any("must be of type string" in line and "quote the value" in line for line in out)


def test_sagemaker_request_constraints_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # TagKey's pattern cannot be expressed in the CRD (RE2), so only the API model's check catches it.
    bad = main_document()
    bad["spec"]["tags"] = [{"key": "bad\u0007key", "value": "v"}]
    code, out, _ = validate(capsys, str(write(tmp_path, "x.yaml", yaml.safe_dump(bad))))
    assert code == 1
    assert len(out) == 1 and out[0].startswith(
        f"{tmp_path / 'x.yaml'}:0: spec.tags[0].key: SageMaker would reject"
    )
    assert "Member must satisfy regular expression pattern" in out[0]


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = main_document()
    bad["spec"]["hyperParameterTuningJobConfig"]["strategyConfig"] = {
        "hyperbandStrategyConfig": {"maxResource": 3}
    }
    path = write(tmp_path, "x.json", json.dumps(bad))
    other = write(tmp_path, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    code, out, err = validate(capsys, "--output", "json", str(path), str(other), str(MAIN_SAMPLE))
    assert code == 1
    report = json.loads("\n".join(out))
    assert report["valid"] is False and report["errors"] == []
    first, configmap, sample = report["documents"]
    assert first["problems"] == [
        {
            "path": "spec.hyperParameterTuningJobConfig.strategyConfig",
            "source": "semantics",
            "message": "strategyConfig applies only to the Hyperband strategy, not Bayesian: remove it",
        }
    ]
    assert (first["kind"], first["name"], first["valid"]) == (
        "HyperparameterTuningJob",
        "xgboost-mnist-hpo",
        False,
    )
    assert configmap["skipped"] == "ConfigMap v1" and configmap["valid"] is True
    assert sample["valid"] is True and "request" not in sample
    assert "skipped ConfigMap v1" in err


def test_print_request_prints_a_request_botocore_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = validate(capsys, "--print-request", str(MAIN_SAMPLE))
    assert code == 0
    request = json.loads("\n".join(out))
    assert request["HyperParameterTuningJobName"] == "xgboostm" + "0" * 24
    assert "placeholder UID" in err
    assert {"Key": "hpo-reconciler/name", "Value": "xgboost-mnist-hpo"} in request["Tags"]
    assert {"Key": "hpo-reconciler/namespace", "Value": "default"} in request["Tags"]
    assert request["TrainingJobDefinition"]["StaticHyperParameters"]["objective"] == "reg:linear"
    assert awsmodel.check_input("CreateHyperParameterTuningJob", request) == []
    shape = (
        botocore.session.get_session()
        .get_service_model("sagemaker")
        .operation_model("CreateHyperParameterTuningJob")
        .input_shape
    )
    assert not ParamValidator().validate(request, shape).has_errors()


def test_print_request_uses_the_uid_when_the_manifest_has_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = main_document()
    document["metadata"].update(uid="a92f5e3c-f07b-11e9-bf6c-06d6f303aaaa", namespace="team-a")
    code, out, err = validate(
        capsys,
        "--print-request",
        "--output",
        "json",
        str(write(tmp_path, "x.yaml", yaml.safe_dump(document))),
    )
    assert code == 0 and "placeholder" not in err
    (item,) = json.loads("\n".join(out))["documents"]
    assert item["request"]["HyperParameterTuningJobName"] == "xgboostma92f5e3cf07b11e9bf6c06d6"
    assert item["jobNameIsPlaceholder"] is False
    assert {"Key": "hpo-reconciler/namespace", "Value": "team-a"} in item["request"]["Tags"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("- just\n- a list\n", "the document is a list, not a Kubernetes object"),
        ("hello\n", "the document is a string, not a Kubernetes object"),
        ("apiVersion: v1\nmetadata: {name: x}\n", "kind: Required value"),
        ("", "no Kubernetes objects: the file is empty"),
        ("# only a comment\n---\n", "no Kubernetes objects: the file is empty"),
        (
            "apiVersion: sagemaker.aws.amazon.com/v1\nkind: HyperParameterTuningJob\nmetadata: {name: x}\n",
            "'HyperParameterTuningJob' is not a kind of sagemaker.aws.amazon.com/v1: "
            "did you mean HyperparameterTuningJob?",
        ),
        (
            "apiVersion: sagemaker.aws.amazon.com/v2\nkind: HyperparameterTuningJob\nmetadata: {name: x}\n",
            'apiVersion: Unsupported value: "sagemaker.aws.amazon.com/v2": use sagemaker.aws.amazon.com/v1',
        ),
        (
            "apiVersion: sagemaker.aws.amazon.com/v1\nkind: HyperparameterTuningJob\n"
            "metadata: {name: X_Y}\nspec: {}\n",
            'metadata.name: Invalid value: "X_Y": a lowercase RFC 1123 subdomain',
        ),
        ("a: .nan\nkind: X\n", "is not a JSON number"),
    ],
)
def test_malformed_documents_get_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    code, out, err = validate(capsys, str(write(tmp_path, "doc.yaml", content)))
    assert code == 1
    assert any(expected in line for line in out), out
    assert "Traceback" not in err


BILLION_LAUGHS = "kind: HyperparameterTuningJob\na: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("name", "content", "expected_code", "expected"),
    [
        ("garbage.yaml", bytes(range(256)) * 40, 2, "not a text file"),
        ("latin1.yaml", "kind: Caf\xe9\n".encode("latin-1"), 2, "not UTF-8 text"),
        ("broken.yaml", "kind: [unclosed\n", 2, "not valid YAML: line 2, column 1"),
        ("tabs.yaml", "a:\n\tb: 1\n", 2, "not valid YAML: line 2"),
        ("recursive.yaml", "a: &x [*x]\n", 2, "not valid YAML"),
        ("deep.yaml", "[" * 20000 + "]" * 20000, 2, "nested too deeply"),
        ("bomb.yaml", BILLION_LAUGHS, 1, "YAML aliases expand this document beyond"),
        ("huge.yaml", "# " + "x" * (10 * 1024 * 1024) + "\n", 2, "too large: 10.5 MB"),
    ],
)
def test_hostile_input_gets_one_line_and_no_traceback(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str | bytes,
    expected_code: int,
    expected: str,
) -> None:
    code, out, err = validate(capsys, str(write(tmp_path, name, content)))
    assert code == expected_code
    assert len(out) == 1 and expected in out[0], out
    assert "Traceback" not in err


def test_a_missing_path_is_a_usage_error_but_other_inputs_are_still_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = validate(capsys, str(tmp_path / "nope.yaml"), str(MAIN_SAMPLE))
    assert code == 2
    assert f"{tmp_path / 'nope.yaml'}: no such file or directory" in err
    assert "1 document(s) checked: 1 valid" in err


def test_directories_are_searched_recursively_skipping_hidden_and_other_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    write(tmp_path / "a" / "b", "job.yml", MAIN_SAMPLE.read_text())
    write(tmp_path / ".git", "config.yaml", "not: [valid")
    write(tmp_path, "README.md", "# not a manifest")
    write(tmp_path / "a", "deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n")
    code, out, err = validate(capsys, str(tmp_path))
    assert (code, out) == (0, [])
    assert "2 file(s), 1 document(s) checked: 1 valid" in err and "1 document(s) skipped" in err


def test_stdin_through_the_console_script() -> None:
    def validate_stdin(document: bytes) -> subprocess.CompletedProcess[bytes]:
        command = [str(CONSOLE_SCRIPT), "validate", "-"]
        return subprocess.run(command, input=document, capture_output=True, timeout=60, check=False)

    bad = MAIN_SAMPLE.read_text().replace("maxParallelTrainingJobs: 10", "maxParallelTrainingJobs: 11")
    result = validate_stdin(bad.encode())
    assert result.returncode == 1
    assert result.stdout.decode().startswith(
        "<stdin>:0: spec.hyperParameterTuningJobConfig.resourceLimits.maxParallelTrainingJobs: "
    )
    ok = validate_stdin(MAIN_SAMPLE.read_bytes())
    assert ok.returncode == 0
    assert ok.stdout.decode().splitlines() == [
        "1 file(s), 1 document(s) checked: 1 valid, 0 invalid (0 problem(s)); 0 document(s) skipped; "
        "0 unreadable"
    ]


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate"]) == 2
    assert run(["validate", "--output", "xml", str(MAIN_SAMPLE)]) == 2
    capsys.readouterr()


def test_a_crd_directory_can_replace_the_builtin_schemas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crds = Path(__file__).resolve().parents[2] / "crds"
    code, out, _ = validate(capsys, "--crd-dir", str(crds), str(MAIN_SAMPLE))
    assert (code, out) == (0, [])
    code, _, err = validate(capsys, "--crd-dir", str(tmp_path), str(MAIN_SAMPLE))
    assert code == 2 and "no HyperparameterTuningJob CRD" in err


def test_symbolic_link_loops_and_empty_directories(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "jobs").mkdir()
    write(tmp_path / "jobs", "job.yaml", MAIN_SAMPLE.read_text())
    (tmp_path / "jobs" / "again").symlink_to(tmp_path / "jobs")
    (tmp_path / "empty").mkdir()
    code, out, err = validate(capsys, str(tmp_path / "jobs"), str(tmp_path / "empty"))
    assert (code, out) == (0, [])
    assert "1 file(s), 1 document(s) checked: 1 valid" in err
    assert f"{tmp_path / 'empty'}: no *.yaml, *.yml or *.json files" in err


def test_timestamps_stay_strings_as_kubectl_reads_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `kubectl get -o yaml` output: unquoted timestamps must not become YAML dates.
    text = (
        MAIN_SAMPLE.read_text().replace(
            "  name: xgboost-mnist-hpo\n",
            "  name: xgboost-mnist-hpo\n  creationTimestamp: 2019-10-17T01:15:52Z\n",
        )
        + "status:\n  lastCheckTime: 2019-10-17T01:21:01Z\n  hyperParameterTuningJobStatus: Completed\n"
    )
    code, out, _ = validate(capsys, str(write(tmp_path, "exported.yaml", text)))
    assert (code, out) == (0, [])
    bad = text.replace("lastCheckTime: 2019-10-17T01:21:01Z", "lastCheckTime: yesterday")
    code, out, _ = validate(capsys, str(write(tmp_path, "bad.yaml", bad)))
    assert code == 1
    assert out == [
        f'{tmp_path / "bad.yaml"}:0: status.lastCheckTime: Invalid value: "yesterday": '
        'status.lastCheckTime in body must be of type date-time: "yesterday"'
    ]


def test_a_legacy_operator_manifest_keeps_working(capsys: pytest.CaptureFixture[str]) -> None:
    legacy = Path(__file__).parent / "data" / "legacy-operator-style.yaml"
    code, out, _ = validate(capsys, "--print-request", "--output", "json", str(legacy))
    assert code == 0, out
    (item,) = json.loads("\n".join(out))["documents"]
    channel = item["request"]["TrainingJobDefinition"]["InputDataConfig"][0]
    assert channel["DataSource"]["S3DataSource"]["S3Uri"].startswith("https://")
    assert (channel["CompressionType"], channel["InputMode"]) == ("None", "File")


def test_duplicate_keys_last_value_wins_with_a_warning_naming_key_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # kubectl applies a manifest with a repeated key (the later value wins): so does validate.
    text = MAIN_SAMPLE.read_text()
    lines = text.splitlines()
    strategy = next(i for i, line in enumerate(lines) if line.strip().startswith("strategy:"))
    indent = lines[strategy][: len(lines[strategy]) - len(lines[strategy].lstrip())]
    broken_first = [*lines[:strategy], f"{indent}strategy: NotAStrategy", *lines[strategy:]]
    path = write(tmp_path, "dupes.yaml", "\n".join(broken_first) + "\n")
    code, out, err = validate(capsys, str(path))
    assert (code, out) == (0, [])  # the valid, later value is the one checked
    assert (
        f"warning: {path}:0: line {strategy + 2}: key 'strategy' appears again in the same mapping; the "
        "last value wins, as kubectl applies it: remove the earlier one"
    ) in err.splitlines()
    broken_last = [*lines[: strategy + 1], f"{indent}strategy: NotAStrategy", *lines[strategy + 1 :]]
    path = write(tmp_path, "dupes2.yaml", "\n".join(broken_last) + "\n")
    code, out, err = validate(capsys, str(path))
    assert code == 1  # the exit code follows the document: here the later value is invalid
    assert len(out) == 1 and "NotAStrategy" in out[0]
    assert f"line {strategy + 2}: key 'strategy' appears again" in err
    code, out, _ = validate(capsys, "--output", "json", str(path))
    (document,) = json.loads("\n".join(out))["documents"]
    assert document["warnings"] == [
        f"line {strategy + 2}: key 'strategy' appears again in the same mapping; the last value wins, as "
        "kubectl applies it: remove the earlier one"
    ]


def test_duplicate_top_level_block_as_in_the_legacy_chart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = main_document()
    config = yaml.safe_dump(
        {"hyperParameterTuningJobConfig": document["spec"]["hyperParameterTuningJobConfig"]}
    )
    rest = yaml.safe_dump({"spec": document["spec"]}, sort_keys=False)
    head = yaml.safe_dump({k: v for k, v in document.items() if k != "spec"}, sort_keys=False)
    # spec: {hyperParameterTuningJobConfig: <sample's>, ..., hyperParameterTuningJobConfig: <sample's>}
    body = rest + "".join("  " + line + "\n" for line in config.splitlines())
    path = write(tmp_path, "chart-output.yaml", head + body)
    code, out, err = validate(capsys, str(path))
    assert (code, out) == (0, []), err
    assert "key 'hyperParameterTuningJobConfig' appears again" in err
    assert "not valid YAML" not in err


def test_a_long_enum_shows_the_closest_values_not_all_of_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = main_document()
    bad["spec"]["trainingJobDefinition"]["resourceConfig"]["instanceType"] = "ml.m5.xlarg"
    code, out, _ = validate(capsys, str(write(tmp_path, "x.yaml", yaml.safe_dump(bad))))
    assert code == 1 and len(out) == 1
    assert (
        'spec.trainingJobDefinition.resourceConfig.instanceType: Unsupported value: "ml.m5.xlarg": ' in out[0]
    )
    assert "closest of the" in out[0] and '"ml.m5.xlarge"' in out[0]
    assert out[0].count('"ml.') <= 6 and len(out[0]) < 400, out[0]


def test_a_number_for_a_string_member_says_to_quote_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = MAIN_SAMPLE.read_text()
    statics = main_document()["spec"]["trainingJobDefinition"]["staticHyperParameters"]
    entry = next(s for s in statics if str(s["value"]).isdigit())
    quoted = f'value: "{entry["value"]}"'
    assert quoted in text or f"value: '{entry['value']}'" in text
    unquoted = text.replace(quoted, f"value: {entry['value']}", 1)
    code, out, _ = validate(capsys, str(write(tmp_path, "x.yaml", unquoted)))
    assert code == 1 and len(out) == 1
    assert "must be of type string" in out[0]
    assert 'YAML reads an unquoted number as a number: quote the value, e.g. "10"' in out[0]
