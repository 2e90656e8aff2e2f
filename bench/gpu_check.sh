#!/usr/bin/env bash
# GPU check of fasthf training (bf16/fp16 throughput and MFU of a BERT-base-size model, --precision auto,
# torch.compile, LoRA): prints progress on stderr and ONE JSON line on stdout; exits 0 with a message when there
# is no CUDA GPU. Options: see `bash bench/gpu_check.sh --help` (e.g. --steps 10 --no-compile, --cpu-smoke).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${PYTHON:-}"
if [[ -z "$py" ]]; then if [[ -x "$root/.venv/bin/python" ]]; then py="$root/.venv/bin/python"; else py=python3; fi; fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
exec "$py" "$root/bench/gpu_check.py" "$@"
