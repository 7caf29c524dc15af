"""`hpo-reconciler sandbox up`: both sandbox servers on loopback for people and scripts.

Contract: `serve(directory, time_scale=..., out=..., stop=...)` starts the Kubernetes API emulator
(with the CRDs of this checkout installed when `crds/` is found) and the SageMaker simulator on free
127.0.0.1 ports, writes `DIR/kubeconfig`, `DIR/env` (shell `export` lines: KUBECONFIG,
AWS_ENDPOINT_URL_SAGEMAKER, AWS_ENDPOINT_URL_LOGS, AWS_DEFAULT_REGION, dummy credentials) and then
`DIR/ready`, and serves until `stop` is set or the process is interrupted (Ctrl-C, SIGTERM).
This module may import reconciler.sandbox; product modules may not.
"""

from __future__ import annotations

import shlex
import signal
import threading
from pathlib import Path
from typing import TextIO

from reconciler.sandbox.kube import KubeSandbox
from reconciler.sandbox.sagemaker import SageMakerSandbox

CRD_DIR = Path(__file__).resolve().parents[2] / "crds"  # reconciler/tools/ -> the checkout


def serve(directory: Path, *, time_scale: float, out: TextIO, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ready").unlink(missing_ok=True)
    with KubeSandbox() as kube, SageMakerSandbox(time_scale=time_scale) as sagemaker:
        kubeconfig = directory / "kubeconfig"
        kube.write_kubeconfig(kubeconfig)
        if CRD_DIR.is_dir():
            kube.install_crds(CRD_DIR)
        env = {"KUBECONFIG": str(kubeconfig.resolve()), **sagemaker.env()}
        lines = [f"export {key}={shlex.quote(value)}" for key, value in env.items()]
        (directory / "env").write_text("\n".join(lines) + "\n")
        (directory / "ready").write_text("ready\n")
        out.write(
            f"Kubernetes API: {kube.url}\nSageMaker:      {sagemaker.url} (time scale {time_scale})\n"
            f"Use it from another shell:  source {directory / 'env'}\n"
            "  kubectl apply -f samples/xgboost-mnist-hpo.yaml && hpo-reconciler run --no-lease\n"
            "Serving until interrupted (Ctrl-C).\n"
        )
        out.flush()
        _stop_on_sigterm(stop)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            (directory / "ready").unlink(missing_ok=True)


def _stop_on_sigterm(stop: threading.Event) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
