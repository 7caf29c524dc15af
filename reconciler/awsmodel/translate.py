"""Translation between resource form (camelCase, Kubernetes-friendly) and SageMaker API form.

Contract:
- Resource form is the API form with every member name camelCased (`awsmodel.names`) and every
  API *map* written as a list of ``{name, value}`` entries, because the legacy operator's
  manifests (and Kubernetes conventions) use lists there. Lists of ``Tag`` are already lists of
  ``{Key, Value}`` structures and stay so (``[{key, value}]``). Timestamps become RFC 3339 text
  and blobs base64 text, so resource form is always plain JSON.
- `spec_to_request` / `request_to_spec` convert a HyperparameterTuningJob ``.spec`` to and from
  the CreateHyperParameterTuningJob request; `to_camel` converts any API value of a named shape;
  `training_job_spec_from_description` builds a child TrainingJob ``.spec``.
- Members the model does not know raise `UnknownFieldError` (resource -> API); null members are
  left out (as the API server prunes them); values of the wrong type are passed through
  untouched, for `check_input` / the schema to report.
Pure: no I/O beyond the cached model load.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Mapping
from typing import Any

from reconciler.awsmodel.loader import input_shape_name, shape
from reconciler.awsmodel.names import camel, pascal

CREATE_TUNING_JOB_REQUEST = "CreateHyperParameterTuningJobRequest"
CREATE_TRAINING_JOB_REQUEST = "CreateTrainingJobRequest"
# Fields of the custom resource that are not members of the SageMaker request.
CR_ONLY_FIELDS = ("region", "sageMakerEndpoint")
JOB_NAME_FIELD = "hyperParameterTuningJobName"
MAP_KEY_FIELD = "name"
MAP_VALUE_FIELD = "value"


class UnknownFieldError(ValueError):
    """A resource field the SageMaker API model does not define; `path` like ``spec.a.b[0].c``."""

    def __init__(self, path: str) -> None:
        super().__init__(f'unknown field "{path}"')
        self.path = path


class MalformedEntryError(ValueError):
    """A ``{name, value}`` map entry that is not one; `path` like ``spec.a.b[2]``."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path


# --- resource form -> API form --------------------------------------------------------------


def spec_to_request(spec: Mapping[str, Any], *, job_name: str) -> dict[str, Any]:
    """A HyperparameterTuningJob ``.spec`` -> CreateHyperParameterTuningJob parameters."""
    members = {k: v for k, v in spec.items() if k not in CR_ONLY_FIELDS and k != JOB_NAME_FIELD}
    request = _structure_to_api(members, shape_name=CREATE_TUNING_JOB_REQUEST, path="spec")
    return {"HyperParameterTuningJobName": job_name, **request}


def from_camel(value: Any, *, shape: str, path: str = "spec") -> Any:
    """Resource form of a value of API shape `shape` -> API form (the inverse of `to_camel`)."""
    return _to_api(value, shape_name=shape, path=path)


def _to_api(value: Any, *, shape_name: str, path: str) -> Any:
    spec = shape(shape_name)
    kind = spec["type"]
    if kind == "structure" and isinstance(value, Mapping):
        return _structure_to_api(value, shape_name=shape_name, path=path)
    if kind == "list" and isinstance(value, list):
        item_shape: str = spec["member"]["shape"]
        return [_to_api(item, shape_name=item_shape, path=f"{path}[{i}]") for i, item in enumerate(value)]
    if kind == "map" and isinstance(value, list):
        return _entries_to_map(value, spec=spec, path=path)
    return value


def _structure_to_api(value: Mapping[str, Any], *, shape_name: str, path: str) -> dict[str, Any]:
    members: Mapping[str, Any] = shape(shape_name)["members"]
    result: dict[str, Any] = {}
    for field, item in value.items():
        member = pascal(str(field))
        # `camel(member) != field` rejects the API spelling (`VolumeSizeInGB`) in a resource.
        if member not in members or camel(member) != field:
            raise UnknownFieldError(f"{path}.{field}")
        if item is None:
            # The API server drops nulls of non-nullable fields; botocore would reject them.
            continue
        result[member] = _to_api(item, shape_name=members[member]["shape"], path=f"{path}.{field}")
    return result


