"""The report's data extraction (tools.report_model), importance and terminal form, on tables of responses."""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import pytest

from reconciler.tools.report import write
from reconciler.tools.report_extra import ReportExtraMissing
from reconciler.tools.report_importance import correlation_ratio, importance, ranks, spearman
from reconciler.tools.report_model import NO_REASON, Range, build_report
from reconciler.tools.report_text import render_text
from tests.unit.report_tables import BOOSTER, ETA, ROUNDS, at, describe, rich, summary


def test_ranges_come_from_the_tuning_job_config_with_kind_scaling_and_bounds() -> None:
    job = describe(
        ranges={
            "ContinuousParameterRanges": [ETA],
            "IntegerParameterRanges": [ROUNDS],
            "CategoricalParameterRanges": [BOOSTER],
        }
    )
    report = build_report(job, [summary("a-1", tuned={"eta": "0.1", "num_round": "20", "booster": "dart"})])
    assert report.ranges == (
        Range("eta", "continuous", scaling="Logarithmic", low=0.001, high=1.0, definitions=("",)),
        Range("num_round", "integer", scaling="Linear", low=10.0, high=50.0, definitions=("",)),
        Range("booster", "categorical", values=("gbtree", "dart"), definitions=("",)),
    )
    assert [r.log_scale for r in report.ranges] == [True, False, False]
    assert report.definitions == ("",)
    assert report.runs[0].definition == ""


def test_multi_definition_ranges_are_merged_by_name_and_runs_keep_their_definition() -> None:
    job, jobs, _ = rich()
    report = build_report(job, jobs)
    assert report.definitions == ("xgb-tree", "xgb-linear")
    by_name = {r.name: r for r in report.ranges}
    # eta is tuned by both definitions: the union of their bounds, the shared scaling
    assert by_name["eta"] == Range(
        "eta",
        "continuous",
        scaling="Logarithmic",
        low=0.0001,
        high=1.0,
        definitions=("xgb-tree", "xgb-linear"),
    )
    assert by_name["num_round"].definitions == ("xgb-tree",)
    assert by_name["booster"].kind == "categorical"
    assert {r.name: r.definition for r in report.runs}["hpo-a-002"] == "xgb-linear"


def test_runs_carry_status_times_objective_and_tuned_values_in_the_order_they_ran() -> None:
    job, jobs, _ = rich()
    report = build_report(job, list(reversed(jobs)))
    assert [r.name for r in report.runs] == [f"hpo-a-00{i}" for i in range(1, 8)]
    first = report.runs[0]
    assert (first.status, first.created, first.started, first.ended) == ("Completed", at(0), at(1), at(10))
    assert first.objective == 0.30 and first.hyperparameters == {"eta": "0.01", "num_round": "20"}
    failed = report.runs[3]
    assert failed.objective is None and failed.failure_reason == "AlgorithmError: out of memory"
    assert report.best is not None and report.best.name == "hpo-a-003"
    assert report.strategy == "Random" and report.objective_metric == "validation:error"


def test_epoch_seconds_are_accepted_as_timestamps() -> None:
    row = summary("a-1")
    row["CreationTime"] = 1_700_000_000.0
    report = build_report(describe(), [row])
    assert report.runs[0].created == dt.datetime.fromtimestamp(1_700_000_000, tz=dt.UTC)


@pytest.mark.parametrize(
    ("strategy", "early_stopping", "tuning_status", "expected"),
    [
        ("Bayesian", "Auto", "Completed", True),
        ("Hyperband", "Off", "Completed", True),  # Hyperband stops weak jobs itself
        ("Bayesian", "Off", "Completed", False),  # nothing stops early: someone stopped it
        ("Bayesian", "Auto", "Stopped", False),  # the tuning job was stopped: cannot tell
    ],
)
def test_early_stopped_means_stopped_by_the_tuning_jobs_early_stopping(
    strategy: str, early_stopping: str, tuning_status: str, expected: bool
) -> None:
    job = describe(strategy=strategy, early_stopping=early_stopping, status=tuning_status)
    report = build_report(job, [summary("a-1", status="Stopped"), summary("a-2", status="Completed")])
    assert [r.early_stopped for r in report.runs] == [expected, False]


def test_failure_reasons_are_grouped_most_frequent_first() -> None:
    job, jobs, _ = rich()
    jobs.append(summary("hpo-a-008", status="Failed", created=40, objective=None))
    report = build_report(job, jobs)
    assert [(g.reason, g.count, g.training_jobs) for g in report.failures] == [
        ("AlgorithmError: out of memory", 2, ("hpo-a-004", "hpo-a-006")),
        (NO_REASON, 1, ("hpo-a-008",)),
        ("ClientError: no such S3 key", 1, ("hpo-a-007",)),
    ]


def test_warm_start_parents_training_jobs_are_prior() -> None:
    job, jobs, parents = rich()
    report = build_report(job, jobs, parents=parents, resource="team-a/xgb")
    assert report.parents == ("hpo-parent",) and report.warm_start_type == "IdenticalDataAndAlgorithm"
    assert [r.name for r in report.prior] == ["hpo-parent-001", "hpo-parent-002"]
    assert all(r.prior and r.tuning_job == "hpo-parent" for r in report.prior)
    assert len(report.current) == 7
    # the best-so-far line continues the parents' search; top 5 ranks only this job's training jobs
    assert [value for _, value in report.best_so_far()] == [0.35, 0.15, 0.15, 0.15, 0.10, 0.10]
    assert [r.name for r in report.top(5)] == ["hpo-a-003", "hpo-a-002", "hpo-a-001", "hpo-a-005"]
    # parents' failures are theirs: not grouped with this job's
    assert sum(g.count for g in report.failures) == 3


