"""The CUDA paths: training and evaluation on a GPU in each precision, resuming there, GPU slots.

Skipped without a CUDA device (as in CI); `bench/gpu_check.py` runs them on a GPU machine.
"""

import copy
import os
import subprocess
import sys

import pytest
import torch
from training_helpers import Interrupt, evaluate_into, tiny_config, write_relu

from cotorder.devices import gpu_count
from cotorder.training import train

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


@pytest.fixture(scope="module")
def relu4(tmp_path_factory):
    return write_relu(tmp_path_factory.mktemp("gpu"), 4, train=2000, test=200)


@pytest.mark.parametrize("precision", ["fp32", "tf32", "bf16"])
def test_train_and_evaluate_on_cuda(tmp_path, relu4, precision):
    cfg = tiny_config(relu4, tmp_path / "out", 4, max_steps=60, device="cuda", precision=precision)
    summary = train(cfg)
    assert summary["device"] == "cuda" and summary["precision"] == precision and summary["global_step"] == 60
    metrics = evaluate_into(tmp_path / "eval", summary["output_dir"], relu4["test"], device="cuda")
    assert metrics["device"] == "cuda" and metrics["precision"] == precision  # the model's, by default
    assert 0 <= metrics["success_rate"] <= 1 and metrics["num_samples"] == 200


def test_a_resumed_cuda_run_ends_like_an_uninterrupted_one(tmp_path, relu4):
    cfg = tiny_config(relu4, tmp_path / "resumed", 4, max_steps=40, save_steps=10, device="cuda")
    with pytest.raises(KeyboardInterrupt):
        train(copy.deepcopy(cfg), callbacks=[Interrupt(25)])
    resumed = train(copy.deepcopy(cfg))
    assert resumed["resumed_from"].endswith("checkpoint-20")
    straight = train(tiny_config(relu4, tmp_path / "straight", 4, max_steps=40, save_steps=10, device="cuda"))
    logs = [(tmp_path / name / "train_log.csv").read_text() for name in ("resumed", "straight")]
    assert logs[0] == logs[1]
    assert resumed["final_loss"] == straight["final_loss"]


CLAIM = (
    "import sys, time; from cotorder.devices import claim_gpu; "
    "print(claim_gpu(int(sys.argv[1]), sys.argv[2]), flush=True); time.sleep(5)"
)


@pytest.mark.skipif(gpu_count() < 2, reason="needs two GPUs")
def test_local_jobs_get_the_slots_they_claimed(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    jobs = [
        subprocess.Popen([sys.executable, "-c", CLAIM, "2", str(tmp_path)], stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(4)
    ]
    claimed = sorted(job.stdout.readline().strip() for job in jobs)
    for job in jobs:
        job.wait()
    assert claimed == ["0", "0", "1", "1"]
