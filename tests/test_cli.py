"End-to-end tests of the console scripts, run as a user runs them (subprocesses)."
import json, subprocess, sys, time
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

@pytest.fixture(scope='module')
def tiny_mlm(tmp_path_factory, minilm):
    "A tiny random BERT masked LM with MiniLM's tokenizer, saved as a local folder."
    from transformers import AutoTokenizer, BertConfig, BertForMaskedLM
    d = tmp_path_factory.mktemp('tiny_mlm')
    tok = AutoTokenizer.from_pretrained(minilm)
    BertForMaskedLM(BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                               intermediate_size=64)).save_pretrained(d)
    tok.save_pretrained(d)
    return d

def test_clm_from_scratch(tmp_path, shared):
    text = (shared/'tinyshakespeare'/'input.txt').read_text()[:80_000]
    (tmp_path/'shakes.txt').write_text(text)
    r = run('fasthf-train', '--task', 'clm', '--data', str(tmp_path/'shakes.txt'), '--out', str(tmp_path/'o'), '--from-scratch',
            '--size', 'tiny', '--vocab-size', '800', '--seq-len', '64', '--epochs', '2')
    m = last_json(r.stdout)
    assert list(m)[0] == 'perplexity' and set(m) == {'perplexity', 'accuracy', 'valid_loss'}
    assert m['perplexity'] < 800 and abs(m['perplexity'] - __import__('math').exp(m['valid_loss'])) < 1e-3 * m['perplexity']
    from transformers import AutoModelForCausalLM, AutoTokenizer
    model = AutoModelForCausalLM.from_pretrained(tmp_path/'o'/'model')    # an HF-native folder
    tok = AutoTokenizer.from_pretrained(tmp_path/'o'/'model')
    assert model.config.vocab_size == len(tok) and model.config.n_positions == 64
    assert (tmp_path/'o'/'encoder.safetensors').exists()
    # the folder predicts as a causal LM (its config names the task): it continues prompts, it is never served as a classifier
    pd.DataFrame({'text': ['ROMEO:', 'First Citizen:']}).to_csv(tmp_path/'prompts.csv', index=False)
    r = run('fasthf-predict', '--model', str(tmp_path/'o'), '--data', str(tmp_path/'prompts.csv'))
    lines = [json.loads(l) for l in r.stdout.strip().splitlines()]
    assert [set(l) for l in lines] == [{'generated_text'}] * 2 and lines[0]['generated_text'].startswith('ROMEO:')

def test_task_flags(tmp_path):
    "The command line comes from the task registry: each task's --help lists its own flags; another task's flag is one line, exit 2."
    ner, clm = run('fasthf-train', '--task', 'ner', '--help').stdout, run('fasthf-train', '--task', 'clm', '--help').stdout
    assert '--stride' in ner and '--tokens-col' in ner and '--seq-len' not in ner
    assert '--seq-len' in clm and '--from-scratch' in clm and '--stride' not in clm and '--max-len' not in clm
    r = run('fasthf-train', '--task', 'clm', '--valid-col', 'v', check=False)
    assert r.returncode == 2 and r.stderr.strip().splitlines()[-1] == ("fasthf-train: error: --valid-col does not apply to --task clm "
        "(it is a flag of --task classification, multilabel, regression, ner, qa, summarization, translation)")
    r = run('fasthf-train', '--bs', '0', '--out', str(tmp_path/'o'), check=False)
    assert r.returncode == 2 and r.stderr.strip().splitlines()[-1] == 'fasthf-train: error: --bs must be >= 1, got 0'
    assert not (tmp_path/'o').exists()

