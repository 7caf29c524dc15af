"""Label keys/values on writes and label selectors on list/watch, judged as kube-apiserver 1.32 judges them.

Messages are apimachinery v0.32's (`pkg/util/validation`, `pkg/labels/selector.go`), checked through the
official client and kubectl 1.32.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes.client.exceptions import ApiException

from reconciler.sandbox.kube import KubeSandbox, names
from tests.sandbox_kube.kube_test_support import GROUP, HPO, VERSION, Core, Custom, Kubectl, sample_hpo

LONG = "n" * 64  # one past the 63-character limit of label values and name parts
VALUE_TOO_LONG = f'metadata.labels: Invalid value: "{LONG}": must be no more than 63 characters'
LABEL_VALUE_REGEX = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
    "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
NAME_PART_REGEX = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


def _status(exc: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc.body or "{}")
    return body


def _with_labels(labels: dict[str, str], name: str = "labelled") -> dict[str, Any]:
    body = sample_hpo(name)
    body["metadata"]["labels"] = labels
    return body


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"team": LONG}, VALUE_TOO_LONG),
        ({"team": "has space"}, f'metadata.labels: Invalid value: "has space": {LABEL_VALUE_REGEX}'),
        # Both rules fail: IsValidLabelValue reports the length first, then the pattern.
        (
            {"team": "-" * 64},
            f'[metadata.labels: Invalid value: "{"-" * 64}": must be no more than 63 characters, '
            f'metadata.labels: Invalid value: "{"-" * 64}": {LABEL_VALUE_REGEX}]',
        ),
        (
            {LONG: "x"},
            f'metadata.labels: Invalid value: "{LONG}": name part must be no more than 63 characters',
        ),
        ({"a b": "x"}, f'metadata.labels: Invalid value: "a b": {NAME_PART_REGEX}'),
        ({"/team": "x"}, 'metadata.labels: Invalid value: "/team": prefix part must be non-empty'),
        (
            {"Example.com/team": "x"},
            'metadata.labels: Invalid value: "Example.com/team": prefix part a lowercase RFC 1123 subdomain '
            "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an "
            "alphanumeric character (e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ),
        (
            {"a/b/c": "x"},
            'metadata.labels: Invalid value: "a/b/c": a qualified name must consist of alphanumeric '
            "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
            "'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' "
            "(e.g. 'example.com/MyName')",
        ),
    ],
)
def test_invalid_labels_are_refused_on_create_with_the_real_message(
    crds: KubeSandbox, custom: Custom, labels: dict[str, str], message: str
) -> None:
    with pytest.raises(ApiException) as caught:
        custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, _with_labels(labels))
    status = _status(caught.value)
    assert caught.value.status == 422 and status["reason"] == "Invalid"
    assert status["message"] == f'HyperparameterTuningJob.{GROUP} "labelled" is invalid: {message}'
    assert {c["field"] for c in status["details"]["causes"]} == {"metadata.labels"}
    assert custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO)["items"] == []


def test_the_longest_valid_labels_are_accepted(crds: KubeSandbox, custom: Custom) -> None:
    key = "p" * 253 + "/" + "k" * 63
    created = custom.create_namespaced_custom_object(
        GROUP, VERSION, "default", HPO, _with_labels({key: "v" * 63, "empty": ""})
    )
    assert created["metadata"]["labels"] == {key: "v" * 63, "empty": ""}
    with pytest.raises(ApiException) as caught:
        custom.create_namespaced_custom_object(
            GROUP, VERSION, "default", HPO, _with_labels({"p" * 254 + "/k": "v"}, name="other")
        )
    assert "prefix part must be no more than 253 characters" in _status(caught.value)["message"]


def test_invalid_labels_are_refused_on_update_and_patch(crds: KubeSandbox, custom: Custom) -> None:
    created = custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, _with_labels({"a": "1"}))
    with pytest.raises(ApiException) as patched:
        custom.patch_namespaced_custom_object(
            GROUP, VERSION, "default", HPO, "labelled", {"metadata": {"labels": {"team": LONG}}}
        )
    assert patched.value.status == 422
    assert _status(patched.value)["message"].endswith(f"is invalid: {VALUE_TOO_LONG}")
    created["metadata"]["labels"] = {"team": LONG}
    with pytest.raises(ApiException) as replaced:
        custom.replace_namespaced_custom_object(GROUP, VERSION, "default", HPO, "labelled", created)
    assert replaced.value.status == 422
    stored = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, "labelled")
    assert stored["metadata"]["labels"] == {"a": "1"}


def test_built_in_kinds_validate_labels_too(kube: KubeSandbox, core: Core) -> None:
    with pytest.raises(ApiException) as caught:
        core.create_namespace({"metadata": {"name": "ml", "labels": {"team": LONG}}})
    assert caught.value.status == 422
    assert _status(caught.value)["message"] == f'Namespace "ml" is invalid: {VALUE_TOO_LONG}'


def test_kubectl_apply_and_patch_show_the_real_message(
    crds: KubeSandbox, kubectl: Kubectl, tmp_path: Path
) -> None:
    manifest = tmp_path / "hpo.yaml"
    manifest.write_text(yaml.safe_dump(_with_labels({"team": LONG})))
    refused = kubectl("apply", "-f", str(manifest), check=False)
    assert refused.returncode == 1
    assert VALUE_TOO_LONG in refused.stderr
    manifest.write_text(yaml.safe_dump(_with_labels({"team": "ml"})))
    kubectl("apply", "-f", str(manifest))
    # `kubectl label` checks values itself; a patch reaches the server.
    patch = json.dumps({"metadata": {"labels": {"team": LONG}}})
    relabel = kubectl("patch", HPO, "labelled", "--type", "merge", "-p", patch, check=False)
    assert relabel.returncode == 1 and VALUE_TOO_LONG in relabel.stderr


# -- selectors ------------------------------------------------------------------------------------------
SELECTOR_ERRORS = [
    (
        f"team={LONG}",
        f'unable to parse requirement: values[0][team]: Invalid value: "{LONG}": '
        "must be no more than 63 characters",
    ),
    (
        f"team in ({LONG},aa)",  # values are sorted before validation
        f'unable to parse requirement: values[1][team]: Invalid value: "{LONG}": '
        "must be no more than 63 characters",
    ),
    (
        f"{LONG}=x",
        # The parser checks keys with its own nil field path, which Go prints as "<nil>".
        f'unable to parse requirement: <nil>: Invalid value: "{LONG}": '
        "name part must be no more than 63 characters",
    ),
    ("team=a$b", f'unable to parse requirement: values[0][team]: Invalid value: "a$b": {LABEL_VALUE_REGEX}'),
    ("team=a b", "found 'b', expected: ',' or 'end of string'"),
    ("team in a", "unable to parse requirement: found 'a' expected: '('"),
    ("team,", "found '', expected: identifier after ','"),
]


@pytest.mark.parametrize(("selector", "message"), SELECTOR_ERRORS)
def test_invalid_selectors_are_400_on_list_and_watch(
    crds: KubeSandbox, custom: Custom, selector: str, message: str
) -> None:
    with pytest.raises(ApiException) as listed:
        custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO, label_selector=selector)
    assert listed.value.status == 400
    assert _status(listed.value)["reason"] == "BadRequest"
    assert _status(listed.value)["message"] == message
    with pytest.raises(ApiException) as watched:
        custom.list_cluster_custom_object(
            GROUP, VERSION, HPO, label_selector=selector, watch=True, _preload_content=False
        )
    assert watched.value.status == 400
    assert _status(watched.value)["message"] == message


def test_kubectl_get_with_a_too_long_selector_value(crds: KubeSandbox, kubectl: Kubectl) -> None:
    result = kubectl("get", HPO, "-l", f"team={LONG}", check=False)
    assert result.returncode == 1
    assert SELECTOR_ERRORS[0][1] in result.stderr
    assert "BadRequest" in result.stderr


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("tier>2", ["c"]),
        ("tier<2", ["a"]),
        ("tier>x", None),  # 'Gt' needs an integer value
        ("tier notin (1)", ["b", "c", "d"]),
        ("tier!=1", ["b", "c", "d"]),
        ("!tier", ["d"]),
        ("tier in (1,3)", ["a", "c"]),
        ("tier=", []),
        ("", ["a", "b", "c", "d"]),
    ],
)
def test_selector_semantics(
    crds: KubeSandbox, custom: Custom, selector: str, expected: list[str] | None
) -> None:
    for name, labels in {"a": {"tier": "1"}, "b": {"tier": "2"}, "c": {"tier": "3"}, "d": {}}.items():
        custom.create_namespaced_custom_object(
            GROUP, VERSION, "default", HPO, _with_labels(labels, name=name)
        )
    if expected is None:
        with pytest.raises(ApiException) as caught:
            custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO, label_selector=selector)
        assert _status(caught.value)["message"] == (
            'unable to parse requirement: values[0]: Invalid value: "x": '
            "for 'Gt', 'Lt' operators, the value must be an integer"
        )
        return
    listed = custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO, label_selector=selector)
    assert [i["metadata"]["name"] for i in listed["items"]] == expected


@pytest.mark.parametrize(
    ("value", "errors"),
    [
        ("", []),
        ("a" * 63, []),
        ("a" * 64, ["must be no more than 63 characters"]),
        ("é", [LABEL_VALUE_REGEX]),
        ("a\n", [LABEL_VALUE_REGEX]),  # Go's `$` does not match before a trailing newline
    ],
)
def test_label_value_rule(value: str, errors: list[str]) -> None:
    assert names.is_valid_label_value(value) == errors
