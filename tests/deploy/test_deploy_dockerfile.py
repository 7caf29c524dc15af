"""The image recipe (issue 6, Build): hadolint-clean, multi-stage, pinned, non-root, read-only friendly.

There is no Docker engine on this machine, so the image is never built here. What is checked
instead: hadolint's verdict (the real linter binary), the properties of the Dockerfile read
instruction by instruction, and the build stage's own first step (`pip wheel` of the build
context that .dockerignore lets through), which proves the context is sufficient and that
ENTRYPOINT names a console script the wheel really installs.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.deploy_helpers import REPO, VENV_BIN

DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
HADOLINT = str(VENV_BIN / "hadolint") if (VENV_BIN / "hadolint").exists() else "hadolint"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions in order, with line continuations joined and comments dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # comment lines inside a continued instruction are ignored by Docker too
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, arguments = full.partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
    return instructions


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    """The instructions of each build stage (FROM starts one; global ARGs before it are dropped)."""
    result: list[list[Instruction]] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse_dockerfile(DOCKERFILE.read_text())


def global_args(instructions: list[Instruction]) -> dict[str, str]:
    args: dict[str, str] = {}
    for instruction in instructions:
        if instruction.keyword == "FROM":
            break
        if instruction.keyword == "ARG" and "=" in instruction.arguments:
            name, _, value = instruction.arguments.partition("=")
            args[name] = value
    return args


def test_hadolint_reports_nothing() -> None:
    result = subprocess.run(
        [HADOLINT, "--format", "json", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert json.loads(result.stdout or "[]") == [], result.stdout
    assert result.returncode == 0


def test_hadolint_is_really_linting(tmp_path: Path) -> None:
    """Guard against a silent linter: a Dockerfile with known faults must be flagged."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install requests\nCMD python app.py\n")
    result = subprocess.run(
        [HADOLINT, "--format", "json", str(bad)], capture_output=True, text=True, timeout=60, check=False
    )
    codes = {finding["code"] for finding in json.loads(result.stdout)}
    assert {"DL3007", "DL3013", "DL3025"} <= codes
    assert result.returncode != 0


def test_multi_stage_with_pinned_base(instructions: list[Instruction]) -> None:
    all_stages = stages(instructions)
    assert len(all_stages) >= 2
    assert re.search(r"\bAS build$", all_stages[0][0].arguments, re.IGNORECASE)
    base = global_args(instructions)["PYTHON_IMAGE"]
    # A full patch version and a distribution codename: the same bytes next month as today.
    match = re.fullmatch(r"python:3\.(\d+)\.\d+-slim-[a-z]+", base)
    assert match, f"base image {base!r} is not pinned to a patch release"
    assert int(match.group(1)) >= 11
    for stage in all_stages:
        assert stage[0].arguments.split()[0] == "${PYTHON_IMAGE}"


def test_stages_declare_the_args_they_use(instructions: list[Instruction]) -> None:
    """Docker scopes ARGs per stage: a global ARG used after FROM must be re-declared, or it is empty.
    An ENV set earlier in the same stage is visible to the instructions after it."""
    for stage in stages(instructions):
        declared: set[str] = set()
        for instruction in stage[1:]:
            if instruction.keyword in {"ARG", "ENV"}:
                declared.add(instruction.arguments.split("=", 1)[0])
                continue
            used = set(re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)", instruction.arguments)) - {"PATH"}
            assert used <= declared, f"{instruction.keyword} uses undeclared {sorted(used - declared)}"


def test_final_stage_runs_as_numeric_non_root_user(instructions: list[Instruction]) -> None:
    final = stages(instructions)[-1]
    users = [i.arguments for i in final if i.keyword == "USER"]
    assert users, "the final stage sets no USER"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) > 0
    assert gid.isdigit() and int(gid) > 0


def test_entrypoint_and_cmd(instructions: list[Instruction]) -> None:
    final = stages(instructions)[-1]
    entrypoints = [json.loads(i.arguments) for i in final if i.keyword == "ENTRYPOINT"]
    commands = [json.loads(i.arguments) for i in final if i.keyword == "CMD"]
    assert entrypoints[-1] == ["hpo-reconciler"]
    assert commands[-1] == ["run"]


def test_final_stage_has_no_build_tools_or_caches(instructions: list[Instruction]) -> None:
    final = stages(instructions)[-1]
    runs = " ".join(i.arguments for i in final if i.keyword == "RUN")
    for forbidden in ("apt-get install", "apk add", "pip install", "gcc", "build-essential", "pip wheel"):
        assert forbidden not in runs, f"final stage runs {forbidden!r}"
    # The only RUN in the final stage removes the installer the base image ships.
    assert re.search(r"pip uninstall --yes .*\bpip\b", runs)
    copies = [i.arguments for i in final if i.keyword in {"COPY", "ADD"}]
    assert copies and all(c.startswith("--from=build ") for c in copies), copies
    # Every pip call in any stage skips the cache, so no wheel cache lands in a layer.
    for stage in stages(instructions):
        for instruction in stage:
            for call in re.findall(r"pip (?:install|wheel)[^&]*", instruction.arguments):
                assert "--no-cache-dir" in call, call


