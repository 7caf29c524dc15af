"""The model is loaded on first use, not at import (`hpo-reconciler version` must stay fast)."""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import sys
import reconciler.awsmodel
import reconciler.tools.crdgen
from reconciler.awsmodel.loader import service_model
assert "botocore.loaders" not in sys.modules, "botocore loaded at import"
assert service_model.cache_info().currsize == 0
reconciler.awsmodel.camel("S3Uri")
first = service_model()
reconciler.awsmodel.check_input("DescribeTrainingJob", {"TrainingJobName": "x"})
assert service_model() is first and service_model.cache_info().hits >= 1
print("ok")
"""


def test_importing_awsmodel_loads_nothing_and_the_model_is_cached() -> None:
    result = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
