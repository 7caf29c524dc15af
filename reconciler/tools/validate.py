"""`hpo-reconciler validate PATH...`: offline check of HyperparameterTuningJob manifests, for CI.

Contract:
- Inputs: files, directories (searched recursively for *.yaml, *.yml, *.json; hidden entries and
  Helm chart directories, recognised by their Chart.yaml, are skipped with a note on stderr) and
  `-` for stdin. Every YAML document of every input is examined; documents are numbered from 0.
- A `HyperparameterTuningJob` (`sagemaker.aws.amazon.com/v1`) is checked, in order, against
  metadata rules (name/namespace as the apiserver checks them), the CRD schema exactly as
  kube-apiserver applies it (`crdschema`, with unknown fields an error as under kubectl's default
  strict field validation), SageMaker's offline create-time rules (`semantics`), and the
  CreateHyperParameterTuningJob request it translates to (`awsmodel.spec_to_request` +
  `awsmodel.check_input`). A `TrainingJob` of the same group gets the schema check only.
  Documents of other kinds are skipped with a note on stderr (a directory may hold unrelated
  manifests); an unknown kind of our API group, a document that is not a mapping or has no kind
  is a problem.
- Results go to stdout: one `file:doc-index: path: message` line per problem and a last summary
  line counting files, documents and what was skipped (`--output text`), or one JSON report with
  that summary (`--output json`). `--print-request` also prints the request per valid
  resource; a resource without `metadata.uid` gets a job name derived from a placeholder UID
  (all zeros), said so on stderr and in the JSON report.
- `run(...)` returns an `Outcome`; `reconciler.cli` maps it to the exit code: VALID 0, INVALID 1
  (some document has problems), UNUSABLE 2 (an input is missing, unreadable, too large, not text
  or not YAML).
- Never a traceback for any input: empty files, binary garbage, huge files, YAML alias bombs,
  recursion, non-mapping documents all end as one line each.
- A key repeated within one mapping is accepted as kubectl accepts it (the last value wins) with a
  `warning:` line on stderr naming the key and its line (`warnings` in JSON); it does not change
  the outcome, which follows the document's validity.
I/O: reads the inputs and writes to the given streams; everything else is delegated to pure modules.
"""

from __future__ import annotations

import base64
import difflib
import enum
import json
import math
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

import yaml

from reconciler.core.naming import job_name_for
from reconciler.spec import crdschema

GROUP: Final = "sagemaker.aws.amazon.com"
VERSION: Final = "v1"
API_VERSION: Final = f"{GROUP}/{VERSION}"
TUNING_JOB_KIND: Final = "HyperparameterTuningJob"
TRAINING_JOB_KIND: Final = "TrainingJob"
MANIFEST_SUFFIXES: Final = (".yaml", ".yml", ".json")
# Kubernetes stores objects of at most ~1.5 MiB; a manifest file far beyond that is not one.
MAX_INPUT_BYTES: Final = 4 * 1024 * 1024
# Upper bound on a document's size once YAML aliases are expanded (defeats "billion laughs").
MAX_EXPANDED_NODES: Final = 200_000
PLACEHOLDER_UID: Final = "00000000-0000-0000-0000-000000000000"
STDIN_NAME: Final = "<stdin>"

_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_TEXT = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
    "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL_TEXT = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_YAML_BOOLEAN_HINT = " (YAML reads unquoted Off/On/Yes/No/true/false as booleans: quote the value)"
_YAML_NUMBER_HINT = ' (YAML reads an unquoted number as a number: quote the value, e.g. "10")'
# An enum longer than this (instance types: about 250) is shown as its closest few values.
MAX_LISTED_VALUES: Final = 8
CLOSEST_VALUES: Final = 5


class Outcome(enum.Enum):
    VALID = "valid"
    INVALID = "invalid"
    UNUSABLE = "unusable"


@dataclass(frozen=True)
class Finding:
    """One problem of one document. `source`: input, metadata, schema, semantics or sagemaker."""

    path: str
    message: str
    source: str


