"The benchmarks run and report what the README says they report (correctness only: no timing is asserted)."
import json, subprocess, sys
from pathlib import Path
import pandas as pd

BENCH = Path(__file__).resolve().parent.parent/'bench'

def run_bench(script, *args):
    r = subprocess.run([sys.executable, str(BENCH/script), *args], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])

def test_train_speed_report(shared, tmp_path):
    df = pd.read_csv(shared/'imdb_sample'/'texts.csv')
    pd.concat([df[~df.is_valid].iloc[:40], df[df.is_valid].iloc[:16]]).to_csv(tmp_path/'d.csv', index=False)
    r = run_bench('train_speed.py', '--model', 'tiny', '--data', str(tmp_path/'d.csv'), '--max-len', '48', '--bs', '8', '--warmup', '1')
    assert {'fasthf_over_raw_step', 'fasthf_over_trainer_epoch', 'padding_ratio', 'raw', 'fasthf', 'trainer'} <= set(r)
    for w in ('raw', 'fasthf', 'trainer'):
        assert {'step_s_median', 'epoch_s', 'samples_per_s', 'padding_ratio', 'peak_rss_mib', 'valid_accuracy'} <= set(r[w])
        assert r[w]['steps_timed'] == 5 - 1 - 1  # 5 batches of 8: the first of the epoch and one warm-up step are not timed
        assert r[w]['padding_ratio'] >= 1 and 0 <= r[w]['valid_accuracy'] <= 1
    assert r['padding_ratio'] == r['fasthf']['padding_ratio']
    assert r['config']['train_rows'] == 40

def test_tokenize_speed_report(shared, tmp_path):
    df = pd.read_csv(shared/'imdb_sample'/'texts.csv')
    df = pd.concat([df[~df.is_valid].iloc[:80], df[df.is_valid].iloc[:40]])
    df.to_csv(tmp_path/'d.csv', index=False)
    r = run_bench('tokenize_speed.py', '--data', str(tmp_path/'d.csv'), '--repeat', '1')
    assert r['texts'] == 120 and set(r['seconds']) == {'datasets_map', 'fasthf_tokenize', 'fasthf_build', 'fasthf_rebuild'}
    assert r['rebuild_speedup'] > 0 and r['fasthf_tokenize_over_map_throughput'] > 0

def test_train_speed_repeat(shared, tmp_path):
    "`--repeat 2` interleaves the ways; a way's times are medians over its runs, and same seeds give the same accuracy."
    df = pd.read_csv(shared/'imdb_sample'/'texts.csv')
    pd.concat([df[~df.is_valid].iloc[:24], df[df.is_valid].iloc[:16]]).to_csv(tmp_path/'d.csv', index=False)
    r = run_bench('train_speed.py', '--model', 'tiny', '--data', str(tmp_path/'d.csv'), '--max-len', '32', '--bs', '8',
                  '--warmup', '0', '--ways', 'raw,fasthf', '--repeat', '2')
    assert 'trainer' not in r and 'fasthf_over_trainer_epoch' not in r
    for w in ('raw', 'fasthf'):
        assert r[w]['runs'] == 2 and len(r[w]['step_s_median_per_run']) == 2
        assert min(r[w]['epoch_s_per_run']) <= r[w]['epoch_s'] <= max(r[w]['epoch_s_per_run'])
        assert r[w]['valid_accuracy_per_run'][0] == r[w]['valid_accuracy_per_run'][1]

def test_data_scale_classification(shared, tmp_path):
    "bench/data_scale.py's classification ways build the same rows; the second disk build reads the first's cache (its Arrow file is reused)."
    out = tmp_path/'r.json'
    r = subprocess.run([sys.executable, str(BENCH/'data_scale.py'), '--sizes', '', '--rows', '300', '--workdir', str(tmp_path/'w'),
                        '--clf-ways', 'clf_datasets,clf_fasthf_disk,clf_fasthf_disk2', '--out', str(out)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    res = {x['way']: x for x in json.loads(out.read_text())}
    assert set(res) == {'clf_datasets', 'clf_fasthf_disk', 'clf_fasthf_disk2'}
    for x in res.values(): assert x['rows'] == 300 and x['build_s'] > 0 and x['pass_s'] > 0 and x['peak_rss_mb'] > 0
    assert len(list((tmp_path/'w'/'cache_rows_300'/'clf_fasthf_disk').glob('*.arrow'))) == 1  # one file: the second build wrote none
    assert 'second process' in r.stdout and '| 300 rows | clf_datasets |' in r.stdout
