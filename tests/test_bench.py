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

def test_seq2seq_trainer_report(shared, tmp_path):
    "bench/seq2seq_trainer.py at the tiniest budget: both tasks, fasthf and Seq2SeqTrainer, finite scores; nothing written where it runs."
    import math, os
    for d in ('multi30k_en_de_fr', 'samsum', 'tokenizers'): shared/d  # a missing dataset fails here, in one line
    env = {**os.environ, **({'FASTHF_DATA': str(shared.mirror)} if shared.mirror else {})}  # the script reads the same data
    r = subprocess.run([sys.executable, str(BENCH/'seq2seq_trainer.py'), '--mt-train', '16', '--mt-valid', '4', '--sam-rows', '20',
                        '--epochs', '1', '--size', 'tiny', '--threads', '1', '--bs', '8'],
                       capture_output=True, text=True, timeout=900, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    assert list(tmp_path.iterdir()) == []  # the Trainer's output_dir is a temporary folder, removed after the run
    mt, sam = rep['results']['multi30k'], rep['results']['samsum']
    assert (mt['train_pairs'], mt['valid_pairs'], sam['train_pairs'], sam['valid_pairs']) == (16, 4, 16, 4)
    assert set(mt['untrained']['scores']) == set(mt['fasthf']['scores']) == set(mt['trainer']['scores']) == {'bleu', 'chrf'}
    assert set(sam['trainer']['scores']) == {'rouge1', 'rouge2', 'rougeL'} <= set(sam['fasthf']['scores']) == set(sam['lead3']['scores'])
    for res in (mt, sam):
        for way in ('fasthf', 'trainer'):
            assert all(math.isfinite(v) for v in res[way]['scores'].values()), (way, res[way])
            assert math.isfinite(res[way]['valid_loss']) and res[way]['train_s'] > 0
    assert sam['lead3']['scores']['rouge1'] > 0
    assert 'Seq2SeqTrainer (AdamW' in r.stdout and 'Lead-3' in r.stdout

def test_recipes_samsum(shared, tmp_path):
    "bench/recipes.py's samsum task at the tiniest budget: Lead-3, fasthf and Seq2SeqTrainer rows (ROUGE-1/2/L), the same total epochs, the table."
    import math, os
    shared/'samsum'  # a missing dataset fails here, in one line
    env = {**os.environ, **({'FASTHF_DATA': str(shared.mirror)} if shared.mirror else {})}  # the script reads the same data
    r = subprocess.run([sys.executable, str(BENCH/'recipes.py'), '--tasks', 'samsum', '--n-train', '8', '--n-valid', '4',
                        '--epochs', '1', '--seeds', '0', '--threads', '1'], capture_output=True, text=True, timeout=900, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = {x['way']: x for x in map(json.loads, (l for l in r.stdout.splitlines() if l.startswith('{"task"')))}
    assert set(rows) == {'lead3', 'fasthf', 'trainer'} and list(tmp_path.iterdir()) == []  # temporary folders only
    for x in rows.values():
        assert x['task'] == 'samsum' and x['metric'] == 'rouge1' and x['rows'] == '8/4' and x['score'] == x['rouge1']
        assert all(math.isfinite(x[k]) and 0 <= x[k] <= 100 for k in ('rouge1', 'rouge2', 'rougeL'))
    assert rows['fasthf']['total_epochs'] == rows['trainer']['total_epochs'] == 2  # fasthf's frozen epoch + --epochs, both ways
    assert rows['lead3']['score'] > 0
    assert '| samsum (rouge1, 8/4) |' in r.stdout and 'samsum: Lead-3' in r.stdout

def test_recipes_from_json(tmp_path):
    "bench/recipes.py --from-json: one table from runs split over files (mean ± seed spread per task and way, Lead-3 once), running nothing."
    row = lambda task, way, seed, score: json.dumps({'task': task, 'way': way, 'seed': seed, 'metric': 'f1', 'rows': '8/4', 'score': score})
    (tmp_path/'a.jsonl').write_text('progress noise\n' + '\n'.join([row('ner', 'fasthf', 0, 0.5), row('ner', 'trainer', 0, 0.25),
                                                                   row('samsum', 'lead3', None, 30.0)]) + '\n')
    (tmp_path/'b.jsonl').write_text('\n'.join([row('ner', 'fasthf', 1, 0.7), row('ner', 'trainer', 1, 0.25), row('samsum', 'lead3', None, 30.0)]))
    r = subprocess.run([sys.executable, str(BENCH/'recipes.py'), '--from-json', str(tmp_path/'a.jsonl'), str(tmp_path/'b.jsonl')],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert '| ner (f1, 8/4) | 0.6000 ± 0.1414 | 0.2500 ± 0.0000 | 2 |' in r.stdout
    assert r.stdout.count('samsum: Lead-3') == 1 and '{"task"' not in r.stdout
