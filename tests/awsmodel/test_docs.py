"""Field descriptions from botocore's documentation (awsmodel.docs) and where they land in the CRDs."""

from __future__ import annotations

import pytest

from reconciler.awsmodel import docs as awsmodel_docs
from reconciler.awsmodel.crd import crd_documents


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # links dropped, anchor text kept; the pointer sentence left out
        (
            '<p>The <a href="https://docs.aws.amazon.com/x.html">ResourceLimits</a> object that limits the '
            'job. For more information, see <a href="https://x">Limits</a>.</p>',
            "The ResourceLimits object that limits the job.",
        ),
        # a short first sentence takes the second along; entities decoded; code unwrapped
        (
            "<p>The name.</p> <p>Must be unique &amp; use <code>a-z</code> only. Third sentence.</p>",
            "The name. Must be unique & use a-z only.",
        ),
        # a long first sentence stands alone, "e.g." does not end a sentence
        (
            "<p>" + "Specifies the metric, e.g. validation:error, that the tuning job uses to rank each "
            "training job against the others it launched. More text.</p>",
            "Specifies the metric, e.g. validation:error, that the tuning job uses to rank each training job "
            "against the others it launched.",
        ),
        # a sentence introducing a list ends with a full stop, not a colon
        (
            "<p>Configures the following fields:</p><ul><li><p>A</p></li></ul>",
            "Configures the following fields. A",
        ),
        ("", ""),
        ("<p>For more information, see <a href='x'>this</a>.</p>", ""),
    ],
)
def test_summary_is_plain_text_of_the_first_sentence_or_two(html: str, expected: str) -> None:
    assert awsmodel_docs.summary(html) == expected


def test_summary_is_cut_on_a_word_boundary() -> None:
    text = awsmodel_docs.summary("<p>" + "word " * 200 + "end.</p>")
    assert len(text) <= awsmodel_docs.MAX_CHARS and text.endswith("word...")


def _walk(schema: dict[str, object], path: str) -> list[tuple[str, dict[str, object]]]:
    out: list[tuple[str, dict[str, object]]] = []
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name, child in properties.items():
            out.append((f"{path}.{name}", child))
            out.extend(_walk(child, f"{path}.{name}"))
    items = schema.get("items")
    if isinstance(items, dict):
        out.extend(_walk(items, f"{path}[]"))
    return out


@pytest.mark.parametrize("file_name", ["hyperparametertuningjob.yaml", "trainingjob.yaml"])
def test_every_field_of_both_crds_has_a_plain_text_description(file_name: str) -> None:
    root = crd_documents()[file_name]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    fields = _walk(root, "")
    assert len(fields) > 150
    missing = [path for path, schema in fields if not schema.get("description")]
    assert missing == []
    for path, schema in fields:
        text = str(schema["description"])
        assert "<" not in text and "http" not in text and len(text) <= awsmodel_docs.MAX_CHARS + 40, path


def test_our_own_fields_say_what_they_do() -> None:
    docs = crd_documents()
    spec = docs["hyperparametertuningjob.yaml"]["spec"]["versions"][0]["schema"]["openAPIV3Schema"][
        "properties"
    ]
    assert "--allow-custom-endpoints" in spec["spec"]["properties"]["sageMakerEndpoint"]["description"]
    assert "derives one" in spec["spec"]["properties"]["hyperParameterTuningJobName"]["description"]
    assert "written only by the reconciler" in spec["status"]["description"]
