"""The gateways as the engine sees them: Protocols that the real gateways satisfy.

Contract: `KubePort` and `SageMakerPort` list exactly the calls `engine.reconcile` and
`engine.children` make, with the real gateways' signatures; `gateways.kube.KubeGateway` and
`gateways.sagemaker.SageMakerGateway` satisfy them structurally (mypy checks it where `engine.run`
builds the `Context`), and tests pass fakes that implement them. Errors are the gateways' classes
(`gateways.errors` taxonomy): a fake raises those, as the real gateways do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class KubePort(Protocol):
    def get_tuning_job(self, namespace: str, name: str) -> dict[str, Any]: ...

    def patch_tuning_job_status(
        self, namespace: str, name: str, patch: Mapping[str, Any]
    ) -> dict[str, Any]: ...

    def set_finalizers(
        self,
        namespace: str,
        name: str,
        finalizers: list[str],
        *,
        resource_version: str | None,
        annotations: Mapping[str, str | None] | None = None,
    ) -> dict[str, Any]: ...

    def list_training_jobs(self, namespace: str, *, selector: str) -> list[dict[str, Any]]: ...

    def patch_training_job_metadata(
        self, namespace: str, name: str, metadata: Mapping[str, Any], *, resource_version: str | None
    ) -> dict[str, Any]: ...

    def get_training_job(self, namespace: str, name: str) -> dict[str, Any]: ...

    def create_training_job(self, namespace: str, body: Mapping[str, Any]) -> dict[str, Any]: ...

    def patch_training_job_status(
        self, namespace: str, name: str, patch: Mapping[str, Any]
    ) -> dict[str, Any]: ...

    def delete_training_job(self, namespace: str, name: str) -> None: ...

    def create_event(
        self,
        involved: Mapping[str, Any],
        *,
        event_type: str,
        reason: str,
        message: str,
        now: str,
        component: str = "hpo-reconciler",
        dedupe_key: str | None = None,
    ) -> bool: ...

    def get_namespace(self, name: str) -> dict[str, Any]: ...


class SageMakerPort(Protocol):
    def create_tuning_job(
        self, request: Mapping[str, Any], *, region: str | None, endpoint: str | None
    ) -> str: ...

    def describe_tuning_job(
        self, name: str, *, region: str | None, endpoint: str | None
    ) -> dict[str, Any] | None: ...

    def stop_tuning_job(self, name: str, *, region: str | None, endpoint: str | None) -> None: ...

    def list_training_jobs(
        self, tuning_job_name: str, *, region: str | None, endpoint: str | None
    ) -> list[dict[str, Any]]: ...

    def describe_training_job(
        self, name: str, *, region: str | None, endpoint: str | None
    ) -> dict[str, Any]: ...

    def list_tags(self, arn: str, *, region: str | None, endpoint: str | None) -> dict[str, str]: ...

    def add_tags(
        self, arn: str, tags: Mapping[str, str], *, region: str | None, endpoint: str | None
    ) -> None: ...

    def delete_tags(self, arn: str, keys: list[str], *, region: str | None, endpoint: str | None) -> None: ...

    def region_of(self, region: str | None, endpoint: str | None) -> str: ...
