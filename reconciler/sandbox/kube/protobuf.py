"""Decoding of `application/vnd.kubernetes.protobuf` request bodies for the built-in kinds.

kubectl's typed commands (`kubectl create namespace`, ...) send built-in objects as Kubernetes protobuf:
the 4-byte magic `k8s\\0` and a `runtime.Unknown` envelope whose `raw` field holds the object's message.
Contract: `decode(body)` returns the object as the JSON form the API would accept, for every built-in
kind the emulator serves (field numbers, JSON names and omitempty rules from `builtin_protobuf_data`,
generated from the Kubernetes 1.32 sources; a member inlined in JSON is a nested message in protobuf and
is flattened into its parent), or raises `ValueError` for anything else or a malformed
body. Only decoding: responses are always JSON, which clients accept alongside protobuf.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from reconciler.sandbox.kube.builtin_protobuf_data import KINDS, MESSAGES

MAGIC = b"k8s\x00"

Decoder = Callable[[Any], Any]  # takes a varint (int) or a length-delimited field (bytes)


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs: ints for varints, bytes for length-delimited; fixed widths skipped."""
    pos = 0
    out: list[tuple[int, int | bytes]] = []
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            out.append((number, value))
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ValueError("truncated length-delimited field")
            out.append((number, data[pos : pos + length]))
            pos += length
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
    return out


def _bytes(value: int | bytes) -> bytes:
    if isinstance(value, int):
        raise ValueError("expected a length-delimited field, found a varint")
    return value


def _string(value: Any) -> str:
    return _bytes(value).decode()


def _int(value: Any) -> int:
    number = int(value)
    return number - (1 << 64) if number >= 1 << 63 else number


def _bool(value: Any) -> bool:
    return bool(value)


_META = "k8s.io.apimachinery.pkg.apis.meta.v1."


def _time(value: Any, *, micro: bool) -> str | None:
    parts = dict(_fields(_bytes(value)))
    seconds = _int(parts.get(1, 0))
    if not seconds and not parts.get(2):
        return None  # the zero time, which JSON writes as null
    stamp = dt.datetime.fromtimestamp(seconds, dt.UTC)
    if micro:
        stamp = stamp.replace(microsecond=int(parts.get(2, 0)) // 1000)
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_or_string(value: Any) -> int | str:
    parts = dict(_fields(_bytes(value)))
    return _int(parts.get(2, 0)) if _int(parts.get(1, 0)) == 0 else _string(parts.get(3, b""))


def _duration(value: Any) -> str:
    nanoseconds = _int(dict(_fields(_bytes(value))).get(1, 0))
    return f"{nanoseconds / 1e9:g}s"


# Messages apimachinery marshals to JSON as scalars, decoded from their protobuf form.
_SPECIAL: dict[str, Decoder] = {
    f"{_META}Time": lambda v: _time(v, micro=False),
    f"{_META}MicroTime": lambda v: _time(v, micro=True),
    f"{_META}Duration": _duration,
    "k8s.io.apimachinery.pkg.api.resource.Quantity": lambda v: _string(dict(_fields(_bytes(v))).get(1, b"")),
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": _int_or_string,
    "k8s.io.apimachinery.pkg.runtime.RawExtension": lambda v: json.loads(
        _bytes(dict(_fields(_bytes(v))).get(1, b"null")) or b"null"
    ),
}
_SCALARS: dict[str, Decoder] = {
    "string": _string,
    "bytes": lambda v: base64.b64encode(_bytes(v)).decode(),
    "bool": _bool,
    "int32": _int,
    "int64": _int,
    "uint32": int,
    "uint64": int,
}


def _value(type_name: str, raw: Any) -> Any:
    scalar = _SCALARS.get(type_name)
    if scalar is not None:
        return scalar(raw)
    special = _SPECIAL.get(type_name)
    if special is not None:
        return special(raw)
    return _message(type_name, raw)


def _message(name: str, raw: Any) -> dict[str, Any]:
    fields = MESSAGES.get(name)
    if fields is None:
        raise ValueError(f"no protobuf decoding for message {name}")
    obj: dict[str, Any] = {}
    for number, value in _fields(_bytes(raw)):
        field = fields.get(str(number))
        if field is None:
            continue  # a field newer than Kubernetes 1.32: unknown, dropped as the API server would
        json_name, type_name, label, omit_zero = field
        if label == "map":
            entry = dict(_fields(_bytes(value)))
            key = _string(entry.get(1, b""))
            obj.setdefault(json_name, {})[key] = _value(type_name, entry.get(2, b""))
            continue
        decoded = _value(type_name, value)
        if not json_name:
            # A Go member tagged `json:",inline"` (Volume's VolumeSource, Probe's ProbeHandler, the
            # LocalObjectReference of key selectors): its own protobuf field, its members at this level.
            obj.update(decoded)
            continue
        if label == "repeated":
            obj.setdefault(json_name, []).append(decoded)
        elif decoded is None or (omit_zero and decoded in ("", 0, False)):
            continue  # gogo-protobuf writes non-pointer zero values that JSON's omitempty leaves out
        else:
            obj[json_name] = decoded
    return obj


def decode(body: bytes) -> dict[str, Any]:
    if not body.startswith(MAGIC):
        raise ValueError("the body does not start with the Kubernetes protobuf magic number")
    envelope = dict(_fields(body[len(MAGIC) :]))
    type_meta = dict(_fields(_bytes(envelope.get(1, b""))))
    api_version = _string(type_meta.get(1, b""))
    kind = _string(type_meta.get(2, b""))
    message = KINDS.get(f"{api_version}/{kind}")
    if message is None:
        known = ", ".join(sorted(k.rsplit("/", 1)[1] for k in KINDS))
        raise ValueError(f"protobuf bodies are accepted for {known} only, not {kind!r}")
    obj: dict[str, Any] = {"kind": kind, "apiVersion": api_version}
    obj.update(_message(message, envelope.get(2, b"")))
    return obj
