"""crdschema: kube-apiserver's CRD validation, pruning and wording, checked field by field."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.spec import crdschema
from reconciler.spec.crdschema import FieldError, format_field_error, validate_object

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": {
            "type": "object",
            "required": ["name", "count"],
            "properties": {
                "name": {
                    "type": "string",
                    "maxLength": 32,
                    "minLength": 1,
                    "pattern": "^[a-z](-*[a-z0-9])*$",
                },
                "count": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 100},
                "ratio": {"type": "number", "exclusiveMinimum": True, "minimum": 0},
                "mode": {"type": "string", "enum": ["Off", "Auto"]},
                "flag": {"type": "boolean"},
                "when": {"type": "string", "format": "date-time"},
                "port": {"x-kubernetes-int-or-string": True},
                "note": {"type": "string", "nullable": True},
                "defaulted": {"type": "string", "default": "Off"},
                "tags": {
                    "type": "array",
                    "maxItems": 2,
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["key"],
                        "properties": {
                            "key": {"type": "string", "maxLength": 1},
                            "value": {"type": "string"},
                        },
                    },
                },
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "free": {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": True,
                    "properties": {"typed": {"type": "object", "properties": {"a": {"type": "string"}}}},
                },
                "template": {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "properties": {"spec": {"type": "object", "properties": {"x": {"type": "string"}}}},
                },
                "unicode": {"type": "string", "pattern": r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"},
            },
        },
        "status": {
            "type": "object",
            "properties": {
                "conditions": {
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["type"],
                    "items": {
                        "type": "object",
                        "properties": {"type": {"type": "string"}, "status": {"type": "string"}},
                    },
                },
                "words": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
            },
        },
    },
}


def resource(**spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "ok", "count": 3}
    body.update(spec)
    return {"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {"name": "a"}, "spec": body}


def messages(obj: dict[str, Any]) -> list[str]:
    return [format_field_error(e) for e in validate_object(obj, schema=SCHEMA, strict=True).errors]


def test_a_valid_object_has_no_errors_and_gets_its_defaults() -> None:
    result = validate_object(resource(), schema=SCHEMA, strict=True)
    assert result.ok and result.errors == [] and result.unknown_fields == []
    assert result.pruned["spec"]["defaulted"] == "Off"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"count": 0},
            "spec.count: Invalid value: 0: spec.count in body should be greater than or equal to 1",
        ),
        (
            {"count": 101},
            "spec.count: Invalid value: 101: spec.count in body should be less than or equal to 100",
        ),
        (
            {"count": "3"},
            'spec.count: Invalid value: "string": spec.count in body must be of type integer: "string"',
        ),
        (
            {"count": 2.5},
            'spec.count: Invalid value: "number": spec.count in body must be of type integer: "number"',
        ),
        ({"ratio": 0}, "spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0"),
        ({"name": "x" * 33}, "spec.name: Too long: may not be more than 32 bytes"),
        (
            {"name": "Bad"},
            "spec.name: Invalid value: \"Bad\": spec.name in body should match '^[a-z](-*[a-z0-9])*$'",
        ),
        ({"mode": "On"}, 'spec.mode: Unsupported value: "On": supported values: "Off", "Auto"'),
        (
            {"flag": "yes"},
            'spec.flag: Invalid value: "string": spec.flag in body must be of type boolean: "string"',
        ),
        (
            {"when": "yesterday"},
            'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
        ),
        (
            {"port": 1.5},
            'spec.port: Invalid value: "number": spec.port in body must be of type integer,string: "number"',
        ),
        ({"tags": []}, "spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items"),
        ({"tags": [{"key": "a"}] * 3}, "spec.tags: Too many: 3: must have at most 2 items"),
        ({"tags": [{"value": "v"}]}, "spec.tags[0].key: Required value"),
        ({"tags": [{"key": "ab"}]}, "spec.tags[0].key: Too long: may not be more than 1 byte"),
        (
            {"labels": {"a": 1}},
            'spec.labels.a: Invalid value: "integer": '
            'spec.labels.a in body must be of type string: "integer"',
        ),
        (
            {"unicode": "tab\there"},
            'spec.unicode: Invalid value: "tab\\there": spec.unicode in body should match '
            "'^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$'",
        ),
    ],
)
def test_each_violation_is_worded_as_the_apiserver_words_it(spec: dict[str, Any], expected: str) -> None:
    assert messages(resource(**spec)) == [expected]


def test_required_members_are_reported_with_their_full_path() -> None:
    obj = resource()
    del obj["spec"]["name"], obj["spec"]["count"]
    assert messages(obj) == ["spec.name: Required value", "spec.count: Required value"]
    assert validate_object(obj, schema=SCHEMA, strict=False).errors[0] == FieldError(
        "spec.name", "FieldValueRequired", "", ""
    )


def test_every_error_is_reported_not_only_the_first() -> None:
    assert messages(resource(count=0, name="", mode="x")) == [
        'spec.name: Invalid value: "": spec.name in body should be at least 1 chars long',
        "spec.name: Invalid value: \"\": spec.name in body should match '^[a-z](-*[a-z0-9])*$'",
        "spec.count: Invalid value: 0: spec.count in body should be greater than or equal to 1",
        'spec.mode: Unsupported value: "x": supported values: "Off", "Auto"',
    ]


def test_a_yaml_boolean_in_an_enum_string_fails_type_and_enum_as_in_kube_openapi() -> None:
    assert messages(resource(mode=False)) == [
        'spec.mode: Invalid value: "boolean": spec.mode in body must be of type string: "boolean"',
        'spec.mode: Unsupported value: false: supported values: "Off", "Auto"',
    ]


def test_unicode_letters_pass_a_go_unicode_class_pattern() -> None:
    assert messages(resource(unicode="Grüße 東京 42 a/b=c+d-e@f")) == []


def test_floats_with_integral_values_are_integers_like_json_numbers() -> None:
    assert messages(resource(count=3.0)) == []


def test_nullable_and_non_nullable_nulls() -> None:
    result = validate_object(resource(note=None, mode=None, defaulted=None), schema=SCHEMA, strict=True)
    assert result.errors == []
    assert "note" in result.pruned["spec"] and result.pruned["spec"]["note"] is None
    assert "mode" not in result.pruned["spec"]  # pruned, as PruneNonNullableNullsWithoutDefaults does
    assert result.pruned["spec"]["defaulted"] == "Off"


def test_a_null_array_item_is_a_type_error() -> None:
    obj = resource()
    obj["status"] = {"words": [None]}
    assert messages(obj) == [
        'status.words[0]: Invalid value: "null": status.words[0] in body must be of type string: "null"'
    ]


def test_unknown_fields_are_pruned_and_listed_with_their_paths() -> None:
    obj = resource(extra=1, tags=[{"key": "a", "colour": "red"}])
    obj["metadata"]["bogus"] = True
    obj["topLevel"] = {}
    result = validate_object(obj, schema=SCHEMA, strict=False)
    assert result.unknown_fields == ["metadata.bogus", "spec.extra", "spec.tags[0].colour", "topLevel"]
    assert "extra" not in result.pruned["spec"] and "colour" not in result.pruned["spec"]["tags"][0]
    assert "topLevel" not in result.pruned and "bogus" not in result.pruned["metadata"]
    assert obj["spec"]["extra"] == 1, "the input is not mutated"
    assert result.ok and result.strict_error is None
    assert result.warnings[0] == 'unknown field "metadata.bogus"'


def test_strict_makes_unknown_fields_an_error_with_the_apiserver_text() -> None:
    result = validate_object(resource(extra=1, other=2), schema=SCHEMA, strict=True)
    assert not result.ok
    assert (
        result.strict_error == 'strict decoding error: unknown field "spec.extra", unknown field "spec.other"'
    )


def test_preserve_unknown_fields_keeps_unknowns_but_prunes_declared_children() -> None:
    result = validate_object(
        resource(free={"anything": {"x": 1}, "typed": {"a": "b", "z": 1}}), schema=SCHEMA, strict=True
    )
    assert result.pruned["spec"]["free"] == {"anything": {"x": 1}, "typed": {"a": "b"}}
    assert result.unknown_fields == ["spec.free.typed.z"]


def test_embedded_resources_keep_type_meta_and_prune_object_meta() -> None:
    template = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "junk": 1},
        "spec": {"x": "y", "q": 1},
    }
    result = validate_object(resource(template=template), schema=SCHEMA, strict=False)
    assert result.pruned["spec"]["template"] == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"x": "y"},
    }
    assert result.unknown_fields == ["spec.template.metadata.junk", "spec.template.spec.q"]


def test_list_map_keys_must_be_unique() -> None:
    obj = resource()
    obj["status"] = {
        "conditions": [{"type": "Ready"}, {"type": "Stalled"}, {"type": "Ready"}, {"type": "Ready"}]
    }
    assert messages(obj) == ['status.conditions[2]: Duplicate value: {"type":"Ready"}']


def test_list_set_items_must_be_unique() -> None:
    obj = resource()
    obj["status"] = {"words": ["a", "b", "a"]}
    assert messages(obj) == ['status.words[2]: Duplicate value: "a"']


def test_invalid_message_is_the_422_status_message() -> None:
    errors = validate_object(resource(count=0, name=""), schema=SCHEMA, strict=True).errors
    text = crdschema.invalid_message(qualified_kind="Thing.x.io", name="a", errors=errors)
    assert text.startswith('Thing.x.io "a" is invalid: [spec.name: Invalid value: "": ')
    single = crdschema.invalid_message(qualified_kind="Thing.x.io", name="a", errors=errors[:1])
    assert "[" not in single.split("invalid: ")[1][:1]


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("^a$", "a\n", False),  # Go's $ is end of text
        (r"^a\z", "a", True),
        (r"^[[:alpha:]]+$", "abc", True),
        (r"^[[:alpha:]]+$", "ab1", False),
        (r"^\d+$", "١٢", False),  # Go's \d is ASCII
        (r"^(?<word>\w+)$", "abc", True),
        ("(https|s3)://([^/]+)/?(.*)", "s3://bucket/key", True),
        (r"^\P{L}+$", "123", True),
    ],
)
def test_go_patterns_behave_like_re2(pattern: str, text: str, matches: bool) -> None:
    assert (crdschema.compile_go_pattern(pattern).search(text) is not None) is matches


def test_patterns_re2_cannot_compile_make_the_schema_invalid() -> None:
    with pytest.raises(crdschema.InvalidSchemaError, match="look-around"):
        crdschema.compile_go_pattern("([a-z]+)(?<!-)")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (0.5, "0.5"),
        (1e6, "1e+06"),
        (123456.0, "123456"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (-2.5, "-2.5"),
        (2419200, "2.4192e+06"),
    ],
)
def test_go_float_formatting(value: float, text: str) -> None:
    assert crdschema.go_float(value) == text


def test_go_quote_and_json_match_go() -> None:
    assert crdschema.go_quote('a"b\\c\n\x07é') == '"a\\"b\\\\c\\n\\aé"'
    assert (
        crdschema.go_json({"b": [1, 2.5, None, True], "a": "<&>"})
        == '{"a":"\\u003c\\u0026\\u003e","b":[1,2.5,null,true]}'
    )
    assert (
        crdschema.go_json(1e21) == "1e+21"
        and crdschema.go_json(1e-7) == "1e-7"
        and crdschema.go_json(2.0) == "2"
    )


def test_schema_errors_find_patterns_the_apiserver_would_refuse() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "ok": {"type": "string", "pattern": "^[a-z]+$"},
                    "arn": {"type": "string", "pattern": "([a-z]+)(?<!-)"},
                    "list": {"type": "array", "items": {"type": "string", "pattern": "(a)\\1"}},
                },
            }
        },
    }
    errors = crdschema.schema_errors(schema)
    assert [format_field_error(e) for e in errors] == [
        'properties[spec].properties[arn].pattern: Invalid value: "([a-z]+)(?<!-)": must be a valid regular '
        "expression, but isn't: error parsing regexp: invalid or unsupported Perl syntax: `(?<`",
        'properties[spec].properties[list].items.pattern: Invalid value: "(a)\\\\1": must be a valid regular '
        "expression, but isn't: error parsing regexp: invalid escape sequence: `\\1`",
    ]
    assert crdschema.schema_errors(SCHEMA) == []


def test_every_pattern_of_the_generated_crds_compiles() -> None:
    from reconciler.tools.validate import builtin_crd_schemas

    schemas = builtin_crd_schemas()
    assert set(schemas) == {"HyperparameterTuningJob", "TrainingJob"}
    for schema in schemas.values():
        assert crdschema.schema_errors(schema) == []


MORE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "step": {"type": "number", "multipleOf": 0.5, "maximum": 10, "exclusiveMaximum": True},
        "small": {"type": "object", "maxProperties": 1, "additionalProperties": {"type": "integer"}},
        "big": {"type": "object", "minProperties": 2, "additionalProperties": {"type": "integer"}},
        "day": {"type": "string", "format": "date"},
        "blob": {"type": "string", "format": "byte"},
        "id": {"type": "string", "format": "uuid"},
        "both": {"type": "string", "allOf": [{"minLength": 2}, {"pattern": "^a"}]},
    },
}


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"step": 0.75}, ["step: Invalid value: 0.75: step in body should be a multiple of 0.5"]),
        ({"step": 10}, ["step: Invalid value: 10: step in body should be less than 10"]),
        ({"small": {"a": 1, "b": 2}}, ["small: Too many: 2: must have at most 1 item"]),
        ({"big": {"a": "x"}}, ["big: Invalid value: 1: big in body should have at least 2 properties"]),
        (
            {"day": "2024-02-30"},
            ['day: Invalid value: "2024-02-30": day in body must be of type date: "2024-02-30"'],
        ),
        (
            {"blob": "not base64!"},
            ['blob: Invalid value: "not base64!": blob in body must be of type byte: "not base64!"'],
        ),
        ({"id": "123"}, ['id: Invalid value: "123": id in body must be of type uuid: "123"']),
        (
            {"both": "b"},
            [
                'both: Invalid value: "b": both in body should be at least 2 chars long',
                "both: Invalid value: \"b\": both in body should match '^a'",
            ],
        ),
        (
            {
                "step": 1.5,
                "day": "2024-02-29",
                "blob": "aGk=",
                "id": "a92f5e3c-f07b-11e9-bf6c-06d6f303aaaa",
                "both": "ab",
                "small": {"a": 1},
                "big": {"a": 1, "b": 2},
            },
            [],
        ),
    ],
)
def test_less_common_keywords(obj: dict[str, Any], expected: list[str]) -> None:
    result = validate_object(obj, schema=MORE, strict=True)
    assert [format_field_error(e) for e in result.errors] == expected
