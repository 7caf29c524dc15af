"""Command-line entry point: `hpo-reconciler <command>`.

Contract (DESIGN.md section 4):
- This is the only module that maps outcomes to process exit codes:
  0 the command did its job (per-resource problems are recorded on the resources),
  1 it could not (or, with --fail-on-error, some resource is Stalled; for `validate`, some input is invalid),
  2 usage or configuration error.
- Results go to stdout, diagnostics to stderr.
- Each subcommand's implementation is imported lazily inside its handler so that
  `hpo-reconciler version` stays within its start-up budget.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]


def _cmd_version(args: argparse.Namespace) -> int:
    from reconciler import __version__

    print(f"hpo-reconciler {__version__}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hpo-reconciler",
        description="Reconcile SageMaker hyperparameter tuning jobs declared as Kubernetes resources.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    version = commands.add_parser("version", help="print the version and exit")
    version.set_defaults(handler=_cmd_version)

    return parser


def run(argv: Sequence[str] | None = None) -> int:
    """Parse `argv`, run the chosen command and return its exit code (never raises SystemExit)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse reports usage errors by exiting
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    handler: Handler = args.handler
    return handler(args)


def main() -> None:
    sys.exit(run())