@dataclass
class DocumentReport:
    file: str
    index: int
    kind: str | None = None
    name: str | None = None
    findings: list[Finding] = field(default_factory=list)
    skipped: str | None = None
    warnings: list[str] = field(default_factory=list)  # accepted as kubectl does, but worth a look
    request: dict[str, Any] | None = None
    job_name_is_placeholder: bool = False

    @property
    def valid(self) -> bool:
        return not self.findings


@dataclass
class FileReport:
    file: str
    error: str | None = None  # the input could not be read as YAML at all
    documents: list[DocumentReport] = field(default_factory=list)


# --- CRD schemas ------------------------------------------------------------------------------


def load_crd_schemas(crd_dir: Path) -> dict[str, Mapping[str, Any]]:
    """{kind: openAPIV3Schema of its storage version} for every CRD in `crd_dir`/*.yaml."""
    schemas: dict[str, Mapping[str, Any]] = {}
    for path in sorted(crd_dir.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            _add_crd(schemas, document)
    return schemas


def builtin_crd_schemas() -> dict[str, Mapping[str, Any]]:
    """The schemas of the CRDs this version of hpo-reconciler generates (identical to `crds/`)."""
    from reconciler.awsmodel.crd import crd_documents  # builds from botocore's model: only when needed

    schemas: dict[str, Mapping[str, Any]] = {}
    for document in crd_documents().values():
        _add_crd(schemas, document)
    return schemas


def _add_crd(schemas: dict[str, Mapping[str, Any]], document: Any) -> None:
    if not isinstance(document, Mapping) or document.get("kind") != "CustomResourceDefinition":
        return
    spec = document.get("spec") or {}
    for version in spec.get("versions") or []:
        if version.get("storage"):
            schemas[spec["names"]["kind"]] = version["schema"]["openAPIV3Schema"]


# --- reading inputs ---------------------------------------------------------------------------


class _InputError(Exception):
    """The input cannot be examined at all (exit 2)."""


class _DocumentError(Exception):
    """One document cannot be turned into a JSON object (a problem of that document)."""


# libyaml's parser when PyYAML has it (several times faster), else the pure-Python one.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """YAML as kubectl reads it: timestamps stay strings; a duplicate key keeps its last value.

    kubectl converts YAML to JSON with sigs.k8s.io/yaml (go-yaml v2), which does not reject a key
    repeated in one mapping: the later value replaces the earlier one. The loader does the same
    and records each repetition in `duplicates` so that validate can warn about it.
    """

    duplicates: list[tuple[int, str]]


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping_last_wins(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=False)
        try:
            duplicate = key in seen
        except TypeError:  # an unhashable (complex) key; the constructor reports it
            continue
        if duplicate:
            loader.duplicates.append((key_node.start_mark.line + 1, str(key)))
        seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)  # a later key overwrites
    return mapping


_StrictLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping_last_wins)


@dataclass(frozen=True)
class _Document:
    """One parsed YAML document and the keys it repeats, as (line, key)."""

    value: Any
    duplicates: list[tuple[int, str]]


def _read_bytes(path: str, stdin: IO[bytes]) -> bytes:
    if path == "-":
        data = stdin.read(MAX_INPUT_BYTES + 1)
    else:
        size = os.path.getsize(path)
        if size > MAX_INPUT_BYTES:
            raise _InputError(_too_large(size))
        with open(path, "rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise _InputError(_too_large(len(data)))
    return data


def _too_large(size: int) -> str:
    return (
        f"too large: {size / 1_000_000:.1f} MB; hpo-reconciler validate reads manifests up to "
        f"{MAX_INPUT_BYTES // (1024 * 1024)} MiB (a Kubernetes object is at most about 1.5 MiB)"
    )


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise _InputError("not a text file (it contains NUL bytes): expected YAML or JSON manifests")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _InputError(
            f"not UTF-8 text (byte {exc.start} is invalid): expected YAML or JSON manifests"
        ) from exc
    return text


def _parse_documents(text: str) -> list[_Document]:
    loader = _StrictLoader(text)  # a SafeLoader subclass
    loader.duplicates = []
    documents: list[_Document] = []
    try:
        while loader.check_data():
            value = loader.get_data()
            documents.append(_Document(value, loader.duplicates))
            loader.duplicates = []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in problem:  # libyaml's limit; the pure-Python parser hits RecursionError
            raise _InputError("not usable YAML: nested too deeply") from exc
        raise _InputError(f"not valid YAML: {where}{problem}") from exc
    except yaml.YAMLError as exc:
        raise _InputError(f"not valid YAML: {' '.join(str(exc).split())}") from exc
    except RecursionError as exc:
        raise _InputError("not usable YAML: nested too deeply") from exc
    finally:
        loader.dispose()
    return documents


def _json_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, int | float):
        return crdschema.go_json(key)
    raise _DocumentError(f"a mapping key is a {type(key).__name__}: keys must be strings")


def _to_json(value: Any, *, budget: list[int], active: set[int]) -> Any:
    """A JSON copy of a YAML value (as kubectl converts YAML to JSON), within an expansion budget."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _DocumentError(
            f"YAML aliases expand this document beyond {MAX_EXPANDED_NODES} values (an alias bomb?): "
            "write the values out or use fewer aliases"
        )
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _DocumentError(f"{value!r} is not a JSON number: quote it if it is meant as text")
        return value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict | list):
        if id(value) in active:
            raise _DocumentError("a YAML alias refers to a value that contains it (a recursive document)")
        active.add(id(value))
        try:
            if isinstance(value, list):
                return [_to_json(item, budget=budget, active=active) for item in value]
            return {_json_key(k): _to_json(v, budget=budget, active=active) for k, v in value.items()}
        finally:
            active.discard(id(value))
    raise _DocumentError(f"a {type(value).__name__} value cannot be expressed in JSON")


