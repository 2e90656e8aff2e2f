"""A prepared GPU check of fasthf's training: a BERT-base-size model (`BertConfig()` defaults, random weights) trained
with fasthf's learner at sequence length 128 on random token batches, in bf16 and in fp16 mixed precision, then with
`torch.compile` and with LoRA adapters. Reports samples/s, tokens/s and model FLOPs utilisation
(MFU = 6 * params * tokens/s / the GPU's dense peak, from a small table by device name), peak GPU memory, and checks
that `--precision auto` resolves as the GPU allows, that the weights stay float32 (fp32 master weights) and that LoRA
leaves the base weights untouched. Self-contained: the tokenizer is built here (no download, no data files).

Prints progress on stderr and ONE JSON line on stdout. Without a CUDA GPU it says so and exits 0 (nothing to check);
`--cpu-smoke` runs the same code on a tiny model on the CPU (to test this script where there is no GPU).

    bash bench/gpu_check.sh                       # on a GPU machine: a few minutes at most
    bash bench/gpu_check.sh --steps 10 --no-compile
    python bench/gpu_check.py --cpu-smoke         # the script's own check, no GPU needed
"""
import argparse, json, math, os, statistics, sys, tempfile, time

# dense tensor-core peaks (FLOP/s) for 16-bit training; the longest name found in the device name wins
PEAK_FLOPS = {'H200': 989e12, 'H100': 989e12, 'H800': 989e12, 'GH200': 989e12, 'B200': 2250e12, 'A100': 312e12, 'A800': 312e12,
              'L40S': 362e12, 'L40': 181e12, 'L4': 121e12, 'A10G': 70e12, 'A10': 125e12, 'A6000': 155e12, 'RTX 4090': 165e12,
              'RTX 3090': 71e12, 'V100': 125e12, 'T4': 65e12}

def log(*a): print(*a, file=sys.stderr, flush=True)

def parse(argv=None):
    p = argparse.ArgumentParser(description="GPU check of fasthf training: bf16/fp16 throughput and MFU, --precision auto, torch.compile, LoRA")
    p.add_argument('--seq-len', type=int, default=128, help="tokens per sequence (every batch is full)")
    p.add_argument('--bs', type=int, default=32, help="batch size")
    p.add_argument('--steps', type=int, default=30, help="timed training steps per run")
    p.add_argument('--warmup', type=int, default=5, help="steps before timing starts (more with torch.compile: it compiles then)")
    p.add_argument('--precisions', default='bf16,fp16', help="comma-separated mixed precisions to time: bf16, fp16, fp32")
    p.add_argument('--no-compile', action='store_true', help="skip the torch.compile run")
    p.add_argument('--no-lora', action='store_true', help="skip the LoRA run")
    p.add_argument('--lora-rank', type=int, default=8)
    p.add_argument('--cpu-smoke', action='store_true', help="no GPU needed: a tiny model on the CPU, to test this script")
    a = p.parse_args(argv)
    bad = [x for x in a.precisions.split(',') if x not in ('bf16', 'fp16', 'fp32')]
    if bad: p.error(f"--precisions: unknown {bad}; choose from bf16, fp16, fp32")
    if min(a.seq_len, a.bs, a.steps) < 1 or a.warmup < 0: p.error("--seq-len, --bs and --steps must be >= 1, --warmup >= 0")
    if a.seq_len > 512: p.error("--seq-len is at most 512 (BERT's positions)")
    return a

def peak_flops(name:str):
    "The dense 16-bit peak of a GPU from its name, or None when the table does not know it."
    hits = [k for k in PEAK_FLOPS if k.lower() in name.lower()]
    return PEAK_FLOPS[max(hits, key=len)] if hits else None

