"""Tests for tools/restamp.py: the comparisons that decide whether a results file is re-stamped."""

from __future__ import annotations

import copy

from tools import restamp


def _run(seed: int, ndcg: float, seconds: float = 10.0) -> dict:
    return {
        "seed": seed,
        "training_seconds": seconds,
        "valid": {"filtered": {"NDCG@10": ndcg}},
        "test_ranks": {"filtered": [1, 5, 2]},
    }


STORED = {
    "models": {
        "Pop": {"config": {}, "seconds": 0.3, "test": {"filtered": {"NDCG@10": 0.04}}},
        "GRU": {"config": {"units": 64}, "runs": [_run(42, 0.14), _run(1, 0.13), _run(2, 0.12)]},
    }
}


def test_differences_ignore_timings_and_name_what_differs() -> None:
    assert restamp.differences({"a": 1, "seconds": 2.0}, {"a": 1, "seconds": 9.0}) == []
    found = restamp.differences({"a": {"b": [1, 2]}, "c": 1}, {"a": {"b": [1, 3]}, "d": 1})
    assert found == [
        "/a/b[1]: stored 2, rerun 3",
        "/c: only in the file",
        "/d: only in the rerun",
    ]
    assert restamp.differences([1, 2], [1]) == [": 2 entries stored, 1 rerun"]


def test_a_rerun_with_one_seed_is_matched_run_by_run() -> None:
    fresh = {
        "models": {
            "Pop": copy.deepcopy(STORED["models"]["Pop"]),
            "GRU": {"config": {"units": 64}, "runs": [_run(42, 0.14, seconds=55.0)]},
        }
    }
    fresh["models"]["Pop"]["seconds"] = 0.9
    assert restamp.compare_models(STORED, fresh) == ([], 2)
    fresh["models"]["GRU"]["runs"][0]["test_ranks"]["filtered"][2] = 3
    found, _ = restamp.compare_models(STORED, fresh)
    assert found == ["/models/GRU/runs[seed 42]/test_ranks/filtered[2]: stored 2, rerun 3"]


def test_a_missing_seed_or_model_is_a_difference() -> None:
    fresh = {"models": {"SKNN": {"config": {}}, "GRU": {"config": {"units": 64}, "runs": []}}}
    assert restamp.compare_models(STORED, fresh)[0] == ["/models/SKNN: not in the file"]
    fresh = {"models": {"GRU": {"config": {"units": 64}, "runs": [_run(7, 0.1)]}}}
    try:
        restamp.compare_models(STORED, fresh)
    except ValueError as error:
        assert "no run with seed 7" in str(error)
    else:
        raise AssertionError("a seed the file lacks must be refused")


def test_the_cold_start_check_compares_the_first_fold() -> None:
    stored = {"held_out_users": [5, 9, 2, 7], "ranks": {"Pop": {"all": [3, 1, 4, 1]}}}
    fresh = {"held_out_users": [5, 9], "ranks": {"Pop": {"all": [3, 1]}}}
    assert restamp.compare_cold_start(stored, fresh) == ([], 1)
    fresh["ranks"]["Pop"]["all"] = [3, 2]
    assert restamp.compare_cold_start(stored, fresh)[0] == ["/ranks/Pop/all[1]: stored 1, rerun 2"]


def test_the_sasrec_check_covers_the_grid_and_the_winner() -> None:
    winner, other = {"dropout": 0.5}, {"dropout": 0.2}
    stored = {
        "tried": [
            {"config": winner, "runs": [_run(42, 0.10), _run(1, 0.11)]},
            {"config": other, "runs": [_run(42, 0.09)]},
        ],
        "models": {"SASRec": {"config": winner, "runs": [_run(42, 0.10), _run(1, 0.11)]}},
    }
    fresh = {
        "tried": [
            {"config": winner, "runs": [_run(42, 0.10, seconds=70.0)]},
            {"config": other, "runs": [_run(42, 0.09)]},
        ]
    }
    assert restamp.compare_sasrec(stored, fresh) == ([], 3)
    fresh["tried"][1]["runs"][0]["valid"]["filtered"]["NDCG@10"] = 0.08
    assert len(restamp.compare_sasrec(stored, fresh)[0]) == 1
