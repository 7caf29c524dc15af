# syntax=docker/dockerfile:1
# hpo-reconciler image: a one-shot `hpo-reconciler run` for a Kubernetes CronJob or sync hook.
#
# Stage 1 builds the wheel and installs it, with its pinned dependencies, into a virtualenv.
# Stage 2 copies only that virtualenv onto a fresh slim Python: no compilers, no pip cache,
# no source tree. The process writes nothing to disk (bytecode is compiled at build time and
# PYTHONDONTWRITEBYTECODE stops runtime writes), so it runs with readOnlyRootFilesystem: true.

ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
# The wheel carries the sandbox (the embedded Kubernetes emulator and SageMaker simulator behind
# `hpo-reconciler demo` and `sandbox up`), half of the package and HTTP servers a production pod never
# runs: the image leaves it out, and those two commands say so if someone calls them here.
# (-I: isolated mode, so the import finds the installed package, not ./reconciler in this directory.)
ENV DROP_SANDBOX="import os, shutil, reconciler.sandbox as s; shutil.rmtree(os.path.dirname(s.__file__))"
# Only what the wheel is built from; .dockerignore keeps the rest of the checkout out.
COPY pyproject.toml constraints.txt README.md ./
COPY reconciler ./reconciler
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /dist . \
 && python -m venv /opt/hpo-reconciler \
 && /opt/hpo-reconciler/bin/pip install --no-cache-dir -c constraints.txt /dist/*.whl \
 && /opt/hpo-reconciler/bin/pip uninstall --yes pip setuptools wheel \
 && /opt/hpo-reconciler/bin/python -I -c "$DROP_SANDBOX" \
 && /opt/hpo-reconciler/bin/python -m compileall -q /opt/hpo-reconciler/lib

FROM ${PYTHON_IMAGE}
# A global ARG is visible only to FROM lines; re-declare it to use it in the label below.
ARG PYTHON_IMAGE
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="hpo-reconciler" \
      org.opencontainers.image.description="One-shot GitOps reconciler for Amazon SageMaker hyperparameter tuning jobs declared as Kubernetes resources" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://example.com/hpo-reconciler" \
      org.opencontainers.image.base.name="${PYTHON_IMAGE}"
# The base image's own pip/setuptools are not needed at run time; removing them leaves no
# installer in the final image (the virtualenv never had one after stage 1).
RUN python -m pip uninstall --yes pip setuptools wheel
COPY --from=build /opt/hpo-reconciler /opt/hpo-reconciler
ENV PATH=/opt/hpo-reconciler/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp
# 65532 is the conventional "nonroot" uid/gid; numeric so Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
ENTRYPOINT ["hpo-reconciler"]
CMD ["run"]
