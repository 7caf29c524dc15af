"""camelCase <-> PascalCase names of SageMaker API members.

Contract: `camel` and `pascal` are inverse bijections over every structure member name in the
SageMaker model (``VolumeSizeInGB`` <-> ``volumeSizeInGB``, ``S3Uri`` <-> ``s3Uri``,
``KmsKeyId`` <-> ``kmsKeyId``). The table is built from the model rather than from string rules
alone, so ``pascal`` recovers names such as ``EMRServerless`` that no capitalisation rule could
guess back. Names outside the model fall back to changing the first letter's case only.
"""

from __future__ import annotations

import functools

from reconciler.awsmodel.loader import shapes


def _lower_first(name: str) -> str:
    # AWS's own camelCase (the paths in its validation messages, the legacy operator's JSON
    # tags) lowercases exactly the first character: VolumeSizeInGB -> volumeSizeInGB.
    return name[:1].lower() + name[1:]


@functools.cache
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    to_camel: dict[str, str] = {}
    for shape in shapes().values():
        if shape["type"] == "structure":
            for member in shape["members"]:
                to_camel[member] = _lower_first(member)
    to_pascal = {c: p for p, c in to_camel.items()}
    if len(to_pascal) != len(to_camel):  # pragma: no cover - guards a future model release
        raise RuntimeError("two SageMaker member names share one camelCase form")
    return to_camel, to_pascal


def camel(pascal_name: str) -> str:
    """The camelCase resource name of an API member (``S3Uri`` -> ``s3Uri``)."""
    return _tables()[0].get(pascal_name) or _lower_first(pascal_name)


def pascal(camel_name: str) -> str:
    """The API member name of a camelCase resource field (``s3Uri`` -> ``S3Uri``)."""
    return _tables()[1].get(camel_name) or camel_name[:1].upper() + camel_name[1:]
