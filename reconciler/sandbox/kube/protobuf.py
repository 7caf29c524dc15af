"""Decoding of `application/vnd.kubernetes.protobuf` request bodies for the built-in kinds.

kubectl's typed commands (`kubectl create namespace`, ...) send built-in objects as Kubernetes protobuf:
the 4-byte magic `k8s\\0` and a `runtime.Unknown` envelope whose `raw` field holds the object's message.
Contract: `decode(body)` returns the object as the JSON form the API would accept, for Namespace, Lease
and Event (core/v1), or raises `ValueError` for anything else or a malformed body. Only decoding:
responses are always JSON, which clients accept alongside protobuf.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

MAGIC = b"k8s\x00"

Decoder = Callable[[Any], Any]  # takes a varint (int) or a length-delimited field (bytes)
Fields = dict[int, tuple[str, Decoder, bool]]  # number -> (json name, decoder, repeated)


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


def _message(fields: Fields) -> Decoder:
    def decode(value: Any) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for number, raw in _fields(_bytes(value)):
            if number not in fields:
                continue
            name, decoder, repeated = fields[number]
            decoded = decoder(raw)
            if decoded == "" and not repeated:
                continue  # gogo-protobuf writes empty strings that JSON would omit
            if name in ("labels", "annotations"):  # map<string,string> entries: key=1, value=2
                obj.setdefault(name, {})[decoded.get("key", "")] = decoded.get("value", "")
            elif repeated:
                obj.setdefault(name, []).append(decoded)
            else:
                obj[name] = decoded
        return obj

    return decode


def _time(micro: bool) -> Decoder:
    def decode(value: Any) -> str:
        parts = dict(_fields(_bytes(value)))
        stamp = dt.datetime.fromtimestamp(_int(parts.get(1, 0)), dt.UTC)
        if micro:
            stamp = stamp.replace(microsecond=int(parts.get(2, 0)) // 1000)
            return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")

    return decode


_ENTRY = _message({1: ("key", _string, False), 2: ("value", _string, False)})
_OWNER = _message(
    {
        1: ("kind", _string, False),
        3: ("name", _string, False),
        4: ("uid", _string, False),
        5: ("apiVersion", _string, False),
        6: ("controller", _bool, False),
        7: ("blockOwnerDeletion", _bool, False),
    }
)
_OBJECT_META = _message(
    {
        1: ("name", _string, False),
        2: ("generateName", _string, False),
        3: ("namespace", _string, False),
        5: ("uid", _string, False),
        6: ("resourceVersion", _string, False),
        7: ("generation", _int, False),
        8: ("creationTimestamp", _time(False), False),
        11: ("labels", _ENTRY, False),
        12: ("annotations", _ENTRY, False),
        13: ("ownerReferences", _OWNER, True),
        14: ("finalizers", _string, True),
    }
)
_OBJECT_REFERENCE = _message(
    {
        1: ("kind", _string, False),
        2: ("namespace", _string, False),
        3: ("name", _string, False),
        4: ("uid", _string, False),
        5: ("apiVersion", _string, False),
        6: ("resourceVersion", _string, False),
        7: ("fieldPath", _string, False),
    }
)
_KINDS: dict[str, Decoder] = {
    "Namespace": _message(
        {
            1: ("metadata", _OBJECT_META, False),
            2: ("spec", _message({1: ("finalizers", _string, True)}), False),
            3: ("status", _message({1: ("phase", _string, False)}), False),
        }
    ),
    "Lease": _message(
        {
            1: ("metadata", _OBJECT_META, False),
            2: (
                "spec",
                _message(
                    {
                        1: ("holderIdentity", _string, False),
                        2: ("leaseDurationSeconds", _int, False),
                        3: ("acquireTime", _time(True), False),
                        4: ("renewTime", _time(True), False),
                        5: ("leaseTransitions", _int, False),
                        6: ("strategy", _string, False),
                        7: ("preferredHolder", _string, False),
                    }
                ),
                False,
            ),
        }
    ),
    "Event": _message(
        {
            1: ("metadata", _OBJECT_META, False),
            2: ("involvedObject", _OBJECT_REFERENCE, False),
            3: ("reason", _string, False),
            4: ("message", _string, False),
            5: ("source", _message({1: ("component", _string, False), 2: ("host", _string, False)}), False),
            6: ("firstTimestamp", _time(False), False),
            7: ("lastTimestamp", _time(False), False),
            8: ("count", _int, False),
            9: ("type", _string, False),
            10: ("eventTime", _time(True), False),
            12: ("action", _string, False),
            13: ("related", _OBJECT_REFERENCE, False),
            14: ("reportingComponent", _string, False),
            15: ("reportingInstance", _string, False),
        }
    ),
}


def decode(body: bytes) -> dict[str, Any]:
    if not body.startswith(MAGIC):
        raise ValueError("the body does not start with the Kubernetes protobuf magic number")
    envelope = dict(_fields(body[len(MAGIC) :]))
    type_meta = dict(_fields(_bytes(envelope.get(1, b""))))
    api_version = _string(type_meta.get(1, b""))
    kind = _string(type_meta.get(2, b""))
    decoder = _KINDS.get(kind)
    if decoder is None:
        raise ValueError(f"protobuf bodies are accepted for {', '.join(sorted(_KINDS))} only, not {kind!r}")
    obj: dict[str, Any] = {"kind": kind, "apiVersion": api_version}
    obj.update(decoder(_bytes(envelope.get(2, b""))))
    return obj