def test_mlm_encoder_into_classifier(tmp_path, tiny_mlm, tiny_model, small_csv):
    r = run('fasthf-train', '--task', 'mlm', '--data', str(small_csv), '--model', str(tiny_mlm), '--out', str(tmp_path/'lm'),
            '--seq-len', '32', '--epochs', '1')
    assert 'perplexity' in last_json(r.stdout)
    r = run('fasthf-train', '--data', str(small_csv), '--model', str(tiny_model), '--out', str(tmp_path/'clf'), '--epochs', '1',
            '--max-len', '64', '--encoder', str(tmp_path/'lm'/'encoder.safetensors'))
    assert 'accuracy' in last_json(r.stdout)
    # without training (--epochs 0) the saved classifier's body is exactly the LM's encoder
    run('fasthf-train', '--data', str(small_csv), '--model', str(tiny_model), '--out', str(tmp_path/'clf0'), '--epochs', '0',
        '--max-len', '64', '--encoder', str(tmp_path/'lm'/'encoder.safetensors'))
    import torch
    from safetensors.torch import load_file
    from transformers import AutoModelForSequenceClassification
    enc = load_file(tmp_path/'lm'/'encoder.safetensors')
    body = AutoModelForSequenceClassification.from_pretrained(tmp_path/'clf0'/'model').base_model.state_dict()
    for k in ('embeddings.word_embeddings.weight', 'encoder.layer.1.output.dense.weight'): assert torch.equal(enc[k], body[k]), k

def test_ulmfit_small_budget(tmp_path, small_csv):
    general = tmp_path/'general.txt'
    from fasthf.cli import GENERAL_TEXT
    general.write_text(GENERAL_TEXT.read_text()[:60_000])
    r = run('fasthf-ulmfit', '--out', str(tmp_path/'u'), '--general', str(general), '--data', str(small_csv), '--vocab-size', '500',
            '--seq-len', '32', '--max-len', '32', '--pretrain-epochs', '1', '--adapt-epochs', '1')
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.startswith('{')]
    assert [l['stage'] for l in lines] == ['pretrain', 'adapt', 'classify']
    assert lines[1]['perplexity'] < lines[1]['perplexity_before'] and 0 <= lines[2]['accuracy'] <= 1
    assert (tmp_path/'u'/'classifier'/'config.json').exists() and (tmp_path/'u'/'encoder.safetensors').exists()

@pytest.mark.slow
def test_ulmfit_no_arguments(tmp_path):
    "fasthf-ulmfit with no arguments: the three stages on shipped data."
    r = subprocess.run(['fasthf-ulmfit'], capture_output=True, text=True, cwd=tmp_path, timeout=1500)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.startswith('{')]
    assert [l['stage'] for l in lines] == ['pretrain', 'adapt', 'classify']
    assert lines[0]['perplexity'] < 2000 / 4, lines                     # far below a uniform guess over the 2,000-token vocabulary
    assert lines[1]['perplexity'] < lines[1]['perplexity_before'] / 2, lines  # adaptation to the target texts
    assert lines[2]['accuracy'] > 0.55, lines                            # balanced 77/77 validation set: above chance

def conll_subset(src, dst, n):
    "The first `n` sentences of a CoNLL file."
    dst.write_text('\n\n'.join(src.read_text().split('\n\n')[:n]) + '\n')
    return dst

@pytest.mark.slow
def test_ner_real(tmp_path, minilm, shared):
    "MiniLM on 400 real CoNLL-2003 sentences, one epoch, from the command line; then fasthf-predict on texts and CoNLL."
    tr = conll_subset(shared/'conll2003_en'/'train.txt', tmp_path/'train.conll', 400)
    va = conll_subset(shared/'conll2003_en'/'valid.txt', tmp_path/'valid.conll', 100)
    out = tmp_path/'ner'
    r = run('fasthf-train', '--task', 'ner', '--data', str(tr), '--valid', str(va), '--model', str(minilm), '--out', str(out),
            '--freeze-epochs', '0', '--epochs', '1', '--lr', '5e-4', '--max-len', '128')
    m = last_json(r.stdout)
    assert list(m)[:3] == ['f1', 'precision', 'recall'], m
    assert m['f1'] > 0.2, m  # one short epoch: far from converged, but entities are found
    pd.DataFrame({'text': ['Peter Blackburn of the European Commission said so in Brussels .', 'Nothing here .']}).to_csv(tmp_path/'t.csv', index=False)
    r = run('fasthf-predict', '--model', str(out), '--data', str(tmp_path/'t.csv'))
    rows = [json.loads(l) for l in r.stdout.strip().splitlines()]
    assert len(rows) == 2 and all(set(e) == {'entity_group', 'score', 'word', 'start', 'end'} for e in rows[0])
    text = 'Peter Blackburn of the European Commission said so in Brussels .'
    assert all(text[e['start']:e['end']] == e['word'] for e in rows[0])
    r = run('fasthf-predict', '--model', str(out), '--data', str(va))
    assert len(r.stdout.strip().splitlines()) == 100

