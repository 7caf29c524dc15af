"""A context-manager base shared by both sandboxes (the Kubernetes emulator and the SageMaker simulator).

Contract: a subclass defines `start()` and `stop()`; `with sandbox:` starts it, yields it and stops it
on the way out whether or not the block raised (the exception, if any, propagates).
"""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Serving:
    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
