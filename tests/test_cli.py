"End-to-end tests of the console scripts, run as a user runs them (subprocesses)."
import json, subprocess, sys
import pandas as pd
import pytest

def run(*args, check=True):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=900)
    if check: assert r.returncode == 0, r.stderr[-3000:]
    return r

def last_json(stdout):
    return json.loads(stdout.strip().splitlines()[-1])

def test_train_then_predict(tmp_path, tiny_model, small_csv):
    out = tmp_path/'out'
    r = run('fasthf-train', '--data', str(small_csv), '--model', str(tiny_model), '--out', str(out), '--epochs', '1', '--max-len', '64')
    m = last_json(r.stdout)
    assert set(m) == {'valid_loss', 'accuracy'} and 0 <= m['accuracy'] <= 1
    assert json.loads((out/'metrics.json').read_text()) == m
    assert (out/'learner.pkl').exists() and (out/'model'/'config.json').exists() and (out/'model'/'tokenizer.json').exists()
    r = run('fasthf-predict', '--model', str(out), '--data', str(small_csv))
    lines = [json.loads(l) for l in r.stdout.strip().splitlines()]
    assert len(lines) == len(pd.read_csv(small_csv))
    assert {l['label'] for l in lines} <= {'clean', 'toxic'} and all(0 <= l['score'] <= 1 for l in lines)

def test_epochs_zero_only_evaluates(tmp_path, tiny_model, small_csv):
    out = tmp_path/'out'
    r = run('fasthf-train', '--data', str(small_csv), '--model', str(tiny_model), '--out', str(out), '--epochs', '0', '--max-len', '64')
    assert 'accuracy' in last_json(r.stdout)
    assert (out/'metrics.json').exists() and (out/'model').is_dir() and (out/'learner.pkl').exists()

def test_multilabel_and_regression(tmp_path, tiny_model, shared):
    df = pd.read_csv(shared/'toxic_comments_multilabel'/'train_sample.csv').iloc[:80]
    labels = ['toxic', 'severe_toxic', 'obscene', 'threat', 'insult', 'identity_hate']
    df.to_csv(tmp_path/'ml.csv', index=False)
    r = run('fasthf-train', '--task', 'multilabel', '--data', str(tmp_path/'ml.csv'), '--model', str(tiny_model), '--out', str(tmp_path/'ml'),
            '--text-col', 'comment_text', '--label-col', ','.join(labels), '--epochs', '1', '--max-len', '32')
    assert set(last_json(r.stdout)) >= {'accuracy_multi', 'f1_micro'}
    df.assign(score=df[labels].sum(axis=1).astype(float)).to_csv(tmp_path/'reg.csv', index=False)
    r = run('fasthf-train', '--task', 'regression', '--data', str(tmp_path/'reg.csv'), '--model', str(tiny_model), '--out', str(tmp_path/'reg'),
            '--text-col', 'comment_text', '--label-col', 'score', '--epochs', '1', '--max-len', '32')
    assert set(last_json(r.stdout)) >= {'mse', 'pearson'}
    r = run('fasthf-predict', '--model', str(tmp_path/'reg'), '--data', str(tmp_path/'reg.csv'), '--text-col', 'comment_text')
    assert isinstance(json.loads(r.stdout.splitlines()[0])['score'], float)

def bad(tmp_path, tiny_model, *args):
    r = run('fasthf-train', '--model', str(tiny_model), '--out', str(tmp_path/'o'), '--epochs', '0', *args, check=False)
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    err = r.stderr.strip().splitlines()
    assert err and err[-1].startswith('fasthf-train: error: '), r.stderr[-2000:]
    return err[-1]

def test_bad_inputs(tmp_path, tiny_model, small_csv):
    df = pd.read_csv(small_csv)
    assert 'file not found' in bad(tmp_path, tiny_model, '--data', str(tmp_path/'missing.csv'))
    assert "column 'txt' not found" in bad(tmp_path, tiny_model, '--data', str(small_csv), '--text-col', 'txt')
    assert "unknown task 'ner'" in bad(tmp_path, tiny_model, '--task', 'ner', '--data', str(small_csv))
    d = df.copy(); d.loc[3, 'text'] = ''
    d.to_csv(tmp_path/'empty.csv', index=False)
    msg = bad(tmp_path, tiny_model, '--data', str(tmp_path/'empty.csv'))
    assert 'row 3' in msg and ('missing' in msg or 'empty text' in msg)
    d = df.copy(); d.loc[5, 'label'] = None
    d.to_csv(tmp_path/'nan.csv', index=False)
    assert "label column 'label'" in (msg := bad(tmp_path, tiny_model, '--data', str(tmp_path/'nan.csv'))) and 'row 5' in msg
    df.assign(label='toxic').to_csv(tmp_path/'one.csv', index=False)
    assert 'single class' in bad(tmp_path, tiny_model, '--data', str(tmp_path/'one.csv'))
    (tmp_path/'latin1.csv').write_bytes('text,label\ncaf\xe9 ok,a\nfine,b\n'.encode('latin-1'))
    assert 'not valid UTF-8' in bad(tmp_path, tiny_model, '--data', str(tmp_path/'latin1.csv'))

def test_predict_bad_inputs(tmp_path, small_csv):
    r = run('fasthf-predict', '--model', str(tmp_path), '--data', str(small_csv), check=False)
    assert r.returncode == 2 and 'no HF model folder' in r.stderr

@pytest.mark.slow
def test_default_job_runs_with_no_flags(tmp_path):
    "The README's main job: no flags, shipped data, real MiniLM (one short epoch here to keep CI fast)."
    r = subprocess.run(['fasthf-train', '--epochs', '1', '--freeze-epochs', '0', '--max-len', '128'], capture_output=True, text=True, cwd=tmp_path, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    m = last_json(r.stdout)
    assert m['accuracy'] > 0.6, m
    assert (tmp_path/'fasthf_out'/'model'/'config.json').exists()
