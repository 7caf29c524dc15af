"""Generator of the Argo CD health patches in ``cronjob/argocd/`` from the one Lua source beside them.

Usage: ``python -m reconciler.tools.healthgen [--check]`` from the repository root (``make argocd``).
``health.lua`` is the only hand-written copy of the health script; Argo CD needs it inlined, once per
kind, in an argocd-cm patch. Two patches are written: ``argocd-cm-health.yaml`` (the script as it is:
Healthy once the tuning job Completed) and ``argocd-cm-health-submitted.yaml`` (the same script with
one constant changed: Healthy once SageMaker has the job). With ``--check`` nothing is written and the
exit code is 1 when a committed patch differs from what would be written (0 when both match).

Contract: `render(source)` is pure: {file name: text}; `main` is the only I/O.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ARGOCD_DIR = Path("cronjob") / "argocd"
SOURCE = "health.lua"
KINDS = ("HyperparameterTuningJob", "TrainingJob")
DEFAULT_LINE = 'local HEALTHY_WHEN_DEFAULT = "{}"'


@dataclass(frozen=True)
class Variant:
    file: str
    healthy_when: str
    summary: str


VARIANTS = (
    Variant(
        "argocd-cm-health.yaml",
        "completed",
        "Healthy once the tuning job Completed (per resource: annotate\n"
        "# sagemaker.aws.amazon.com/healthy-when: submitted to be Healthy once submitted).",
    ),
    Variant(
        "argocd-cm-health-submitted.yaml",
        "submitted",
        "Healthy as soon as SageMaker has the job and the spec is in sync (per resource:\n"
        "# annotate sagemaker.aws.amazon.com/healthy-when: completed to wait for completion).",
    ),
)


class SourceError(ValueError):
    """health.lua no longer has exactly one default line to substitute."""


def script_for(source: str, healthy_when: str) -> str:
    """The health script with its default set to `healthy_when`."""
    line = DEFAULT_LINE.format("completed")
    if source.count(line) != 1:
        raise SourceError(f"{SOURCE} must contain the line {line!r} exactly once")
    return source.replace(line, DEFAULT_LINE.format(healthy_when))


def render(source: str) -> dict[str, str]:
    """{patch file name: its text} for every variant."""
    files = {}
    for variant in VARIANTS:
        script = script_for(source, variant.healthy_when)
        indented = "".join(f"    {line}" if line.strip() else line for line in script.splitlines(True))
        patch_command = f"kubectl -n argocd patch configmap argocd-cm --patch-file {variant.file}"
        header = (
            f"# Merge into argocd-cm ({patch_command}).\n"
            f"# Generated from cronjob/argocd/{SOURCE} by `python -m reconciler.tools.healthgen`:"
            " do not edit.\n"
            f"# {variant.summary}\n"
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\n  namespace: argocd\ndata:\n"
        )
        key = "resource.customizations.health.sagemaker.aws.amazon.com_{}"
        body = "".join(f"  {key.format(kind)}: |\n{indented}" for kind in KINDS)
        files[variant.file] = header + body
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reconciler.tools.healthgen", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--dir", type=Path, default=ARGOCD_DIR, help=f"default: {ARGOCD_DIR}")
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed patch differs")
    args = parser.parse_args(argv)
    wanted = render((args.dir / SOURCE).read_text())
    stale = [name for name, text in wanted.items() if _read(args.dir / name) != text]
    if args.check:
        for name in stale:
            print(f"{args.dir / name}: differs from {SOURCE}; run `make argocd` and commit", file=sys.stderr)
        return 1 if stale else 0
    for name in stale:
        (args.dir / name).write_text(wanted[name])
        print(f"wrote {args.dir / name}")
    return 0


def _read(path: Path) -> str | None:
    return path.read_text() if path.exists() else None


if __name__ == "__main__":
    sys.exit(main())
