"""What `hpo-reconciler run` executes: one resource observed, decided (by core.decide), acted on and
recorded (`reconcile`); one pass over all of them with bounded concurrency and the lease (`run`);
its printed lines (`summary`). Never imports the sandbox.
"""