def make_tokenizer(vocab_size:int):
    "A word-level tokenizer of `vocab_size` ids with BERT's special tokens, built here (no download)."
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast
    specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
    vocab = {w: i for i, w in enumerate(specials + [f'w{i}' for i in range(vocab_size - len(specials))])}
    tk = Tokenizer(models.WordLevel(vocab, unk_token='[UNK]'))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tk.post_processor = processors.TemplateProcessing(single='[CLS] $A [SEP]', pair='[CLS] $A [SEP] $B:1 [SEP]:1',
                                                      special_tokens=[('[CLS]', 2), ('[SEP]', 3)])
    return PreTrainedTokenizerFast(tokenizer_object=tk, pad_token='[PAD]', unk_token='[UNK]', cls_token='[CLS]',
                                   sep_token='[SEP]', mask_token='[MASK]', model_max_length=512)

def make_dls(a, tok, n_batches:int, device):
    "fasthf `DataLoaders` of random texts that fill `seq_len` tokens, random binary labels."
    import numpy as np, pandas as pd
    from fasthf.data import HFDataLoaders
    rng = np.random.default_rng(0)
    n = a.bs * n_batches
    ids = rng.integers(5, len(tok), size=(n + a.bs, a.seq_len))  # longer than seq_len - 2: every text is truncated to fill it
    df = pd.DataFrame({'text': [' '.join(f'w{i - 5}' for i in r) for r in ids], 'label': rng.choice(['a', 'b'], n + a.bs),
                       'is_valid': [False] * n + [True] * a.bs})
    return HFDataLoaders.from_df(df, tok, max_len=a.seq_len, bs=a.bs, device=device)

def make_model(a, tok):
    import torch
    from transformers import BertConfig, BertForSequenceClassification
    cfg = BertConfig(vocab_size=len(tok), num_labels=2) if not a.cpu_smoke else BertConfig(
        vocab_size=len(tok), hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128, num_labels=2)
    torch.manual_seed(0)
    return BertForSequenceClassification(cfg)

def timed_fit(a, learn, gpu:bool, label:str)->dict:
    "Train `warmup + steps` steps; the step times after the warm-up, the losses, and the peak GPU memory."
    import torch
    from fastai.callback.core import Callback, CancelFitException
    class Clock(Callback):
        order = -100
        def before_fit(self): self.times, self.losses = [], []
        def before_batch(self):
            if not self.training: return
            if gpu: torch.cuda.synchronize()
            self.t0 = time.perf_counter()
        def after_step(self):
            if gpu: torch.cuda.synchronize()
            self.times.append(time.perf_counter() - self.t0); self.losses.append(float(self.loss))
            if len(self.times) >= a.warmup + a.steps: raise CancelFitException
    if gpu: torch.cuda.reset_peak_memory_stats()
    clock, t0 = Clock(), time.perf_counter()
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-4, cbs=clock)
    steps = clock.times[a.warmup:]
    if not steps: raise SystemExit(f"{label}: the data gave only {len(clock.times)} steps")
    step = statistics.median(steps)
    r = {'step_s': step, 'samples_per_s': a.bs / step, 'tokens_per_s': a.bs * a.seq_len / step, 'steps_timed': len(steps),
         'warmup_s': sum(clock.times[:a.warmup]), 'wall_s': time.perf_counter() - t0,
         'loss_first': clock.losses[0], 'loss_last': clock.losses[-1], 'loss_finite': all(math.isfinite(l) for l in clock.losses)}
    if gpu: r['peak_mem_gib'] = torch.cuda.max_memory_allocated() / 2**30
    log(f"{label}: {r['samples_per_s']:.1f} samples/s, step {1000 * step:.1f} ms, loss {r['loss_first']:.3f} -> {r['loss_last']:.3f}")
    return r

