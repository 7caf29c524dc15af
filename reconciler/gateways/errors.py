"""The one error taxonomy of both gateways: every failed call is retryable or fatal.

Contract:
- `GatewayError` is the base of every error a gateway raises about a remote call.
- `RetryableError`: the same call may well succeed later without anyone changing anything
  (throttling, 5xx, timeouts, connection trouble, a lost optimistic-concurrency race). The engine
  leaves the resource for the next pass (outcome `retry`), never Stalled.
- `FatalError`: repeating the same call cannot help until something changes (the request was
  refused, the object is gone, access is denied, an answer nobody has a rule for). The engine
  reports the resource `failed` unless a rule of the core gives that answer a meaning (a rejected
  create stalls, a stop of a job already gone finalizes, a 404 on a deleted resource is "gone").
- `PassFatalError` (a `FatalError`): no call of this kind can work in this process (no usable
  credentials); it ends the pass instead of one resource.
Each gateway subclasses these (`kube.ConflictError(KubeError, RetryableError)`, ...); the mapping
of HTTP statuses and AWS error codes to classes stays in each gateway's `map_error`. The split
mirrors kopf's TemporaryError/PermanentError and the ACK runtime's requeue vs Terminal errors.
"""

from __future__ import annotations


class GatewayError(Exception):
    """A remote call failed; subclasses say whether trying again later can help."""


class RetryableError(GatewayError):
    """Trying the same call again later may succeed: leave the resource for the next pass."""


class FatalError(GatewayError):
    """Trying the same call again cannot succeed until something changes."""


class PassFatalError(FatalError):
    """No call of this kind can succeed in this process: the pass ends."""
