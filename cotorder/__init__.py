"""cotorder: chain-of-thought order experiments (data, training, evaluation, pipeline)."""
