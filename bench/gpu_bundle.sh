#!/usr/bin/env bash
# Wheels for bench/gpu_check.py on a lent GPU machine, which has its own torch (2.11, CUDA), Python 3.12
# and transformers 5.x but no network: the project's pinned pure-Python needs, for Python 3.12.
#   bash bench/gpu_bundle.sh            -> .gpu-wheels/ (ignored by git; carried to the device)
# On the device (torch from its image, everything else from the bundle):
#   python3 -m venv --system-site-packages /tmp/v && /tmp/v/bin/pip install -q --no-index --no-deps .gpu-wheels/*.whl \
#     && PYTHONPATH=$PWD /tmp/v/bin/python bench/gpu_check.py
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .gpu-wheels
pins=$(.venv/bin/pip freeze | grep -iE '^(transformers|tokenizers|huggingface.hub|calt-x|omegaconf|accelerate|safetensors)==')
# shellcheck disable=SC2086
.venv/bin/pip download -q --no-deps --dest .gpu-wheels --only-binary=:all: --python-version 3.12 \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform any $pins
du -sh .gpu-wheels
ls .gpu-wheels
