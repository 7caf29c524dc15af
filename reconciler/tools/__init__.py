"""The commands beside `run`: `validate` (offline manifest check), `crdgen` (writes crds/), `logs`
(a training job's CloudWatch log), `demo` and `sandbox_up` (the embedded sandbox). The CLI dispatches
to them; only `demo` and `sandbox_up` may import the sandbox.
"""