@pytest.mark.slow
def test_qa_real(tmp_path, minilm, shared):
    "MiniLM on 200 real SQuAD questions from the command line (nested JSON in, EM/F1 out); bad answers are refused; fasthf-predict answers."
    data = json.loads((shared/'squad_v1.1'/'train-v1.1.json').read_text())
    art = data['data'][0]
    small = {'version': '1.1', 'data': [dict(art, paragraphs=art['paragraphs'][:60])]}
    (tmp_path/'train.json').write_text(json.dumps(small))
    val = pd.read_json(shared/'squad_v1.1'/'validation.jsonl', lines=True).iloc[:40]
    val.to_json(tmp_path/'valid.jsonl', orient='records', lines=True)
    out = tmp_path/'qa'
    r = run('fasthf-train', '--task', 'qa', '--data', str(tmp_path/'train.json'), '--valid', str(tmp_path/'valid.jsonl'), '--model', str(minilm),
            '--out', str(out), '--freeze-epochs', '0', '--epochs', '1', '--lr', '3e-4', '--max-len', '256', '--stride', '64')
    m = last_json(r.stdout)
    assert list(m)[:2] == ['exact_match', 'f1'] and 0 <= m['exact_match'] <= m['f1'] <= 100, m
    r = run('fasthf-predict', '--model', str(out), '--data', str(tmp_path/'valid.jsonl'))
    rows = [json.loads(l) for l in r.stdout.strip().splitlines()]
    assert len(rows) == 40 and all(val.context.iloc[i][o['start']:o['end']] == o['answer'] for i, o in enumerate(rows))
    art['paragraphs'][0]['qas'][0]['answers'][0]['answer_start'] += 3
    # enough questions that fastai's split rule (every task's: `int(0.2 * n)` validation rows) leaves some for validation
    (tmp_path/'bad.json').write_text(json.dumps({'version': '1.1', 'data': [dict(art, paragraphs=art['paragraphs'][:10])]}))
    msg = bad(tmp_path, minilm, '--task', 'qa', '--data', str(tmp_path/'bad.json'))
    assert 'does not match the context at answer_start' in msg and art['paragraphs'][0]['qas'][0]['id'] in msg

def test_ner_bad_conll(tmp_path, tiny_model):
    (tmp_path/'bad.conll').write_text("EU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP\n")
    msg = bad(tmp_path, tiny_model, '--task', 'ner', '--data', str(tmp_path/'bad.conll'))
    assert 'line 3: 3 columns where line 1 has 4' in msg

def test_translation_real(tmp_path, shared):
    "`--task translation` on real Multi30k pairs with a new tiny model for T5's real tokenizer, then `fasthf-predict` on the saved folder."
    mt = pd.read_csv(shared/'multi30k_en_de_fr'/'train.csv')
    mt.iloc[:160].to_csv(tmp_path/'tr.csv', index=False); mt.iloc[160:200].to_csv(tmp_path/'va.csv', index=False)
    out = tmp_path/'mt'
    r = run('fasthf-train', '--task', 'translation', '--data', str(tmp_path/'tr.csv'), '--valid', str(tmp_path/'va.csv'),
            '--model', str(shared/'tokenizers'/'t5-small'), '--from-scratch', '--source-lang', 'en', '--target-lang', 'de',
            '--epochs', '1', '--max-len', '48', '--max-target-len', '24', '--out', str(out))
    m = last_json(r.stdout)
    assert list(m) == ['bleu', 'chrf', 'valid_loss'] and 0 <= m['bleu'] <= 100 and 0 <= m['chrf'] <= 100
    assert json.loads((out/'metrics.json').read_text()) == m
    assert (out/'model'/'generation_config.json').exists() and (out/'model'/'tokenizer.json').exists()
    r = run('fasthf-predict', '--model', str(out), '--data', str(tmp_path/'va.csv'), '--text-col', 'en')
    lines = [json.loads(l) for l in r.stdout.strip().splitlines()]
    assert len(lines) == 40 and all(set(l) == {'translation_text'} and isinstance(l['translation_text'], str) for l in lines)

