"""Train and evaluate one RecBole 1.2.1 model on the course's split; run by recbole_benchmark.py.

This script runs inside RecBole's own virtual environment (``.venv-recbole``: PyTorch and
NumPy < 2), never in the course's. It reads a job (a JSON file: the model, its settings, the
seed, where the atomic files are, and the course split's targets and histories), and writes
the result as JSON:

* before training, it checks that RecBole's leave-one-out split gives every user exactly the
  course's validation and test item, and stops with an error if one differs;
* it trains with RecBole's own trainer (early stopping on RecBole's validation NDCG@10,
  history not filtered, as RecBole evaluates sequential models);
* it ranks every item for every user, at validation and at test, with the best weights, and
  records each user's rank of the target in the course's way (ties count against the
  target), without the history filter (RecBole's setting) and with it (the course's main
  setting). RecBole's own reported metrics are kept beside them.

RecBole 1.2.1 predates two changes, patched here in this process only: PyTorch 2.6 made
``torch.load`` refuse pickled checkpoints by default (RecBole reloads its own), and NumPy
removed ``np.float`` (RecBole's evaluation still names it).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import time

import numpy as np
import torch

torch.load = functools.partial(torch.load, weights_only=False)
np.float = float  # type: ignore[attr-defined]

from recbole.config import Config  # noqa: E402
from recbole.data import create_dataset, data_preparation  # noqa: E402
from recbole.utils import get_model, get_trainer, init_logger, init_seed  # noqa: E402


def _targets_by_user(dataset, loader) -> dict[str, str]:
    """Map each user token of an evaluation loader to its target item token."""
    features = loader._dataset.inter_feat
    users = dataset.id2token(dataset.uid_field, features[dataset.uid_field].numpy())
    items = dataset.id2token(dataset.iid_field, features[dataset.iid_field].numpy())
    return dict(zip(users.tolist(), items.tolist()))


def _check_split(dataset, valid_data, test_data, job: dict) -> None:
    """Stop unless RecBole's validation and test targets are the course's, user by user."""
    for stage, loader in (("valid", valid_data), ("test", test_data)):
        found = _targets_by_user(dataset, loader)
        expected = job["targets"][stage]
        differ = [user for user, item in expected.items() if found.get(user) != item]
        if len(found) != len(expected) or differ:
            raise SystemExit(
                f"RecBole's {stage} targets differ from the course split for {len(differ)} of "
                f"{len(expected)} users (e.g. {differ[:3]}); the atomic file's times must "
                "increase strictly within each user."
            )


@torch.no_grad()
def _ranks(model, dataset, loader, job: dict, stage: str) -> dict[str, list[int]]:
    """Rank every user's target among all items, unfiltered and with the history filtered."""
    model.eval()
    users_out, unfiltered, filtered = [], [], []
    seen = job["seen"][stage]
    for interaction, _, _, positive in loader:
        scores = model.full_sort_predict(interaction).view(len(positive), -1).double()
        scores[:, 0] = -np.inf  # RecBole's padding item
        tokens = dataset.id2token(dataset.uid_field, interaction[dataset.uid_field].numpy())
        target_scores = scores[torch.arange(len(positive)), positive]
        # A rank is 1 + the other items scoring at least as high: the target counts itself.
        unfiltered += (scores >= target_scores[:, None]).sum(dim=1).tolist()
        for row, token in enumerate(tokens.tolist()):
            ids = [dataset.token2id(dataset.iid_field, item) for item in seen[token]]
            masked = scores[row].clone()
            masked[ids] = -np.inf
            masked[positive[row]] = target_scores[row]  # the target stays rankable
            filtered.append(int((masked >= target_scores[row]).sum()))
            users_out.append(token)
    order = np.argsort(np.array(users_out, dtype=np.int64), kind="stable")
    return {
        "users": [int(users_out[i]) for i in order],
        "unfiltered": [int(unfiltered[i]) for i in order],
        "filtered": [int(filtered[i]) for i in order],
    }


def main(job_path: str, output_path: str) -> int:
    with open(job_path, encoding="utf-8") as stream:
        job = json.load(stream)
    torch.set_num_threads(job.get("threads", 2))
    checkpoints = tempfile.mkdtemp(prefix="recbole-")
    config = Config(
        model=job["model"],
        dataset=job["dataset"],
        config_dict={
            "data_path": job["data_path"],
            "checkpoint_dir": checkpoints,
            "load_col": {"inter": ["user_id", "item_id", "timestamp"]},
            "eval_args": {
                "split": {"LS": "valid_and_test"},
                "order": "TO",
                "mode": "full",
                "group_by": "user",
            },
            "train_neg_sample_args": None,
            "metrics": ["Hit", "NDCG"],
            "topk": [10],
            "valid_metric": "NDCG@10",
            "use_gpu": False,
            "show_progress": False,
            "state": "WARNING",
            "seed": job["seed"],
            "reproducibility": True,
            **job["settings"],
        },
    )
    init_seed(config["seed"], config["reproducibility"])
    init_logger(config)
    dataset = create_dataset(config)
    train_data, valid_data, test_data = data_preparation(config, dataset)
    _check_split(dataset, valid_data, test_data, job)

    init_seed(config["seed"] + config["local_rank"], config["reproducibility"])
    model = get_model(config["model"])(config, train_data._dataset).to(config["device"])
    trainer = get_trainer(config["MODEL_TYPE"], config["model"])(config, model)
    epochs = []
    clock = {"last": time.perf_counter()}

    def on_epoch(epoch: int, valid_score: float) -> None:
        now = time.perf_counter()
        epochs.append(
            {
                "epoch": epoch + 1,
                "valid NDCG@10": float(valid_score),
                "seconds": round(now - clock["last"], 1),
            }
        )
        clock["last"] = now
        print(
            f"  epoch {epoch + 1}: valid NDCG@10 {valid_score:.4f} ({epochs[-1]['seconds']} s)",
            flush=True,
        )

    start = time.perf_counter()
    best_score, _ = trainer.fit(
        train_data, valid_data, saved=True, show_progress=False, verbose=False, callback_fn=on_epoch
    )
    seconds = time.perf_counter() - start
    reported = trainer.evaluate(test_data, load_best_model=True, show_progress=False)
    best_epoch = max(epochs, key=lambda row: row["valid NDCG@10"])["epoch"]
    result = {
        "model": job["model"],
        "settings": job["settings"],
        "seed": job["seed"],
        "seconds": round(seconds, 1),
        "epochs": len(epochs),
        "best_epoch": best_epoch,
        "seconds_per_epoch": round(seconds / max(len(epochs), 1), 1),
        "epoch_log": epochs,
        "recbole_valid_NDCG@10": float(best_score),
        "recbole_test": {key: float(value) for key, value in reported.items()},
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "valid": _ranks(model, dataset, valid_data, job, "valid"),
        "test": _ranks(model, dataset, test_data, job, "test"),
        "versions": {
            "torch": torch.__version__,
            "numpy": np.__version__,
            "pandas": __import__("pandas").__version__,
            "recbole": __import__("recbole").__version__,
        },
    }
    # Written to a temporary file and renamed, so a killed run leaves no partial result.
    temporary = output_path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as stream:
        json.dump(result, stream)
    os.replace(temporary, output_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
