"""Command-line entry point: `hpo-reconciler <command>`.

Contract (README's exit codes):
- This is the only module that maps outcomes to process exit codes:
  0 the command did its job (per-resource problems are recorded on the resources),
  1 it could not (or, with --fail-on-error, some resource is Stalled; for `validate`, some input is invalid;
    for `run`, a Lease renewal failed and the pass stopped starting work),
  2 usage or configuration error,
  128 + the signal's number when `run` stopped early on SIGTERM (143) or SIGINT (130), after
    releasing the Lease and printing the summary: the shells' and Kubernetes' convention for "ended by
    that signal", kept so a Job's podFailurePolicy or a CI system can tell it from a failed pass.
- Results go to stdout, diagnostics to stderr.
- Each subcommand's implementation is imported lazily inside its handler so that
  `hpo-reconciler version` stays within its start-up budget.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_SIGNAL_BASE = 128  # + the signal's number: 143 SIGTERM, 130 SIGINT

Handler = Callable[[argparse.Namespace], int]


def _cmd_version(args: argparse.Namespace) -> int:
    from reconciler import __version__

    print(f"hpo-reconciler {__version__}")
    return EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    """One reconciliation pass; exit codes as README.md states them."""
    import os

    from reconciler.core.settings import Settings, SettingsError
    from reconciler.engine.stopping import StopRequest, termination_signals
    from reconciler.engine.summary import Reporter, configure_logging
    from reconciler.gateways.kube import KubeConfigError

    flags = {
        "namespaces": args.namespace,
        "selector": args.selector,
        "shard": args.shard,
        "dry_run": args.dry_run,
        "concurrency": args.concurrency,
        "lease": args.lease,
        "use_lease": False if args.no_lease else None,
        "fail_on_error": args.fail_on_error,
        "log_format": args.log_format,
        "kubeconfig": args.kubeconfig,
        "context": args.context,
        "allowed_role_arns": args.allowed_role_arn,
        "allow_custom_endpoints": args.allow_custom_endpoints,
        "adopt_legacy_named_jobs": args.adopt_legacy_named_jobs,
        "allow_foreign_warm_start_parents": args.allow_foreign_warm_start_parents,
        "heartbeat_seconds": args.heartbeat_seconds,
        "retry_backoff_seconds": args.retry_backoff_seconds,
        "retry_mode": args.retry_mode,
        "pushgateway": args.pushgateway,
        "metrics_textfile": args.metrics_textfile,
        "metrics_max_resources": args.metrics_max_resources,
    }
    try:
        settings = Settings.from_sources(flags=flags, environ=os.environ)
    except SettingsError as exc:
        print(f"hpo-reconciler run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings.log_format, stderr=sys.stderr)
    out = Reporter(format=settings.log_format, stdout=sys.stdout, stderr=sys.stderr, verbose=settings.dry_run)
    if args.wait or args.timeout is not None:
        return _wait(args, settings, out=out)
    stop = StopRequest()
    try:
        with termination_signals(stop):
            report = _observed_pass(settings, out=out, stop=stop)
    except KubeConfigError as exc:
        out.error(str(exc))
        return EXIT_USAGE
    if report.stopped_by_signal is not None:
        return EXIT_SIGNAL_BASE + int(report.stopped_by_signal)
    if report.skipped_by is not None:
        return EXIT_OK
    if report.error is not None or report.stopped is not None or report.failed:
        return EXIT_FAILED
    if settings.fail_on_error and report.stalled:
        return EXIT_FAILED
    return EXIT_OK


def _observed_pass(
    settings: Any, *, out: Any, observer: Callable[[Any], None] | None = None, stop: Any = None
) -> Any:
    """One pass; with --pushgateway/--metrics-textfile its metrics are exported after it (a delivery
    problem is reported on stderr and does not change the exit code: the pass itself did its job)."""
    import datetime as dt

    from reconciler.engine.run import run_pass

    if not (settings.pushgateway or settings.metrics_textfile):
        return run_pass(settings, out=out, observer=observer, stop=stop)
    from reconciler.engine.metrics import ResourceGauges, publish

    gauges = ResourceGauges(limit=settings.metrics_max_resources)

    def both(result: Any) -> None:
        gauges.observe(result)
        if observer is not None:
            observer(result)

    report = run_pass(settings, out=out, observer=both, stop=stop)
    for problem in publish(report, gauges, settings=settings, now=dt.datetime.now(dt.UTC)):
        out.error(f"metrics not delivered: {problem}")
    return report


def _wait(args: argparse.Namespace, settings: Any, *, out: Any) -> int:
    """`run --wait`: passes until every selected resource is settled; 0 when all are Ready, else 1."""
    import signal
    import threading

    from reconciler.engine.wait import DurationError, parse_duration, wait_until_settled
    from reconciler.gateways.kube import KubeConfigError

    try:
        timeout = parse_duration(args.timeout) if args.timeout is not None else None
        interval = parse_duration(args.wait_interval) if args.wait_interval is not None else 10.0
    except DurationError as exc:
        print(f"hpo-reconciler run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():  # signal handlers live in the main thread
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        result = wait_until_settled(
            lambda observer: _observed_pass(settings, out=out, observer=observer),
            out=out,
            timeout_seconds=timeout,
            stop=stop,
            interval_seconds=interval,
        )
    except KubeConfigError as exc:
        out.error(str(exc))
        return EXIT_USAGE
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return EXIT_OK if result.ready else EXIT_FAILED


def _needs_sandbox(command: str) -> Callable[[Handler], Handler]:
    """The production image leaves the sandbox out (see the Dockerfile): say so instead of a traceback."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def guarded(args: argparse.Namespace) -> int:
            try:
                return handler(args)
            except ModuleNotFoundError as missing:
                if not (missing.name or "").startswith("reconciler.sandbox"):
                    raise
                print(
                    f"hpo-reconciler {command}: the embedded sandbox is not installed here (the container"
                    " image leaves it out); run it from the Python package: pip install hpo-reconciler",
                    file=sys.stderr,
                )
                return EXIT_USAGE

        return guarded

    return wrap


