"""`python -m reconciler.sandbox.sagemaker --dir DIR [--port N] [--time-scale X] [--seed N] [--persist] ...`.

Serves the simulator until interrupted; writes DIR/endpoint (the URL) once it accepts requests,
and DIR/env (export lines for boto3). With --persist, state survives restarts in DIR/state.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from reconciler.sandbox.sagemaker.api import SageMakerSandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reconciler.sandbox.sagemaker",
        description="Serve the SageMaker simulator on 127.0.0.1.",
    )
    parser.add_argument("--dir", required=True, type=Path, help="where to write the endpoint file")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="simulated seconds per real second (60: one real second is one simulated minute)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the objective noise and sampling")
    parser.add_argument(
        "--max-running-tuning-jobs",
        type=int,
        default=100,
        help="running tuning jobs allowed before ResourceLimitExceeded (default 100)",
    )
    parser.add_argument("--persist", action="store_true", help="keep state across restarts in DIR/state")
    args = parser.parse_args(argv)
    if args.time_scale < 0:
        parser.error("--time-scale must be >= 0")
    try:
        args.dir.mkdir(parents=True, exist_ok=True)
        sandbox = SageMakerSandbox(
            time_scale=args.time_scale,
            port=args.port,
            seed=args.seed,
            max_running_tuning_jobs=args.max_running_tuning_jobs,
            state_dir=args.dir / "state" if args.persist else None,
        )
        sandbox.start()
    except OSError as exc:
        print(f"error: cannot start the SageMaker sandbox: {exc}", file=sys.stderr)
        return 1
    except (ValueError, KeyError) as exc:
        print(
            f"error: the saved state in {args.dir / 'state'} is unreadable ({exc}); remove it to start over",
            file=sys.stderr,
        )
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    env_lines = "".join(f"export {k}={v}\n" for k, v in sandbox.env().items())
    (args.dir / "env").write_text(env_lines)
    (args.dir / "endpoint").write_text(sandbox.url + "\n")
    print(f"SageMaker sandbox serving on {sandbox.url} (time scale {args.time_scale})", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
