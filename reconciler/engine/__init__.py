"""What `hpo-reconciler run` executes: one resource observed, decided (by the core), acted on and
recorded (`reconcile`, the executor) with its TrainingJob children mirrored (`children`), through the
gateway Protocols of `ports`; one pass over all of them with bounded concurrency and the lease (`run`);
its printed lines (`summary`). Never imports the sandbox.
"""
