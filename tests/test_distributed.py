"Data-parallel training in 2 CPU processes (gloo) launched by `accelerate launch` and by `torchrun` (the CLI)."
import json, os, shutil, subprocess, sys
from pathlib import Path
import pytest, torch

JOB = Path(__file__).parent/'dist_job.py'
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'TOKENIZERS_PARALLELISM': 'false'}

def launch(*args, timeout=900):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, env=ENV)
    assert r.returncode == 0, (r.stdout[-2000:], r.stderr[-4000:])
    return r

def test_two_processes(tmp_path):
    launch(sys.executable, '-m', 'accelerate.commands.launch', '--multi_gpu', '--num_processes', '2', '--num_machines', '1',
           '--mixed_precision', 'no', '--dynamo_backend', 'no', str(JOB), str(tmp_path))
    r0, r1 = (json.loads((tmp_path/f'rank{r}.json').read_text()) for r in (0, 1))
    assert r0['world'] == r1['world'] == 2
    assert r0['digest'] == r1['digest']                           # gradients averaged: identical weights on both ranks
    for e0, e1 in zip(r0['seen'], r1['seen']):                    # each epoch: disjoint shards that cover every item once
        assert len(e0) == len(e1) == r0['n_train'] // 2
        assert sorted(e0 + e1) == list(range(r0['n_train']))
    assert r0['seen'][0] != r0['seen'][1]                         # reshuffled each epoch
    assert r0['metrics'] == r1['metrics']
    # files written once, by rank 0
    assert (tmp_path/'model_rank0'/'config.json').exists() and not (tmp_path/'model_rank1').exists()
    assert (tmp_path/'encoder_rank0.safetensors').exists() and not (tmp_path/'encoder_rank1.safetensors').exists()
    assert (tmp_path/'ck_rank0.safetensors').exists() and not (tmp_path/'ck_rank1.safetensors').exists()
    # the gathered validation metrics are those of one process evaluating the same weights on the whole validation set
    sys.path.insert(0, str(JOB.parent))
    from dist_job import data, digest
    from transformers import AutoModelForSequenceClassification
    from fasthf.classification import hf_classifier_learner
    m = AutoModelForSequenceClassification.from_pretrained(tmp_path/'model_rank0')
    assert digest(m) == r0['digest']
    single = [float(v) for v in hf_classifier_learner(data(), m, pretrained=False).validate()]
    assert single[1] == r0['metrics'][1]                         # accuracy over all 40 validation items
    assert abs(single[0] - r0['metrics'][0]) < 1e-5              # loss averaged over the ranks

def test_cli_under_torchrun(tmp_path, tiny_model, small_csv):
    "The console script under `torchrun`: trains in 2 processes, prints one JSON report, writes its folder once."
    exe = shutil.which('fasthf-train')
    r = launch(sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', exe, '--data', str(small_csv),
               '--model', str(tiny_model), '--out', str(tmp_path/'o'), '--epochs', '1', '--freeze-epochs', '0', '--max-len', '32')
    lines = [l for l in r.stdout.splitlines() if l.startswith('{')]
    assert len(lines) == 1 and 'accuracy' in json.loads(lines[0])
    assert json.loads((tmp_path/'o'/'metrics.json').read_text()) == json.loads(lines[0])
    assert (tmp_path/'o'/'model'/'model.safetensors').exists()
