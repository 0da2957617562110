"""One GPU per concurrent local job: the lock-file claim, with a stand-in nvidia-smi."""

import os
import subprocess
import sys

import pytest

from cotorder.devices import claim_gpu, gpu_count

CLAIM = (  # a job: claim a slot of a GPU (slots, lock folder), say which GPU, hold it
    "import sys, time; from cotorder.devices import claim_gpu; "
    "print(claim_gpu(int(sys.argv[1]), sys.argv[2]), flush=True); time.sleep(9)"
)


@pytest.fixture
def fake_gpus(tmp_path, monkeypatch):
    """An nvidia-smi on PATH that lists ``count`` GPUs."""

    def install(count):
        tool = tmp_path / "bin" / "nvidia-smi"
        tool.parent.mkdir(exist_ok=True)
        lines = "".join(f"echo 'GPU {i}: NVIDIA H100 (UUID: GPU-{i})'\n" for i in range(count))
        tool.write_text("#!/bin/sh\n" + lines)
        tool.chmod(0o755)
        monkeypatch.setenv("PATH", f"{tool.parent}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)

    return install


def test_no_driver_means_no_gpus(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert gpu_count() == 0


@pytest.mark.parametrize("gpus,slots", [(3, 1), (2, 3)])
def test_concurrent_jobs_share_the_gpus_slot_by_slot(fake_gpus, tmp_path, gpus, slots):
    fake_gpus(gpus)
    assert gpu_count() == gpus
    locks = tmp_path / "locks"
    jobs = [
        subprocess.Popen([sys.executable, "-c", CLAIM, str(slots), str(locks)], stdout=subprocess.PIPE, text=True)
        for _ in range(gpus * slots)
    ]
    try:
        claimed = sorted(job.stdout.readline().strip() for job in jobs)
        assert claimed == sorted(str(gpu) for gpu in range(gpus) for _ in range(slots))  # each GPU used by `slots`
        with pytest.raises(RuntimeError, match=f"all {gpus} GPUs x {slots} slots are claimed"):
            claim_gpu(slots, locks)
    finally:
        for job in jobs:
            job.kill()
            job.wait()
    assert claim_gpu(slots, locks) == "0"  # a finished job's slot is free again
    assert os.environ.pop("CUDA_VISIBLE_DEVICES") == "0"


def test_slots_spread_jobs_over_the_gpus_first(fake_gpus, tmp_path):
    fake_gpus(2)
    first = subprocess.Popen([sys.executable, "-c", CLAIM, "3", str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout.readline().strip() == "0"
        assert claim_gpu(3, tmp_path) == "1"  # the second job takes the idle GPU, not slot 1 of GPU 0
    finally:
        first.kill()
        first.wait()
        os.environ.pop("CUDA_VISIBLE_DEVICES", None)


def test_a_scheduler_choice_is_kept(fake_gpus, tmp_path, monkeypatch):
    fake_gpus(4)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2")
    assert claim_gpu(1, tmp_path / "locks") is None and os.environ["CUDA_VISIBLE_DEVICES"] == "2"


def test_one_gpu_needs_no_choice(fake_gpus, tmp_path):
    fake_gpus(1)
    assert claim_gpu(1, tmp_path / "locks") is None and "CUDA_VISIBLE_DEVICES" not in os.environ
