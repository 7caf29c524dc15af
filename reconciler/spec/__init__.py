"""What the user asked for, checked: the CRD schema as kube-apiserver applies it (`crdschema`),
SageMaker's create-time rules (`semantics`), and the desired CreateHyperParameterTuningJob request
built from a resource (`desired`). Pure; used by the engine, `hpo-reconciler validate` and the sandbox.
"""