def test_maximize_orders_best_first_by_the_highest_value() -> None:
    job = describe(objective_type="Maximize")
    jobs = [
        summary("a-1", objective=0.5, ended=1),
        summary("a-2", objective=0.9, ended=2),
        summary("a-3", ended=3),
    ]
    report = build_report(job, jobs)
    assert [r.name for r in report.top(2)] == ["a-2", "a-1"]
    assert [v for _, v in report.best_so_far()] == [0.5, 0.9, 0.9]


def test_hyperparameters_without_a_declared_range_are_inferred_from_the_training_jobs() -> None:
    # Autotune chooses ranges itself: the describe has no ParameterRanges
    jobs = [
        summary("a-1", tuned={"alpha": "0.5", "kind": "x"}),
        summary("a-2", tuned={"alpha": "2", "kind": "y"}),
    ]
    report = build_report(describe(), jobs)
    assert report.ranges == (
        Range("alpha", "continuous", low=0.5, high=2.0, declared=False),
        Range("kind", "categorical", values=("x", "y"), declared=False),
    )


def test_ranks_average_ties_and_spearman_and_eta_measure_association() -> None:
    assert ranks([3.0, 1.0, 3.0, 2.0]) == [3.5, 1.0, 3.5, 2.0]
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [1, 4, 9, 16]) == pytest.approx(1.0)  # monotone, not linear
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 1], [1, 2, 3]) is None
    assert correlation_ratio(["a", "a", "b", "b"], [1, 2, 3, 4]) == pytest.approx(0.894, abs=1e-3)
    assert correlation_ratio(["a", "b", "a", "b"], [1, 2, 2, 1]) == pytest.approx(0.0)
    assert correlation_ratio(["a", "a"], [1, 2]) is None


def test_importance_ranks_the_hyperparameter_that_drives_the_objective_first() -> None:
    job = describe(ranges={"ContinuousParameterRanges": [ETA], "CategoricalParameterRanges": [BOOSTER]})
    jobs = [
        summary(
            f"a-{i}",
            objective=float(i),
            tuned={"eta": str(0.001 * 2**i), "booster": ["gbtree", "dart"][i % 2]},
        )
        for i in range(6)
    ]
    scores = importance(build_report(job, jobs))
    assert [s.name for s in scores] == ["eta", "booster"]
    assert scores[0].score == pytest.approx(1.0) and scores[0].runs == 6
    assert scores[1].score is not None and scores[1].score < 0.5


def test_importance_needs_three_scored_training_jobs() -> None:
    job = describe(ranges={"ContinuousParameterRanges": [ETA]})
    report = build_report(job, [summary("a-1", tuned={"eta": "0.1"}), summary("a-2", tuned={"eta": "0.2"})])
    assert [(s.name, s.score, s.runs) for s in importance(report)] == [("eta", None, 2)]


def test_terminal_summary_shows_status_best_top_and_grouped_failures() -> None:
    job, jobs, parents = rich()
    text = render_text(build_report(job, jobs, parents=parents, resource="team-a/xgb"))
    assert "Tuning job hpo-a (HyperparameterTuningJob team-a/xgb)" in text
    assert "Best training job: hpo-a-003  validation:error = 0.1" in text
    assert "  eta = 0.3" in text and "  definition: xgb-tree" in text
    assert "Top 4 (lowest validation:error first):" in text
    assert "2 x AlgorithmError: out of memory  [hpo-a-004, hpo-a-006]" in text
    assert "warm start (IdenticalDataAndAlgorithm) from hpo-parent: 2 prior training jobs" in text
    assert "early-stopped: 1" in text and "Stopped (early)" in text


def test_terminal_summary_of_a_job_without_results_says_so() -> None:
    text = render_text(build_report(describe(status="InProgress"), []))
    assert "Best training job: none yet" in text and "Failure reasons: none" in text


@pytest.mark.parametrize(
    ("suffix", "package"), [("html", "plotly"), ("png", "matplotlib"), ("svg", "matplotlib")]
)
def test_a_missing_report_extra_names_the_install_command_and_leaves_no_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, suffix: str, package: str
) -> None:
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, package, None)  # what `import package` sees when it is not installed
    job, jobs, _ = rich()
    with pytest.raises(ReportExtraMissing) as caught:
        write(build_report(job, jobs), tmp_path / f"report.{suffix}", out=io.StringIO())
    assert f"needs {package}" in str(caught.value)
    assert "pip install 'hpo-reconciler[report]'" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_the_terminal_summary_needs_no_plotting_package(monkeypatch: pytest.MonkeyPatch) -> None:
    for package in ("plotly", "matplotlib"):
        monkeypatch.setitem(sys.modules, package, None)
    out = io.StringIO()
    job, jobs, _ = rich()
    assert write(build_report(job, jobs), None, out=out) is None
    assert out.getvalue().startswith("Tuning job hpo-a")