# --- checking one document --------------------------------------------------------------------


@dataclass(frozen=True)
class _Checker:
    schemas: Mapping[str, Mapping[str, Any]]
    print_request: bool

    def check(self, report: DocumentReport, raw: Any) -> None:
        try:
            document = _to_json(raw, budget=[MAX_EXPANDED_NODES], active=set())
        except _DocumentError as exc:
            report.findings.append(Finding("", str(exc), "input"))
            return
        if not isinstance(document, dict):
            what = "a list" if isinstance(document, list) else f"a {_json_type(document)}"
            report.findings.append(
                Finding(
                    "",
                    f"the document is {what}, not a Kubernetes object (a mapping with apiVersion and kind)",
                    "input",
                )
            )
            return
        kind, api_version = document.get("kind"), document.get("apiVersion")
        report.kind = kind if isinstance(kind, str) else None
        metadata = document.get("metadata")
        if isinstance(metadata, Mapping) and isinstance(metadata.get("name"), str):
            report.name = metadata["name"]
        if not isinstance(kind, str) or not kind:
            report.findings.append(
                Finding("kind", "Required value: every Kubernetes object has a kind", "input")
            )
            return
        if not self._is_ours(report, kind=kind, api_version=api_version):
            return
        schema = self.schemas.get(kind)
        if schema is None:
            report.skipped = f"no CRD schema for kind {kind}"
            return
        report.findings.extend(_metadata_findings(document.get("metadata")))
        pruned = self._schema_findings(report, document, schema=schema)
        if kind == TUNING_JOB_KIND:
            self._tuning_job_findings(report, pruned)

    def _is_ours(self, report: DocumentReport, *, kind: str, api_version: Any) -> bool:
        group = api_version.split("/", 1)[0] if isinstance(api_version, str) and "/" in api_version else None
        if kind in (TUNING_JOB_KIND, TRAINING_JOB_KIND) and api_version != API_VERSION:
            if group == GROUP or api_version is None or kind == TUNING_JOB_KIND:
                report.findings.append(
                    Finding(
                        "apiVersion", f"Unsupported value: {_show(api_version)}: use {API_VERSION}", "input"
                    )
                )
                return False
            report.skipped = f"{kind} {api_version}"  # a TrainingJob of another API group
            return False
        if group == GROUP and kind not in (TUNING_JOB_KIND, TRAINING_JOB_KIND):
            close = difflib.get_close_matches(kind, [TUNING_JOB_KIND, TRAINING_JOB_KIND], n=1, cutoff=0.6)
            hint = f": did you mean {close[0]}?" if close else f": use {TUNING_JOB_KIND}"
            report.findings.append(Finding("kind", f"{kind!r} is not a kind of {API_VERSION}{hint}", "input"))
            return False
        if kind not in (TUNING_JOB_KIND, TRAINING_JOB_KIND):
            report.skipped = f"{kind} {api_version if isinstance(api_version, str) else '(no apiVersion)'}"
            return False
        return True

    def _schema_findings(
        self, report: DocumentReport, document: dict[str, Any], *, schema: Mapping[str, Any]
    ) -> dict[str, Any]:
        try:
            result = crdschema.validate_object(document, schema=schema, strict=True)
        except crdschema.InvalidSchemaError as exc:  # a CRD the apiserver would refuse (only with --crd-dir)
            report.findings.append(Finding("", f"the CRD schema is unusable: {exc}", "schema"))
            return {}
        for error in result.errors:
            message = crdschema.error_body(error)
            if error.type == crdschema.TYPE_INVALID and "of type string" in error.detail:
                if error.value == "boolean":
                    message += _YAML_BOOLEAN_HINT
                elif error.value in ("integer", "number"):
                    message += _YAML_NUMBER_HINT
            elif error.type == crdschema.NOT_SUPPORTED:
                message = _closest_supported(error, _schema_at(schema, error.field)) or message
            report.findings.append(Finding(error.field, message, "schema"))
        for path in result.unknown_fields:
            report.findings.append(Finding(path, _unknown_field_message(path, schema), "schema"))
        return result.pruned

    def _tuning_job_findings(self, report: DocumentReport, pruned: Mapping[str, Any]) -> None:
        from reconciler import awsmodel
        from reconciler.spec import semantics  # the API model loads botocore's model: only when needed

        spec = pruned.get("spec")
        if not isinstance(spec, Mapping):
            if not any(f.path == "spec" for f in report.findings):
                report.findings.append(
                    Finding(
                        "spec",
                        "Required value: add a spec with hyperParameterTuningJobConfig and "
                        "trainingJobDefinition",
                        "schema",
                    )
                )
            return
        reported = {f.path for f in report.findings}
        for problem in semantics.check_spec(spec):
            if problem.path not in reported:
                report.findings.append(Finding(problem.path, problem.message, "semantics"))
        job_name, placeholder = _job_name(pruned)
        try:
            request = awsmodel.spec_to_request(spec, job_name=job_name)
        except (awsmodel.UnknownFieldError, awsmodel.MalformedEntryError) as exc:
            path = getattr(exc, "path", "spec")
            if path not in reported:
                report.findings.append(Finding(path, f"cannot be sent to SageMaker: {exc}", "sagemaker"))
            return
        except (TypeError, ValueError, AttributeError, KeyError) as exc:  # odd values the schema flagged
            if not report.findings:
                report.findings.append(
                    Finding("spec", f"cannot be translated into a SageMaker request: {exc}", "sagemaker")
                )
            return
        raw_tags = request.get("Tags")
        tags: list[Any] = raw_tags if isinstance(raw_tags, list) else []
        request["Tags"] = [*tags, *_reconciler_tags(pruned, placeholder=placeholder)]
        reported = {f.path for f in report.findings}
        try:
            violations = awsmodel.check_input("CreateHyperParameterTuningJob", request)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:  # values the schema already flagged
            if not report.findings:
                report.findings.append(
                    Finding("spec", f"cannot be checked as a SageMaker request: {exc}", "sagemaker")
                )
            return
        for violation in violations:
            path = _spec_path(violation.path)
            if path not in reported and not any(
                r.startswith(path + ".") or r.startswith(path + "[") for r in reported
            ):
                report.findings.append(
                    Finding(
                        path,
                        f"SageMaker would reject {_aws_value(violation.value)}: {violation.constraint}",
                        "sagemaker",
                    )
                )
        if self.print_request and report.valid:
            report.request = request
            report.job_name_is_placeholder = placeholder


