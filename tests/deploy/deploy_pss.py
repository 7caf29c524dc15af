"""The Kubernetes Pod Security Standards, "restricted" profile (which includes "baseline"), as a checker.

`restricted_violations(pod_spec)` returns one line per rule the pod spec breaks, worded after the
admission plugin's messages; an empty list means the pod would be admitted into a namespace labelled
`pod-security.kubernetes.io/enforce: restricted`. The rules are those of the "latest" policy version
(kubernetes.io/docs/concepts/security/pod-security-standards); Windows-only fields are not modelled.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

RESTRICTED_VOLUME_TYPES = frozenset(
    {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected",
     "secret"}
)
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)
ALLOWED_SELINUX_TYPES = frozenset(
    {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
)


def _containers(pod: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for key in ("initContainers", "containers", "ephemeralContainers"):
        yield from pod.get(key) or []


def restricted_violations(pod: Mapping[str, Any]) -> list[str]:
    """Every restricted-profile rule `pod` (a PodSpec) breaks; [] when it is compliant."""
    problems: list[str] = []
    pod_sc: Mapping[str, Any] = pod.get("securityContext") or {}

    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(field):
            problems.append(f"host namespaces: {field}=true")
    for volume in pod.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if "hostPath" in kinds:
            problems.append(f"hostPath volumes: {volume['name']}")
        if not kinds <= RESTRICTED_VOLUME_TYPES:
            problems.append(f"restricted volume types: {volume['name']} uses {sorted(kinds)}")
    for sysctl in pod_sc.get("sysctls") or []:
        if sysctl.get("name") not in SAFE_SYSCTLS:
            problems.append(f"forbidden sysctls: {sysctl.get('name')}")
    problems.extend(_selinux_problems(pod_sc.get("seLinuxOptions"), where="pod"))
    if (pod_sc.get("seccompProfile") or {}).get("type") == "Unconfined":
        problems.append("seccompProfile: pod must not set type Unconfined")
    if pod_sc.get("runAsUser") == 0:
        problems.append("runAsUser=0: pod must not run as root")

    pod_non_root = pod_sc.get("runAsNonRoot") is True
    pod_seccomp = (pod_sc.get("seccompProfile") or {}).get("type") in {"RuntimeDefault", "Localhost"}
    for container in _containers(pod):
        name = container.get("name", "?")
        sc: Mapping[str, Any] = container.get("securityContext") or {}
        if sc.get("privileged"):
            problems.append(f"privileged: container {name}")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"allowPrivilegeEscalation != false: container {name}")
        capabilities = sc.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            problems.append(f"unrestricted capabilities: container {name} must drop ALL")
        added = set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}
        if added:
            problems.append(f"unrestricted capabilities: container {name} adds {sorted(added)}")
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                problems.append(f"hostPort: container {name} uses {port['hostPort']}")
        if sc.get("procMount") not in (None, "Default"):
            problems.append(f"procMount: container {name}")
        problems.extend(_selinux_problems(sc.get("seLinuxOptions"), where=f"container {name}"))
        if sc.get("runAsNonRoot") is False or not (pod_non_root or sc.get("runAsNonRoot") is True):
            problems.append(f"runAsNonRoot != true: container {name}")
        if sc.get("runAsUser") == 0:
            problems.append(f"runAsUser=0: container {name}")
        seccomp = (sc.get("seccompProfile") or {}).get("type")
        if seccomp == "Unconfined" or not (pod_seccomp or seccomp in {"RuntimeDefault", "Localhost"}):
            problems.append(f"seccompProfile: container {name} must use RuntimeDefault or Localhost")
    return problems


def _selinux_problems(options: Mapping[str, Any] | None, *, where: str) -> list[str]:
    if not options:
        return []
    problems = []
    if options.get("type", "") not in ALLOWED_SELINUX_TYPES:
        problems.append(f"seLinuxOptions: {where} type {options['type']}")
    if options.get("user") or options.get("role"):
        problems.append(f"seLinuxOptions: {where} sets user or role")
    return problems