def test_read_only_root_filesystem_friendly(instructions: list[Instruction]) -> None:
    final = stages(instructions)[-1]
    env = " ".join(i.arguments for i in final if i.keyword == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    assert "HOME=/tmp" in env  # the CronJob mounts an emptyDir there; nothing else is writable
    build = " ".join(i.arguments for i in stages(instructions)[0] if i.keyword == "RUN")
    assert "compileall" in build  # bytecode exists before the filesystem turns read-only


def test_oci_labels(instructions: list[Instruction]) -> None:
    final = stages(instructions)[-1]
    labels = " ".join(i.arguments for i in final if i.keyword == "LABEL")
    found = set(re.findall(r"(org\.opencontainers\.image\.[a-z.]+)=", labels))
    assert {
        "org.opencontainers.image.title", "org.opencontainers.image.description",
        "org.opencontainers.image.version", "org.opencontainers.image.licenses",
        "org.opencontainers.image.source",
    } <= found


def dockerignore_patterns() -> list[tuple[bool, str]]:
    patterns = []
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            negated = line.startswith("!")
            patterns.append((negated, line.lstrip("!").rstrip("/")))
    return patterns


def excluded(relative: str, patterns: list[tuple[bool, str]]) -> bool:
    """Docker's rule: the last matching pattern wins; a pattern matching a parent directory counts."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    verdict = False
    for negated, pattern in patterns:
        glob = pattern.replace("**/", "*")
        if any(fnmatch.fnmatchcase(prefix, glob) for prefix in prefixes):
            verdict = not negated
    return verdict


def build_context(destination: Path) -> list[str]:
    """Copy the files .dockerignore lets through into `destination`; returns their relative paths."""
    patterns = dockerignore_patterns()
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split()
    sent = []
    for relative in tracked:
        source = REPO / relative
        if source.is_file() and not excluded(relative, patterns):
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            sent.append(relative)
    return sent


def test_dockerignore_sends_only_what_the_build_copies(tmp_path: Path) -> None:
    sent = build_context(tmp_path)
    assert {"pyproject.toml", "constraints.txt", "README.md", "reconciler/cli.py"} <= set(sent)
    roots = {path.split("/")[0] for path in sent}
    assert roots <= {"pyproject.toml", "constraints.txt", "README.md", "reconciler"}, roots
    assert not any("__pycache__" in path for path in sent)


def test_build_stage_wheel_installs_the_entrypoint(tmp_path: Path) -> None:
    """Stage 1's `pip wheel` on exactly the build context; the wheel must provide `hpo-reconciler`."""
    context = tmp_path / "context"
    build_context(context)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir",
         "--quiet", "--wheel-dir", str(tmp_path / "dist"), "."],
        cwd=context, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    wheels = list((tmp_path / "dist").glob("hpo_reconciler-*.whl"))
    assert len(wheels) == 1
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = wheel.namelist()
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        text = wheel.read(entry_points).decode()
    assert re.search(r"^hpo-reconciler\s*=\s*reconciler\.cli:main$", text, re.MULTILINE), text
    assert "reconciler/py.typed" in names
    assert not any(n.startswith("tests/") for n in names)


def test_image_leaves_the_sandbox_out(instructions: list[Instruction], tmp_path: Path) -> None:
    """The build stage deletes the installed reconciler.sandbox, importing it in isolated mode (-I) so that
    the ./reconciler source tree in the working directory is not the one found and deleted."""
    build = stages(instructions)[0]
    (drop,) = [i.arguments for i in build if i.keyword == "ENV" and i.arguments.startswith("DROP_SANDBOX=")]
    code = json.loads(drop.partition("=")[2])
    run = " ".join(i.arguments for i in build if i.keyword == "RUN")
    assert '/opt/hpo-reconciler/bin/python -I -c "$DROP_SANDBOX"' in run
    assert run.index("pip install") < run.index("$DROP_SANDBOX") < run.index("compileall")
    # Run the snippet against a copy of the package: it removes the sandbox and nothing else.
    site = tmp_path / "site"
    shutil.copytree(REPO / "reconciler", site / "reconciler", ignore=shutil.ignore_patterns("__pycache__"))
    # -S as well: no site-packages, so this checkout's editable install cannot be the package found.
    snippet = f"import sys; sys.path.insert(0, {str(site)!r}); {code}"
    subprocess.run([sys.executable, "-I", "-S", "-c", snippet], check=True, cwd=REPO, timeout=60)
    assert not (site / "reconciler" / "sandbox").exists()
    assert (site / "reconciler" / "engine" / "run.py").exists() and (REPO / "reconciler" / "sandbox").exists()


@pytest.mark.parametrize("command", [["demo"], ["sandbox", "up", "--dir", "/tmp/unused"]])
def test_sandbox_commands_say_the_sandbox_is_missing(command: list[str]) -> None:
    """As in the image: reconciler.sandbox cannot be imported; the command explains instead of a traceback."""
    blocker = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'reconciler.sandbox' or name.startswith('reconciler.sandbox.'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from reconciler import cli\n"
        f"sys.exit(cli.run({command!r}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", blocker], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert "sandbox is not installed here" in done.stderr and "Traceback" not in done.stderr