def _json_type(value: Any) -> str:
    return {bool: "boolean", int: "number", float: "number", str: "string"}.get(type(value), "null")


def _show(value: Any) -> str:
    return crdschema.go_value(value) if value is not None else "missing"


def _metadata_findings(metadata: Any) -> list[Finding]:
    if not isinstance(metadata, Mapping):
        return [Finding("metadata.name", "Required value: name or generateName is required", "metadata")]
    findings = []
    name, generate_name = metadata.get("name"), metadata.get("generateName")
    if not name and not generate_name:
        findings.append(
            Finding("metadata.name", "Required value: name or generateName is required", "metadata")
        )
    elif isinstance(name, str) and name:
        findings.extend(
            _dns_findings("metadata.name", name, pattern=_DNS1123_SUBDOMAIN, text=_SUBDOMAIN_TEXT, limit=253)
        )
    namespace = metadata.get("namespace")
    if isinstance(namespace, str) and namespace:
        findings.extend(
            _dns_findings("metadata.namespace", namespace, pattern=_DNS1123_LABEL, text=_LABEL_TEXT, limit=63)
        )
    return findings


def _dns_findings(path: str, value: str, *, pattern: re.Pattern[str], text: str, limit: int) -> list[Finding]:
    findings = []
    if len(value) > limit:
        findings.append(
            Finding(
                path,
                f"Invalid value: {crdschema.go_quote(value)}: must be no more than {limit} characters",
                "metadata",
            )
        )
    if not pattern.match(value):
        findings.append(Finding(path, f"Invalid value: {crdschema.go_quote(value)}: {text}", "metadata"))
    return findings


