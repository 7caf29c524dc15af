"""A Kubernetes API emulator that real `kubectl` (1.32) and the official `kubernetes` client accept.

It serves HTTP on 127.0.0.1 with the API server's semantics for what hpo-reconciler and its users touch:
discovery and OpenAPI v3, Namespaces, Events, Leases, CustomResourceDefinitions and the kinds they
register, and the built-ins the shipped manifests contain (ServiceAccount, CronJob, Job, ClusterRole,
ClusterRoleBinding, Role, RoleBinding: stored, validated against their 1.32 schemas and rules), schema
validation and pruning, status subresources, generation, resourceVersion conflicts, merge and JSON
patch, server-side apply and managedFields (`ssa`), finalizers, ownerReference garbage collection,
selectors, paging, watch and server-side Table output. It is test and demo infrastructure: product code
never imports it.

In-process use::

    with KubeSandbox() as kube:               # serves on a free port
        kube.write_kubeconfig(path)           # context "sandbox", namespace "default"
        kube.install_crds(Path("crds"))
        kube.inject_fault(verb="PATCH", resource="hyperparametertuningjobs/status", when="after")
        kube.stats()                          # {"PATCH hyperparametertuningjobs/status": 1, ...}

Stand-alone: ``python -m reconciler.sandbox.kube --dir DIR [--port N]`` serves until interrupted,
keeps its state in DIR (so a restart keeps the objects) and writes ``DIR/kubeconfig`` once it accepts
requests.

HTTP mirror of the controls (JSON in and out):

- ``GET /sandbox/stats`` -> ``{"requests": {"<VERB> <resource>": count}}``; VERB is one of GET LIST WATCH
  CREATE UPDATE PATCH DELETE, resource the plural with ``/status`` for the status subresource.
- ``POST /sandbox/faults`` with any of: a scripted fault ``{"verb", "resource", "name"?, "status"?=500,
  "times"?=1, "when"?="before"|"after"}``; a fault rate ``{"rate", "status"?=500, "verbs"?}``;
  a latency ``{"latency": seconds}``. Bad input -> 400 ``{"error": ...}``.
- ``DELETE /sandbox/faults`` clears faults and latency; ``POST /sandbox/reset`` also zeroes the counters.

Not emulated (each answered the way a server without it would, never with a wrong success): the parts of
server-side apply `ssa` lists, aggregated discovery (clients fall back to the legacy documents served here),
protobuf responses (JSON is returned; protobuf request bodies are decoded for every built-in kind served),
CRD version conversion, authorization (every request is allowed; RBAC objects are stored, not enforced),
controllers (a CronJob starts no Job, a Job runs no Pod, no ServiceAccount token is made), defaulting of
built-in fields, and kinds other than the built-ins listed above and CRD-registered ones. Deleting a CRD
removes its custom resources at once, whatever their finalizers.
"""

from reconciler.sandbox.kube.sandbox import KubeSandbox

__all__ = ["KubeSandbox"]
