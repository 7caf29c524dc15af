"""Sandboxes that make hpo-reconciler runnable and testable with no cluster and no AWS account.

`reconciler.sandbox.kube` is a Kubernetes API emulator (HTTP on 127.0.0.1) that real `kubectl` and the
official `kubernetes` client accept; `reconciler.sandbox.sagemaker` simulates the SageMaker API for boto3.
Both are test and demo infrastructure only: product code (everything `hpo-reconciler run` executes) never
imports this package, so nothing here can leak into a real reconciliation.
"""