def _entries_to_map(entries: list[Any], *, spec: Mapping[str, Any], path: str) -> dict[str, Any]:
    value_shape: str = spec["value"]["shape"]
    result: dict[str, Any] = {}
    for index, entry in enumerate(entries):
        entry_path = f"{path}[{index}]"
        if not isinstance(entry, Mapping):
            raise MalformedEntryError(entry_path, "expected a mapping with `name` and `value`")
        for field in entry:
            if field not in (MAP_KEY_FIELD, MAP_VALUE_FIELD):
                raise UnknownFieldError(f"{entry_path}.{field}")
        if MAP_KEY_FIELD not in entry:
            raise MalformedEntryError(entry_path, "missing `name`")
        key = entry[MAP_KEY_FIELD]
        if not isinstance(key, str):
            # API map keys are strings; a list or mapping here would not even be hashable.
            raise MalformedEntryError(entry_path, f"`name` must be a string, not {type(key).__name__}")
        if key in result:
            raise MalformedEntryError(entry_path, f"duplicate name {key!r}")
        result[key] = _to_api(entry.get(MAP_VALUE_FIELD), shape_name=value_shape, path=f"{entry_path}.value")
    return result


# --- API form -> resource form --------------------------------------------------------------


def request_to_spec(request: Mapping[str, Any]) -> dict[str, Any]:
    """CreateHyperParameterTuningJob parameters -> resource ``.spec`` (the name becomes
    ``hyperParameterTuningJobName``; region and endpoint are not part of a request)."""
    result: dict[str, Any] = to_camel(request, shape=CREATE_TUNING_JOB_REQUEST)
    return result


def to_camel(value: Any, *, shape: str) -> Any:
    """Any API value of the named shape -> resource form (camelCase, maps as ``{name, value}`` lists)."""
    return _to_resource(value, shape_name=shape)


def _to_resource(value: Any, *, shape_name: str) -> Any:
    spec = shape(shape_name)
    kind = spec["type"]
    if kind == "structure" and isinstance(value, Mapping):
        members: Mapping[str, Any] = spec["members"]
        result: dict[str, Any] = {}
        for name, item in value.items():
            if name == "ResponseMetadata":  # boto3's envelope, not part of the shape
                continue
            member = members.get(name)
            # A member from a newer API release than this model: keep it, shape unknown.
            result[camel(name)] = item if member is None else _to_resource(item, shape_name=member["shape"])
        return result
    if kind == "list" and isinstance(value, list | tuple):
        item_shape: str = spec["member"]["shape"]
        return [_to_resource(item, shape_name=item_shape) for item in value]
    if kind == "map" and isinstance(value, Mapping):
        value_shape: str = spec["value"]["shape"]
        return [
            {MAP_KEY_FIELD: key, MAP_VALUE_FIELD: _to_resource(item, shape_name=value_shape)}
            for key, item in value.items()
        ]
    if isinstance(value, datetime.datetime):
        return _rfc3339(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _rfc3339(moment: datetime.datetime) -> str:
    if moment.tzinfo is None:  # botocore always returns aware datetimes; be safe with naive ones
        moment = moment.replace(tzinfo=datetime.UTC)
    text = moment.astimezone(datetime.UTC).isoformat()
    return text.replace("+00:00", "Z")


def training_job_spec_from_description(description: Mapping[str, Any], *, region: str) -> dict[str, Any]:
    """DescribeTrainingJob output -> the child TrainingJob ``.spec``: the members that
    CreateTrainingJobRequest defines, camelCased, plus ``region``."""
    members: Mapping[str, Any] = shape(input_shape_name("CreateTrainingJob"))["members"]
    spec: dict[str, Any] = {}
    for name, member in members.items():
        if description.get(name) is not None:
            spec[camel(name)] = _to_resource(description[name], shape_name=member["shape"])
    spec["region"] = region
    return spec
