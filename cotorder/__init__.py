"""cotorder: chain-of-thought order experiments (data, training, evaluation, pipeline).

Importing any part of the package first sets the process environment torch and Hugging Face
read when they load (they are imported only by ``training`` and ``evaluation``, after this).
"""

import os

# Nothing may reach the network: no model hub, no Weights & Biases unless a config turns it on.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# OpenMP threads that spin while waiting made a 2-thread CPU run 20x slower on a busy
# machine; passive waiting costs nothing measurable.  Read when torch first loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
