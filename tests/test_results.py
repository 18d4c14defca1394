"""Tests for course_utils.results, and the freshness of the committed benchmark results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from course_utils import configs, results

RESULT_FILES = sorted(results.RESULTS_DIR.glob("*.json"))


# --- code and config digests ----------------------------------------------------------------

SOURCE = '''"""A module."""

# A comment.
def f(x):
    """Say what f does."""
    return x + 1  # an inline comment is part of the line
'''


def test_code_digest_ignores_documentation_but_not_code(tmp_path: Path) -> None:
    path = tmp_path / "module.py"
    path.write_text(SOURCE)
    before = results.code_digest([path])
    assert len(before) == 64
    documented = SOURCE.replace('"""Say what f does."""', '"""Say what f does,\n    at length."""')
    path.write_text("# a new comment\n\n" + documented + "\n\n")
    assert results.code_digest([path]) == before
    path.write_text(SOURCE.replace("x + 1", "x + 2"))
    assert results.code_digest([path]) != before
    with pytest.raises(ValueError, match="no such code file"):
        results.code_digest([tmp_path / "missing.py"])


def test_code_digest_ignores_formatting_and_where_course_modules_live(tmp_path: Path) -> None:
    path = tmp_path / "module.py"
    path.write_text(
        "from course_utils import data, training\nimport numpy as np\n\n"
        "def f(x):\n    return training.fit(x, 'a', [1, 2])\n"
    )
    before = results.code_digest([path])
    path.write_text(
        "from course_utils.models import training  # moved\n"
        "from course_utils import data\nimport numpy as np\n\n"
        'def f(x):\n    return training.fit(\n        x,\n        "a",\n        [1, 2],\n    )\n'
    )
    assert results.code_digest([path]) == before, "formatting and a module's folder do not count"
    path.write_text(
        "from course_utils import data, sequence_rnn as training\n"
        "import numpy as np\n\n"
        "def f(x):\n    return training.fit(x, 'a', [1, 2])\n"
    )
    assert results.code_digest([path]) != before, "which module is bound still counts"
    path.write_text(
        "from course_utils import data, training\nimport numpy.linalg as np\n\n"
        "def f(x):\n    return training.fit(x, 'a', [1, 2])\n"
    )
    assert results.code_digest([path]) != before, "other packages' modules still count"


def test_config_digest_sorts_keys_and_refuses_non_json() -> None:
    assert results.config_digest({"a": 1, "b": [2]}) == results.config_digest({"b": [2], "a": 1})
    assert results.config_digest({"a": 1}) != results.config_digest({"a": 2})
    with pytest.raises(ValueError, match="JSON"):
        results.config_digest({"a": object()})


def test_write_and_load_round_trip(tmp_path: Path, split) -> None:
    provenance = results.provenance(
        split, ["course_utils/results.py"], {"k": 10}, produced_by="python somewhere.py"
    )
    path = results.write(
        "demo", {"numbers": [1, 2]}, provenance=provenance, run_seconds=1.234, folder=tmp_path
    )
    record = results.load("demo", folder=tmp_path)
    assert record["numbers"] == [1, 2] and record["run_seconds"] == 1.2
    assert record["fingerprint"]["split"] == split.fingerprint()
    assert record["machine"]["cores"] >= 1 and record["produced_by"] == "python somewhere.py"
    assert [p.name for p in tmp_path.iterdir()] == [path.name], "no temporary file is left"
    assert path.stat().st_mode & 0o644 == 0o644
    with pytest.raises(ValueError, match="letters, digits"):
        results.write("../x", {}, provenance=provenance, run_seconds=0, folder=tmp_path)
    with pytest.raises(ValueError, match=r"no results file missing\.json"):
        results.load("missing", folder=tmp_path)


# --- the arithmetic on stored ranks ---------------------------------------------------------


def test_ndcg_from_ranks() -> None:
    np.testing.assert_allclose(
        results.ndcg_from_ranks([1, 3, 10, 11]), [1.0, 0.5, 1 / np.log2(11), 0.0]
    )


def test_paired_difference_by_hand() -> None:
    first = np.array([1.0, 0.0, 0.5, 0.5])
    second = np.array([0.0, 0.0, 0.5, 0.0])
    mean, error = results.paired_difference(first, second)
    differences = first - second
    assert mean == pytest.approx(0.375)
    assert error == pytest.approx(differences.std(ddof=1) / 2)
    # Several seeds of one model against a model without seeds: each seed is paired with
    # it, and the means and the standard errors are averaged over the seeds.
    seeds = np.stack([first, first[::-1]])
    mean, error = results.paired_difference(seeds, second)
    assert mean == pytest.approx(np.mean([(first - second).mean(), (first[::-1] - second).mean()]))
    assert error == pytest.approx(
        np.mean(
            [results.standard_error(first - second), results.standard_error(first[::-1] - second)]
        )
    )
    with pytest.raises(ValueError, match="same users"):
        results.paired_difference(first, second[:3])
    with pytest.raises(ValueError, match="seeds"):
        results.paired_difference(np.stack([first] * 2), np.stack([second] * 3))


def test_importing_results_does_not_import_tensorflow() -> None:
    code = "import sys, course_utils.results; print('tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


# --- the committed results files ------------------------------------------------------------


@pytest.fixture(scope="module")
def course_split():
    from course_utils import data, splits

    return splits.leave_last_out(data.load_movielens_100k().ratings)


def test_results_files_exist() -> None:
    names = {path.stem for path in RESULT_FILES}
    expected = {
        "baseline_search",
        "neural_search",
        "leaderboard",
        "recbole",
        "cold_start",
        "user_term",
        "tie_order",
        "sasrec",
        "causal_mask",
    }
    assert expected <= names, f"missing results files: {sorted(expected - names)}"


@pytest.mark.parametrize("path", RESULT_FILES, ids=[path.stem for path in RESULT_FILES])
def test_results_file_is_current(path: Path, course_split) -> None:
    record = json.loads(path.read_text(encoding="utf-8"))
    for field in ("produced_by", "date", "machine", "run_seconds", "fingerprint"):
        assert field in record, f"{path.name} lacks {field!r}"
    stale = []
    if record["fingerprint"]["split"] != course_split.fingerprint():
        stale.append("the course split has changed")
    if record["fingerprint"]["code"] != results.code_digest(record["code_files"]):
        stale.append(f"the code of {', '.join(record['code_files'])} has changed")
    if record["fingerprint"]["config"] != results.config_digest(record["config"]):
        stale.append("its configuration does not match its fingerprint")
    assert not stale, (
        f"{path.name} is stale ({'; '.join(stale)}): run `{record['produced_by']}` again"
    )


BENCHMARKS = sorted((results.RESULTS_DIR.parent).glob("*.py"))


@pytest.mark.parametrize("script", BENCHMARKS, ids=[path.stem for path in BENCHMARKS])
def test_every_benchmarks_code_files_exist(script: Path) -> None:
    # A script that names a moved file would stop at its end, when it writes its results.
    import ast

    for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "CODE_FILES" for target in node.targets
        ):
            missing = [
                path
                for path in ast.literal_eval(node.value)
                if not (results.REPOSITORY / path).is_file()
            ]
            assert not missing, f"{script.name} names code files that do not exist: {missing}"


def test_the_baselines_use_the_settings_their_search_chose() -> None:
    best = results.load("baseline_search")["best"]
    assert best["item-kNN"]["filtered"]["config"] == configs.ITEM_KNN
    assert best["Markov chain"]["filtered"]["config"] == configs.MARKOV_CHAIN
    assert best["sequential rules"]["filtered"]["config"] == configs.SEQUENTIAL_RULES
    assert best["SKNN"]["filtered"]["config"] == configs.SKNN


def test_the_neural_models_use_the_settings_their_search_chose() -> None:
    winners = results.load("neural_search")["winners"]
    chosen = {"mf": configs.MF, "caser": configs.CASER, "lstm": configs.LSTM, "gru": configs.GRU}
    for model, config in chosen.items():
        assert winners[model]["config"] == config, f"configs.{model.upper()} is not the winner"


def test_sasrec_uses_the_settings_its_search_chose() -> None:
    from course_utils.configs import SASREC

    assert results.load("sasrec")["winner"]["config"] == SASREC, "configs.SASREC is not the winner"


def test_summary_runs_and_per_user_ndcg() -> None:
    record = {
        "name": "demo",
        "models": {
            "Pop": {"test": {"filtered": {"NDCG@10": 0.1}}, "test_ranks": {"filtered": [1, 20]}},
            "Net": {
                "runs": [
                    {"test": {"filtered": {"NDCG@10": 0.2}}, "test_ranks": {"filtered": [1, 3]}},
                    {"test": {"filtered": {"NDCG@10": 0.4}}, "test_ranks": {"filtered": [3, 1]}},
                ]
            },
        },
    }
    table = results.summary(record, metric_names=["NDCG@10"])
    assert table.loc["Net", ("NDCG@10", "mean")] == pytest.approx(0.3)
    assert table.loc["Net", ("NDCG@10", "sd")] == pytest.approx(np.std([0.2, 0.4], ddof=1))
    assert table.loc["Pop", ("NDCG@10", "sd")] == 0.0 and table.loc["Net", "seeds"] == 2
    np.testing.assert_allclose(results.per_user_ndcg(record, "Net"), [[1, 0.5], [0.5, 1]])
    mean, _ = results.paired_difference(
        results.per_user_ndcg(record, "Net"), results.per_user_ndcg(record, "Pop")
    )
    assert mean == pytest.approx(0.75 - 0.5)
    with pytest.raises(ValueError, match=r"no model 'CNN' in demo; it holds \['Pop', 'Net'\]"):
        results.runs(record, "CNN")
