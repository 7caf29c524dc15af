"""awsmodel.combinations: the one counting rule the simulator, the request builder and validate share."""

from __future__ import annotations

from reconciler.awsmodel.combinations import (
    combinations,
    grid_max_jobs_problem,
    not_enough_combinations_problem,
)

GRID = {
    "CategoricalParameterRanges": [
        {"Name": "a", "Values": ["x", "y", "z"]},
        {"Name": "b", "Values": ["1", "2"]},
    ],
    "IntegerParameterRanges": [],
    "ContinuousParameterRanges": [],
}


def test_counts_integer_values_and_distinct_categorical_values() -> None:
    assert combinations(GRID) == 6
    assert combinations({"IntegerParameterRanges": [{"Name": "n", "MinValue": "10", "MaxValue": "20"}]}) == 11
    assert (
        combinations({"ContinuousParameterRanges": [{"Name": "e", "MinValue": "0", "MaxValue": "1"}]}) is None
    )
    assert combinations({}) == 1


def test_grid_accepts_no_limit_or_the_exact_size_and_names_the_size_otherwise() -> None:
    assert grid_max_jobs_problem(GRID, None) is None
    assert grid_max_jobs_problem(GRID, 6) is None
    problem = grid_max_jobs_problem(GRID, 5)
    assert problem is not None and "(5)" in problem and "(6)" in problem


def test_other_strategies_need_at_least_max_jobs_combinations() -> None:
    assert not_enough_combinations_problem(GRID, 6) is None
    problem = not_enough_combinations_problem(GRID, 7)
    assert problem is not None and problem.startswith("You don't have enough combinations")
    assert "[6.0]" in problem and "[7]" in problem