def _unknown_field_message(path: str, schema: Mapping[str, Any]) -> str:
    parent_path, _, name = path.rpartition(".")
    known = sorted(_properties_at(schema, parent_path))
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else "remove it or check its spelling"
    return f'unknown field "{path}" (kubectl apply rejects it under strict field validation): {hint}'


def _schema_at(schema: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    """The schema node of `path` (`spec.a[0].b`), or {} when the path leaves the schema."""
    node: Any = schema
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if not isinstance(node, Mapping):
            return {}
        node = node.get("items") if part.startswith("[") else (node.get("properties") or {}).get(part)
    return node if isinstance(node, Mapping) else {}


def _properties_at(schema: Mapping[str, Any], path: str) -> list[str]:
    return list((_schema_at(schema, path).get("properties") or {}).keys())


def _closest_supported(error: crdschema.FieldError, node: Mapping[str, Any]) -> str | None:
    """`Unsupported value` with the closest few of a long enum instead of all of them (else None)."""
    allowed = [value for value in node.get("enum") or [] if isinstance(value, str)]
    if len(allowed) <= MAX_LISTED_VALUES or not isinstance(error.value, str):
        return None
    close = difflib.get_close_matches(error.value, allowed, n=CLOSEST_VALUES, cutoff=0.0)
    shown = ", ".join(crdschema.go_quote(value) for value in close)
    return (
        f"Unsupported value: {crdschema.go_quote(error.value)}: closest of the {len(allowed)} supported "
        f"values: {shown}"
    )


def _job_name(document: Mapping[str, Any]) -> tuple[str, bool]:
    metadata = document.get("metadata") or {}
    spec = document.get("spec") or {}
    requested = spec.get("hyperParameterTuningJobName") if isinstance(spec, Mapping) else None
    uid = metadata.get("uid") if isinstance(metadata, Mapping) else None
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if isinstance(requested, str) and requested:
        return requested, False
    placeholder = not (isinstance(uid, str) and uid)
    try:
        derived = job_name_for(
            resource_name=name if isinstance(name, str) else "",
            uid=PLACEHOLDER_UID if placeholder else str(uid),
            requested=None,
        )
    except ValueError:
        return "invalid-name", placeholder
    return derived, placeholder


def _reconciler_tags(document: Mapping[str, Any], *, placeholder: bool) -> list[dict[str, str]]:
    from reconciler.core.model import TAG_NAME, TAG_NAMESPACE, TAG_UID

    raw = document.get("metadata")
    metadata: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    return [
        {"Key": TAG_NAMESPACE, "Value": str(metadata.get("namespace") or "default")},
        {"Key": TAG_NAME, "Value": str(metadata.get("name") or "")},
        {"Key": TAG_UID, "Value": PLACEHOLDER_UID if placeholder else str(metadata.get("uid"))},
    ]


def _spec_path(aws_path: str) -> str:
    """`tags.1.member.key` (AWS, 1-based) -> `spec.tags[0].key`."""
    parts = aws_path.split(".")
    out: list[str] = []
    index = 0
    while index < len(parts):
        part = parts[index]
        if part.isdigit() and index + 1 < len(parts) and parts[index + 1] == "member" and out:
            out[-1] += f"[{int(part) - 1}]"
            index += 2
            continue
        out.append(part)
        index += 1
    return "spec." + ".".join(out) if out else "spec"


def _aws_value(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


# --- walking the inputs -----------------------------------------------------------------------


def _expand(
    paths: Sequence[str], *, notes: list[str], missing: list[str], charts: list[str]
) -> Iterator[str]:
    for path in paths:
        if path == "-":
            yield path
        elif os.path.isdir(path):
            found = list(_walk(Path(path), notes=notes, charts=charts, visited=set()))
            if not found:
                notes.append(f"{path}: no *.yaml, *.yml or *.json files")
            yield from found
        elif os.path.exists(path):
            yield path
        else:
            missing.append(path)


def _walk(root: Path, *, notes: list[str], charts: list[str], visited: set[Path]) -> Iterator[str]:
    real = root.resolve()
    if real in visited:  # a symbolic link back up the tree
        return
    visited.add(real)
    if (root / "Chart.yaml").is_file():
        charts.append(str(root))
        notes.append(
            f"{root}: skipped Helm chart (render it first: helm template {root} | hpo-reconciler validate -)"
        )
        return
    try:
        entries = sorted(root.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        notes.append(f"{root}: cannot be listed: {exc.strerror}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from _walk(entry, notes=notes, charts=charts, visited=visited)
        elif entry.suffix.lower() in MANIFEST_SUFFIXES:
            yield str(entry)


def _duplicate_key_warning(line: int, key: str) -> str:
    return (
        f"line {line}: key {key!r} appears again in the same mapping; the last value wins, as kubectl "
        "applies it: remove the earlier one"
    )


def examine(
    paths: Sequence[str], *, schemas: Mapping[str, Mapping[str, Any]], print_request: bool, stdin: IO[bytes]
) -> tuple[list[FileReport], list[str], list[str], list[str]]:
    """(file reports, notes, missing paths, skipped Helm charts) for `paths`; pure apart from reading."""
    notes: list[str] = []
    missing: list[str] = []
    charts: list[str] = []
    checker = _Checker(schemas=schemas, print_request=print_request)
    reports = []
    for path in _expand(paths, notes=notes, missing=missing, charts=charts):
        name = STDIN_NAME if path == "-" else path
        report = FileReport(file=name)
        reports.append(report)
        try:
            documents = _parse_documents(_decode(_read_bytes(path, stdin)))
        except _InputError as exc:
            report.error = str(exc)
            continue
        except OSError as exc:
            report.error = f"cannot be read: {exc.strerror or exc}"
            continue
        if all(document.value is None for document in documents):
            report.documents.append(
                DocumentReport(
                    name, 0, findings=[Finding("", "no Kubernetes objects: the file is empty", "input")]
                )
            )
            continue
        for index, document in enumerate(documents):
            if document.value is None:
                continue  # an empty document between `---` separators, as kubectl ignores it
            doc = DocumentReport(name, index)
            doc.warnings.extend(_duplicate_key_warning(line, key) for line, key in document.duplicates)
            checker.check(doc, document.value)
            report.documents.append(doc)
    return reports, notes, missing, charts


# --- output -----------------------------------------------------------------------------------


def run(
    paths: Sequence[str],
    *,
    output: str = "text",
    print_request: bool = False,
    crd_dir: Path | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    stdin: IO[bytes] | None = None,
) -> Outcome:
    """Validate `paths`, write the results, and say how it went (the CLI maps it to an exit code)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        schemas = load_crd_schemas(crd_dir) if crd_dir is not None else builtin_crd_schemas()
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        err.write(f"hpo-reconciler validate: error: cannot load CRDs from {crd_dir}: {exc}\n")
        return Outcome.UNUSABLE
    if crd_dir is not None and TUNING_JOB_KIND not in schemas:
        err.write(f"hpo-reconciler validate: error: no {TUNING_JOB_KIND} CRD in {crd_dir}\n")
        return Outcome.UNUSABLE
    reports, notes, missing, charts = examine(
        paths, schemas=schemas, print_request=print_request, stdin=stdin or sys.stdin.buffer
    )
    for path in missing:
        err.write(f"hpo-reconciler validate: error: {path}: no such file or directory\n")
    for note in notes:
        err.write(f"note: {note}\n")
    _write_skip_notes(err, reports)
    summary = _summary(reports, charts=charts)
    if output == "json":
        _write_json(out, reports, missing=missing, summary=summary)
    else:
        _write_text(out, err, reports)
        out.write(summary + "\n")  # the result of the run, with the problems: stdout
    if missing or any(r.error for r in reports):
        return Outcome.UNUSABLE
    if any(not d.valid for r in reports for d in r.documents):
        return Outcome.INVALID
    return Outcome.VALID


def _write_text(out: IO[str], err: IO[str], reports: list[FileReport]) -> None:
    for report in reports:
        if report.error:
            out.write(_one_line(f"{report.file}: {report.error}") + "\n")
        for doc in report.documents:
            for warning in doc.warnings:
                err.write(_one_line(f"warning: {doc.file}:{doc.index}: {warning}") + "\n")
            for finding in doc.findings:
                where = f"{finding.path}: " if finding.path else ""
                out.write(_one_line(f"{doc.file}:{doc.index}: {where}{finding.message}") + "\n")
            if doc.request is not None:
                if doc.job_name_is_placeholder:
                    err.write(
                        f"note: {doc.file}:{doc.index}: HyperParameterTuningJobName "
                        f"{doc.request['HyperParameterTuningJobName']} and the hpo-reconciler/uid tag use "
                        "a placeholder UID; the real name ends with the resource's UID, known once it is "
                        "created\n"
                    )
                out.write(json.dumps(doc.request, indent=2, ensure_ascii=False) + "\n")


# Characters that end a line for some reader (str.splitlines, terminals); field names may hold them.
_LINE_BREAKS = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def _one_line(text: str) -> str:
    """`text` with every line-breaking character escaped, so one problem is one line."""
    return _LINE_BREAKS.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def _write_skip_notes(err: IO[str], reports: list[FileReport]) -> None:
    for report in reports:
        for doc in report.documents:
            if doc.skipped:
                err.write(
                    f"note: {doc.file}:{doc.index}: skipped {doc.skipped} (only {TUNING_JOB_KIND} "
                    f"and {TRAINING_JOB_KIND} of {API_VERSION} are validated)\n"
                )


def _write_json(out: IO[str], reports: list[FileReport], *, missing: list[str], summary: str) -> None:
    documents = []
    for report in reports:
        for doc in report.documents:
            item: dict[str, Any] = {
                "file": doc.file,
                "document": doc.index,
                "kind": doc.kind,
                "name": doc.name,
                "valid": doc.valid,
                "skipped": doc.skipped,
                "warnings": doc.warnings,
                "problems": [
                    {"path": f.path, "message": f.message, "source": f.source} for f in doc.findings
                ],
            }
            if doc.request is not None:
                item["request"] = doc.request
                item["jobNameIsPlaceholder"] = doc.job_name_is_placeholder
            documents.append(item)
    payload = {
        "valid": not missing and all(not r.error for r in reports) and all(d["valid"] for d in documents),
        "errors": [{"file": p, "message": "no such file or directory"} for p in missing]
        + [{"file": r.file, "message": r.error} for r in reports if r.error],
        "documents": documents,
        "summary": summary,
    }
    out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def _summary(reports: list[FileReport], *, charts: list[str]) -> str:
    documents = [d for r in reports for d in r.documents]
    checked = [d for d in documents if not d.skipped]
    invalid = [d for d in checked if not d.valid]
    problems = sum(len(d.findings) for d in documents)
    unreadable = sum(1 for r in reports if r.error)
    skipped = len(documents) - len(checked)
    charts_text = f" and {len(charts)} Helm chart(s)" if charts else ""
    return (
        f"{len(reports)} file(s), {len(checked)} document(s) checked: {len(checked) - len(invalid)} valid, "
        f"{len(invalid)} invalid ({problems} problem(s)); {skipped} document(s){charts_text} skipped; "
        f"{unreadable} unreadable"
    )
