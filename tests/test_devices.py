"""One GPU per concurrent local job: the lock-file claim, with a stand-in nvidia-smi."""

import os
import subprocess
import sys

import pytest

from cotorder.devices import claim_gpu, gpu_count

CLAIM = (  # a job: claim a GPU, say which, hold it
    "import sys, time; from cotorder.devices import claim_gpu; print(claim_gpu(sys.argv[1]), flush=True); time.sleep(9)"
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


def test_concurrent_jobs_get_different_gpus(fake_gpus, tmp_path):
    fake_gpus(3)
    assert gpu_count() == 3
    locks = tmp_path / "locks"
    jobs = [
        subprocess.Popen([sys.executable, "-c", CLAIM, str(locks)], stdout=subprocess.PIPE, text=True) for _ in range(3)
    ]
    try:
        claimed = sorted(job.stdout.readline().strip() for job in jobs)
        assert claimed == ["0", "1", "2"]
        with pytest.raises(RuntimeError, match="all 3 GPUs are claimed"):
            claim_gpu(locks)
    finally:
        for job in jobs:
            job.kill()
            job.wait()
    assert claim_gpu(locks) == "0"  # a finished job's GPU is free again
    assert os.environ.pop("CUDA_VISIBLE_DEVICES") == "0"


def test_a_scheduler_choice_is_kept(fake_gpus, tmp_path, monkeypatch):
    fake_gpus(4)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2")
    assert claim_gpu(tmp_path / "locks") is None and os.environ["CUDA_VISIBLE_DEVICES"] == "2"


def test_one_gpu_needs_no_choice(fake_gpus, tmp_path):
    fake_gpus(1)
    assert claim_gpu(tmp_path / "locks") is None and "CUDA_VISIBLE_DEVICES" not in os.environ