@_needs_sandbox("sandbox up")
def _cmd_sandbox_up(args: argparse.Namespace) -> int:
    from pathlib import Path

    from reconciler.tools.sandbox_up import serve

    if args.time_scale <= 0:
        print("hpo-reconciler sandbox up: --time-scale must be positive", file=sys.stderr)
        return EXIT_USAGE
    serve(Path(args.dir), time_scale=args.time_scale, out=sys.stdout)
    return EXIT_OK


@_needs_sandbox("demo")
def _cmd_demo(args: argparse.Namespace) -> int:
    from reconciler.tools.demo import run_demo

    code = run_demo(run_command=run, out=sys.stdout, time_scale=args.time_scale)
    return EXIT_OK if code == 0 else EXIT_FAILED


def _cmd_logs(args: argparse.Namespace) -> int:
    import os

    from reconciler.core.settings import Settings, SettingsError
    from reconciler.gateways.kube import KubeConfigError
    from reconciler.tools.logs import LogsError, print_logs

    if args.tail is not None and args.tail < 1:
        print("hpo-reconciler logs: --tail must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        settings = Settings.from_sources(
            flags={"kubeconfig": args.kubeconfig, "context": args.context}, environ=os.environ
        )
        print_logs(
            args.trainingjob,
            namespace=args.namespace,
            tail=args.tail,
            follow=args.follow,
            settings=settings,
            out=sys.stdout,
        )
    except (SettingsError, KubeConfigError) as exc:
        print(f"hpo-reconciler logs: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except LogsError as exc:
        print(f"hpo-reconciler logs: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from reconciler.core.settings import Settings, SettingsError
    from reconciler.gateways.kube import KubeConfigError
    from reconciler.tools.report import ReportError, ReportUsageError, fetch, write
    from reconciler.tools.report_extra import ReportExtraMissing

    if (args.name is None) == (args.job is None):
        print(
            "hpo-reconciler report: give a HyperparameterTuningJob NAME or --job SAGEMAKER_JOB_NAME",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        settings = Settings.from_sources(
            flags={
                "kubeconfig": args.kubeconfig,
                "context": args.context,
                "allow_custom_endpoints": args.allow_custom_endpoints,
            },
            environ=os.environ,
        )
        report = fetch(
            settings=settings, name=args.name, namespace=args.namespace, job=args.job, region=args.region
        )
        write(report, Path(args.output) if args.output else None, out=sys.stdout)
    except (SettingsError, KubeConfigError, ReportUsageError) as exc:
        print(f"hpo-reconciler report: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ReportError, ReportExtraMissing) as exc:
        print(f"hpo-reconciler report: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _add_kube_options(parser: Any) -> None:
    """--kubeconfig and --context as the tool commands (`report`, `logs`) take them."""
    parser.add_argument("--kubeconfig", metavar="PATH", help="kubeconfig file")
    parser.add_argument("--context", metavar="NAME", help="kubeconfig context")


def _add_report_command(commands: Any) -> None:
    report = commands.add_parser(
        "report",
        help="how a tuning job went: terminal summary, or -o report.html / .png / .svg",
        description="Reads the tuning job (and its warm-start parents) from SageMaker; writes nothing "
        "anywhere but -o. Without -o: a terminal summary (status, counters, best and top 5 training jobs, "
        "importance, failure reasons). -o FILE.html: one self-contained page that works offline; "
        "-o FILE.png or FILE.svg: the main panels as one image (HTML and images need "
        "pip install 'hpo-reconciler[report]').",
    )
    report.add_argument("name", nargs="?", metavar="NAME", help="the HyperparameterTuningJob resource")
    report.add_argument("--namespace", "-n", metavar="NS", help="its namespace (default: the context's)")
    report.add_argument(
        "--job", metavar="SAGEMAKER_JOB_NAME", help="any tuning job by its SageMaker name instead"
    )
    report.add_argument(
        "--region", metavar="REGION", help="its region (default: the resource's, else boto3's)"
    )
    report.add_argument("--output", "-o", metavar="FILE", help="write FILE.html, FILE.png or FILE.svg")
    report.add_argument(
        "--allow-custom-endpoints",
        action="store_true",
        default=None,
        help="follow the resource's spec.sageMakerEndpoint (as `run --allow-custom-endpoints`)",
    )
    _add_kube_options(report)
    report.set_defaults(handler=_cmd_report, leaf_parser=report)


def _add_tool_commands(commands: Any) -> None:
    sandbox = commands.add_parser("sandbox", help="embedded Kubernetes API + SageMaker on loopback")
    actions = sandbox.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True)
    up = actions.add_parser(
        "up",
        help="serve both sandboxes until interrupted",
        description="Starts the Kubernetes API emulator and the SageMaker simulator on free 127.0.0.1 "
        "ports, writes DIR/kubeconfig, DIR/env (export lines) and then DIR/ready.",
    )
    up.add_argument("--dir", required=True, metavar="DIR", help="where kubeconfig, env and ready are written")
    up.add_argument("--time-scale", type=float, default=1.0, metavar="X", help="simulated seconds per second")
    up.set_defaults(handler=_cmd_sandbox_up, leaf_parser=up)

    demo = commands.add_parser(
        "demo",
        help="sandbox + sample + passes until the tuning job completes",
        description="Runs the whole product on loopback, nothing to set up and no AWS account: a Kubernetes "
        "API emulator and a SageMaker simulator start in this process, the CRDs and the sample tuning job "
        "(samples/xgboost-mnist-hpo.yaml, and a copy of it) are applied, and `hpo-reconciler run` passes "
        "follow every few seconds as the CronJob would. It shows the resource table after each pass that "
        "changed it, a spec edit the reconciler refuses (and clears when reverted), a running job stopped "
        "by deleting its resource, the training jobs and best hyperparameters, and the finalizer releasing "
        "the completed job's resource. The simulator's clock runs X times faster than real time (default "
        "6: about a minute in all), so SageMaker's timestamps run ahead of Kubernetes'. Exit 0 when every "
        "step happened as described.",
    )
    demo.add_argument(
        "--time-scale",
        type=float,
        default=6.0,
        metavar="X",
        help="simulated SageMaker seconds per real second (default 6)",
    )
    demo.set_defaults(handler=_cmd_demo, leaf_parser=demo)

    logs = commands.add_parser(
        "logs",
        help="print a training job's CloudWatch log",
        description="Print the CloudWatch log of the SageMaker training job behind a TrainingJob resource: "
        "every instance's stream, merged by time (prefixed [algo-N] when there are several). A "
        "HyperparameterTuningJob's name is answered with the list of its training jobs. Also installed "
        "as the kubectl plugin `kubectl smlogs trainingjob NAME`.",
    )
    _add_logs_arguments(logs)

    _add_report_command(commands)


def _add_logs_arguments(logs: argparse.ArgumentParser) -> None:
    logs.add_argument("trainingjob", metavar="TRAININGJOB", help="name of the TrainingJob resource")
    logs.add_argument("--namespace", "-n", metavar="NS", help="its namespace (default: the context's)")
    logs.add_argument("--tail", type=int, metavar="N", help="only the last N lines")
    logs.add_argument(
        "--follow", "-f", action="store_true", help="keep printing new lines until the training job ends"
    )
    _add_kube_options(logs)
    logs.set_defaults(handler=_cmd_logs, leaf_parser=logs)


def _add_run_command(commands: Any) -> None:
    run = commands.add_parser(
        "run",
        help="one reconciliation pass over every HyperparameterTuningJob, then exit",
        description="One idempotent pass. Exit codes: 0 the pass completed (per-resource problems are "
        "recorded on the resources), 1 it could not complete (or, with --fail-on-error, some resource "
        "is Stalled), 2 usage or configuration error, 143 (130) stopped early by SIGTERM (SIGINT): no "
        "new work, calls in flight finished or abandoned, Lease released, summary printed.",
        epilog="Environment (flags win): HPO_RECONCILER_NAMESPACES (comma-separated), _SELECTOR, _SHARD, "
        "_DRY_RUN, _CONCURRENCY, _LEASE, _USE_LEASE, _LEASE_DURATION_SECONDS, _FAIL_ON_ERROR, _LOG_FORMAT, "
        "_KUBECONFIG, _CONTEXT, _ALLOWED_ROLE_ARNS (comma-separated), _ALLOW_CUSTOM_ENDPOINTS, "
        "_ADOPT_LEGACY_NAMED_JOBS, _ALLOW_FOREIGN_WARM_START_PARENTS, "
        "_HEARTBEAT_SECONDS, _RETRY_BACKOFF_SECONDS, _RETRY_MODE, _MAX_ATTEMPTS, _DEFAULT_REGION, "
        "_HEARTBEAT_SECONDS, _RETRY_BACKOFF_SECONDS, _RETRY_MODE, _MAX_ATTEMPTS, _DEFAULT_REGION, "
        "_PAGE_SIZE, _LEASE_PER_SHARD, _PUSHGATEWAY, _METRICS_TEXTFILE, _METRICS_MAX_RESOURCES, "
        "_SHUTDOWN_GRACE_SECONDS.",
    )
    run.add_argument(
        "--namespace", "-n", action="append", metavar="NS", help="namespace (repeatable; default all)"
    )
    run.add_argument("--selector", "-l", metavar="LABELS", help="label selector, e.g. team=a,env!=dev")
    run.add_argument(
        "--shard",
        metavar="K/N",
        help="handle only the resources whose UID hash is K modulo N; auto/N takes K from an Indexed "
        "Job's JOB_COMPLETION_INDEX (and a Lease of its own per shard)",
    )
    run.add_argument("--dry-run", action="store_true", default=None, help="print the plan; write nothing")
    run.add_argument("--concurrency", type=int, metavar="N", help="resources reconciled at once (default 8)")
    lease = run.add_mutually_exclusive_group()
    lease.add_argument(
        "--lease", metavar="NS/NAME", help="Lease to hold (default: pod namespace/hpo-reconciler)"
    )
    lease.add_argument("--no-lease", action="store_true", help="do not take the Lease")
    run.add_argument(
        "--fail-on-error", action="store_true", default=None, help="exit 1 if a resource is Stalled"
    )
    run.add_argument("--log-format", choices=["text", "json"], help="output format (default text)")
    run.add_argument(
        "--kubeconfig", metavar="PATH", help="kubeconfig file (default in-cluster or ~/.kube/config)"
    )
    run.add_argument("--context", metavar="NAME", help="kubeconfig context")
    run.add_argument(
        "--allowed-role-arn",
        action="append",
        metavar="GLOB",
        help="allowed role ARN pattern (repeatable; * and ? do not match /, ** does); a namespace's "
        "allowed-role-arns annotation can narrow this list, never widen it",
    )
    run.add_argument(
        "--allow-custom-endpoints", action="store_true", default=None, help="honour spec.sageMakerEndpoint"
    )
    run.add_argument(
        "--adopt-legacy-named-jobs",
        action="store_true",
        default=None,
        help="migration window only: adopt untagged jobs that legacy-operator resources name by hand "
        "(any namespace can then claim any untagged job; see docs/migration.md)",
    )
    run.add_argument(
        "--allow-foreign-warm-start-parents",
        action="store_true",
        default=None,
        help="allow warm-start parents of other namespaces or not created by hpo-reconciler",
    )
    run.add_argument(
        "--heartbeat-seconds", type=int, metavar="S", help="rewrite running jobs' status this often"
    )
    run.add_argument(
        "--retry-backoff-seconds",
        type=int,
        metavar="S",
        help="first pause before retrying what waits on SageMaker (default 30; doubles up to the heartbeat)",
    )
    run.add_argument(
        "--retry-mode", choices=["standard", "adaptive"], help="botocore retry mode (default standard)"
    )
    waiting = run.add_argument_group("waiting for the outcome (docs/ci.md)")
    waiting.add_argument(
        "--wait",
        action="store_true",
        help="repeat passes until every selected resource is settled; exit 0 when all are Ready, else 1",
    )
    waiting.add_argument(
        "--timeout", metavar="DURATION", help="with --wait: give up after DURATION (180s, 90m, 2h); exit 1"
    )
    waiting.add_argument(
        "--wait-interval",
        metavar="DURATION",
        help="with --wait: pause after a pass that changed something (default 10s; quiet passes back off "
        "to 120s)",
    )
    metrics = run.add_argument_group("metrics (docs/monitoring.md)")
    metrics.add_argument(
        "--pushgateway", metavar="URL", help="push the pass's metrics to this Prometheus Pushgateway"
    )
    metrics.add_argument(
        "--metrics-textfile", metavar="PATH", help="write the pass's metrics to this node-exporter textfile"
    )
    metrics.add_argument(
        "--metrics-max-resources",
        type=int,
        metavar="N",
        help="per-resource series for at most N resources, Stalled and unfinished first (default 100)",
    )
    run.set_defaults(handler=_cmd_run, leaf_parser=run)


def _cmd_validate(args: argparse.Namespace) -> int:
    """Offline check of manifests: 0 all valid, 1 some invalid, 2 an input is missing or not YAML."""
    from reconciler.tools.validate import Outcome, run

    outcome = run(args.paths, output=args.output, print_request=args.print_request, crd_dir=args.crd_dir)
    return {Outcome.VALID: EXIT_OK, Outcome.INVALID: EXIT_FAILED, Outcome.UNUSABLE: EXIT_USAGE}[outcome]


def _add_validate_command(commands: Any) -> None:
    from pathlib import Path

    validate = commands.add_parser(
        "validate",
        help="check HyperparameterTuningJob manifests offline (schema, semantics, SageMaker request); for CI",
        description="Check manifests offline: the CRD schema as kube-apiserver applies it, SageMaker's "
        "create-time rules and the CreateHyperParameterTuningJob request. Problems are printed as "
        "FILE:DOC-INDEX: PATH: MESSAGE (documents counted from 0). Exit 0 all valid, 1 some invalid, "
        "2 an input is missing, unreadable or not YAML.",
    )
    validate.add_argument(
        "paths", nargs="+", metavar="PATH", help="manifest file, directory (recursive) or - for stdin"
    )
    validate.add_argument(
        "--output", choices=["text", "json"], default="text", help="result format (default text)"
    )
    validate.add_argument(
        "--print-request",
        action="store_true",
        help="also print the CreateHyperParameterTuningJob request (JSON) of each valid resource",
    )
    validate.add_argument(
        "--crd-dir",
        type=Path,
        default=None,
        help="validate against the CRDs in this directory instead of the built-in ones",
    )
    validate.set_defaults(handler=_cmd_validate, leaf_parser=validate)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hpo-reconciler",
        description="Reconcile SageMaker hyperparameter tuning jobs declared as Kubernetes resources.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    version = commands.add_parser("version", help="print the version and exit")
    version.set_defaults(handler=_cmd_version, leaf_parser=version)

    _add_run_command(commands)
    _add_tool_commands(commands)
    _add_validate_command(commands)

    return parser


def run(argv: Sequence[str] | None = None) -> int:
    """Parse `argv`, run the chosen command and return its exit code (never raises SystemExit)."""
    return _dispatch(build_parser(), argv)


def _dispatch(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:
            # argparse leaves arguments no subcommand knows to the top-level parser, which would print
            # the top-level usage; the usage of the command that was given is the useful one.
            leaf: argparse.ArgumentParser = getattr(args, "leaf_parser", None) or parser
            leaf.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # argparse reports usage errors by exiting
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    handler: Handler = args.handler
    return handler(args)


def main() -> None:
    code = run()
    if code > EXIT_SIGNAL_BASE:
        # A pass stopped by a signal may have abandoned calls at its grace deadline, and the
        # interpreter would join their worker threads before exiting. Leave without them, as a
        # SIGKILL would (every pass repairs that); the Lease is released and the summary printed.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


# Kinds `kubectl smlogs` accepted in the legacy operator's docs that name a TrainingJob resource here.
_SMLOGS_KINDS = frozenset(
    {"trainingjob", "trainingjobs", "trainingjob.sagemaker.aws.amazon.com", "hyperparametertuningjob",
     "hyperparametertuningjobs", "hyperparametertuningjob.sagemaker.aws.amazon.com"}
)  # fmt: skip


def smlogs_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kubectl smlogs",
        description="kubectl plugin (installed with hpo-reconciler as kubectl-smlogs): print the CloudWatch "
        "log of a TrainingJob, as the SageMaker Operator for Kubernetes' `kubectl smlogs trainingjob NAME` "
        "did. Same as `hpo-reconciler logs NAME`. A hyperparametertuningjob's name lists its training jobs.",
    )
    parser.add_argument("kind", metavar="KIND", help="trainingjob (or hyperparametertuningjob)")
    _add_logs_arguments(parser)
    return parser


def smlogs(argv: Sequence[str] | None = None) -> int:
    """`kubectl smlogs KIND NAME [flags]` (kubectl hands the plugin its arguments unparsed)."""
    parser = smlogs_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and not argv[0].startswith("-") and argv[0].lower() not in _SMLOGS_KINDS:
        print(
            f"kubectl smlogs: {argv[0]!r}: only trainingjob logs are shown by hpo-reconciler (it manages "
            "hyperparametertuningjobs and their trainingjobs): kubectl smlogs trainingjob NAME",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return _dispatch(parser, argv)


def smlogs_main() -> None:
    sys.exit(smlogs())
