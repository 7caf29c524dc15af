"""hpo-reconciler: reconcile SageMaker hyperparameter tuning jobs declared as Kubernetes resources.

The package is a one-shot, level-triggered reconciler (see docs/architecture.md). Importing it
must stay cheap: `hpo-reconciler version` has a start-up budget, so nothing heavy is imported here.
"""

__version__ = "0.1.0"