def test_seq2seq_bad_inputs(tmp_path, shared):
    "Each bad seq2seq input gets one error naming the file, column, row or value, before any model is built (in-process; one CLI run)."
    from fasthf.cli import train, CLIError
    from fasthf.data import HFDataError
    t5 = shared/'tokenizers'/'t5-small'
    sm = pd.read_json(shared/'samsum'/'validation.jsonl', lines=True).iloc[:20]
    def err(df, name='d.jsonl', **kw):
        df.to_json(tmp_path/name, orient='records', lines=True)
        with pytest.raises((HFDataError, CLIError)) as e:
            train('summarization', data=tmp_path/name, model=t5, out=tmp_path/'o', from_scratch=True, source_col='dialogue', epochs=0, **kw)
        return str(e.value)
    assert "column 'summry' not found" in (msg := err(sm, target_col='summry')) and "did you mean 'summary'" in msg
    d = sm.copy(); d.loc[4, 'summary'] = '   '
    assert "empty text at row 4 (column 'summary')" in err(d, target_col='summary')
    d = sm.copy(); d.loc[6, 'dialogue'] = None
    assert "row 6 (column 'dialogue')" in (msg := err(d, target_col='summary')) and 'missing' in msg
    sm.iloc[:0].to_json(tmp_path/'empty.jsonl', orient='records', lines=True)
    assert 'has no rows' in err(sm, target_col='summary', valid=tmp_path/'empty.jsonl')
    assert 'training split of' in err(sm.assign(is_valid=True), target_col='summary')
    with pytest.raises(HFDataError, match='--task summarization needs --data'): train('summarization', model=t5)
    # through the console script: one line on stderr, exit code 2
    (tmp_path/'latin1.csv').write_bytes('dialogue,summary\nA: caf\xe9?,coffee\nB: no,no\n'.encode('latin-1'))
    assert 'not valid UTF-8' in bad(tmp_path, t5, '--task', 'translation', '--from-scratch', '--data', str(tmp_path/'latin1.csv'),
                                    '--source-col', 'dialogue', '--target-col', 'summary')

def test_tokenizer_mismatch_one_line(tmp_path, tiny_model, small_csv):
    "The console script itself: a tokenizer that does not belong to the model is one line on stderr, exit 2 (no traceback)."
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification
    m = BertForSequenceClassification(BertConfig(vocab_size=1000, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64))
    m.config.fasthf = {'task': 'classification'}  # as fasthf saves it: fasthf-predict serves it as a classifier
    m.save_pretrained(tmp_path/'m')
    AutoTokenizer.from_pretrained(tiny_model).save_pretrained(tmp_path/'m')
    msg = bad(tmp_path, tmp_path/'m', '--data', str(small_csv))
    assert "has 30522 tokens but the model's input embeddings have only 1000 rows: they do not belong together" in msg
    r = run('fasthf-predict', '--model', str(tmp_path/'m'), '--data', str(small_csv), check=False)
    assert r.returncode == 2 and r.stderr.strip().splitlines()[-1].startswith('fasthf-predict: error: tokenizer BertTokenizer')
    assert 'Traceback' not in r.stderr

def test_wandb_offline(tmp_path, tiny_model, small_csv, monkeypatch, capsys):
    "`--wandb PROJECT` with WANDB_MODE=offline: the run on disk holds the flags, per-epoch metrics, final metrics and the model."
    monkeypatch.setenv('WANDB_MODE', 'offline'); monkeypatch.setenv('WANDB_DIR', str(tmp_path))
    from fasthf.cli import fasthf_train
    from fasthf.tracking import read_offline_run
    fasthf_train(data=str(small_csv), model=str(tiny_model), out=str(tmp_path/'o'), epochs=2, freeze_epochs=0, max_len=32,
                 wandb='fasthf-test', wandb_model=True)
    m = last_json(capsys.readouterr().out)
    run_dir, t0 = next((tmp_path/'wandb').glob('offline-run-*')), time.time()
    # W&B's service writes the run file asynchronously, and the run record with `wandb.init`'s config can come last
    while not ((r := read_offline_run(run_dir))['finished'] and 'cli' in r['config']) and time.time() - t0 < 60: time.sleep(0.5)
    assert r['config']['cli']['epochs'] == 2 and r['config']['model_type'] == 'bert'
    assert [h['epoch'] for h in r['history'] if 'accuracy' in h] == [1, 2]
    assert r['summary']['final/accuracy'] == m['accuracy'] and r['summary']['final/valid_loss'] == m['valid_loss']
    assert ('model' in {t for _, t in r['artifacts']})
