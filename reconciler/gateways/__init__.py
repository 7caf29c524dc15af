"""Thin gateways to the outside world: Kubernetes (`kube`, `lease`) and SageMaker (`sagemaker`).

They translate calls and map errors to typed exceptions of one taxonomy (`errors`: retryable or
fatal); they decide nothing.
"""
