"""bench/gpu_check.py runs here, without a GPU: it says so, skips the GPU parts and runs the rest."""

import subprocess
import sys

import pytest
import torch
from conftest import ROOT


@pytest.mark.skipif(torch.cuda.is_available(), reason="the CPU path; on a GPU the check itself is the test")
def test_gpu_check_runs_its_cpu_parts():
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu_check.py")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    table = result.stdout.split("\n\n")[-1]
    assert "no CUDA device: the GPU parts are skipped" in table
    assert "skipped" in table.split("CUDA path tests (pytest -m gpu)")[1].splitlines()[0]
    assert "seminar relu n = 10 training" in table and "packing: 2 at once" in table
