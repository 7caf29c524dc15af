"""`python -m reconciler.sandbox.kube --dir DIR [--port N]`: serve the emulator until interrupted.

State is kept in DIR (restarting with the same DIR keeps every object); DIR/kubeconfig is written once
the server accepts requests, so a caller may poll for that file. Exit code 0 on SIGINT/SIGTERM,
2 for usage errors (e.g. the port is taken).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from reconciler.sandbox.kube.sandbox import KubeSandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reconciler.sandbox.kube", description="Serve a Kubernetes API emulator on 127.0.0.1."
    )
    parser.add_argument("--dir", required=True, type=Path, help="state directory; DIR/kubeconfig is written")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    args = parser.parse_args(argv)
    sandbox = KubeSandbox(state_dir=args.dir, port=args.port)
    try:
        sandbox.start()
    except OSError as exc:
        print(f"kube sandbox: cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    sandbox.write_kubeconfig(args.dir / "kubeconfig")
    print(f"kube sandbox serving on {sandbox.url}; kubeconfig: {args.dir / 'kubeconfig'}", flush=True)
    done.wait()
    sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