def check(a)->dict:
    import torch
    from fasthf.classification import hf_classifier_learner
    from fasthf.core import ensure_fp32
    from fasthf.lora import resolve_precision, apply_precision, add_lora, lora_splitter, lora_params
    gpu = torch.cuda.is_available() and not a.cpu_smoke
    device = torch.device('cuda' if gpu else 'cpu')
    name = torch.cuda.get_device_name(0) if gpu else 'cpu'
    peak = peak_flops(name) if gpu else None
    tok = make_tokenizer(30522)
    res = {'gpu': gpu, 'device': name, 'cpu_smoke': a.cpu_smoke, 'torch': torch.__version__, 'seq_len': a.seq_len, 'bs': a.bs,
           'peak_flops': peak, 'errors': []}
    if gpu: res |= {'capability': '.'.join(map(str, torch.cuda.get_device_capability(0))),
                    'bf16_supported': torch.cuda.is_bf16_supported(including_emulation=False)}
    res['auto_precision'] = resolve_precision('auto', device)
    res['auto_precision_ok'] = res['auto_precision'] == (('bf16' if res.get('bf16_supported') else 'fp16') if gpu else 'fp32')
    dls = make_dls(a, tok, a.warmup + a.steps + 1, device)

    def learner(model, **kw):
        learn = hf_classifier_learner(dls, ensure_fp32(model), **kw)
        learn.unfreeze()
        return learn

    def mfu(r, n_params):  # 6 FLOPs per parameter per token (forward 2, backward 4)
        r['params'] = n_params
        r['mfu'] = 6 * n_params * r['tokens_per_s'] / peak if peak else None

    runs = res['runs'] = {}
    n_params = sum(p.numel() for p in make_model(a, tok).parameters())
    res['params'] = n_params
    for prec in a.precisions.split(','):
        try:
            learn = apply_precision(learner(make_model(a, tok)), prec)
            runs[prec] = timed_fit(a, learn, gpu, prec)
            runs[prec]['master_weights'] = sorted({str(p.dtype) for p in learn.model.parameters()})
            mfu(runs[prec], n_params)
        except Exception as e: res['errors'].append(f"{prec}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    main_prec = res['auto_precision']
    if not a.no_compile:
        try:
            learn = apply_precision(learner(make_model(a, tok)), main_prec).compile()
            runs['compile'] = timed_fit(a, learn, gpu, f'compile+{main_prec}'); runs['compile']['precision'] = main_prec
            mfu(runs['compile'], n_params)
        except Exception as e: res['errors'].append(f"compile: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    if not a.no_lora:
        try:
            model = add_lora(ensure_fp32(make_model(a, tok)), a.lora_rank)
            learn = apply_precision(learner(model, splitter=lora_splitter), main_prec)
            trained = {id(p) for p in lora_params(model)}
            base = {n: p.detach().clone() for n, p in model.named_parameters() if id(p) not in trained}
            r = runs['lora'] = timed_fit(a, learn, gpu, f'lora+{main_prec}')
            r['precision'], r['trainable_params'] = main_prec, sum(p.numel() for p in lora_params(model))
            r['base_unchanged'] = all(torch.equal(p, base[n]) for n, p in model.named_parameters() if n in base)
            mfu(r, n_params)  # forward + backward still run through every weight (the weight gradients are skipped: an upper bound)
        except Exception as e: res['errors'].append(f"lora: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    res['ok'] = (not res['errors'] and res['auto_precision_ok'] and all(r['loss_finite'] for r in runs.values())
                 and all(r.get('master_weights', ['torch.float32']) == ['torch.float32'] for r in runs.values())
                 and runs.get('lora', {}).get('base_unchanged', True))
    return res

def main(argv=None):
    a = parse(argv)
    os.environ.setdefault('HF_HUB_OFFLINE', '1'); os.environ.setdefault('TRANSFORMERS_OFFLINE', '1')
    import torch
    if not torch.cuda.is_available() and not a.cpu_smoke:
        msg = "no CUDA GPU here (torch.cuda.is_available() is False): nothing to check; run on a GPU machine, or --cpu-smoke to test the script"
        log(msg)
        print(json.dumps({'gpu': False, 'ok': None, 'skipped': msg, 'torch': torch.__version__}))
        return 0
    t0 = time.perf_counter()
    res = check(a)
    res['total_s'] = time.perf_counter() - t0
    print(json.dumps(res, default=str))
    return 0 if res['ok'] else 1

if __name__ == '__main__': sys.exit(main())
