"""Every bad input gets one clear line naming the file/column/row/value, exit code 2, before any training (issue 8).

The console scripts' functions are called in-process (`fasthf_train(**flags)` runs exactly what `fasthf-train --flags`
runs, minus the argument parsing) so that dozens of cases cost seconds; `test_cli.py` runs the real console scripts.
"""
import json, shutil
import numpy as np, pandas as pd
import pytest
from fasthf.cli import fasthf_train, fasthf_predict

def error(capsys, f, **flags)->str:
    "Run a console script's function; assert exit code 2 and one `prog: error: …` line; return the message."
    capsys.readouterr()
    with pytest.raises(SystemExit) as e: f(**flags)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    prog = f.__name__.replace('_', '-')
    assert err and err[-1].startswith(f'{prog}: error: '), err[-5:]
    return err[-1][len(f'{prog}: error: '):]

@pytest.fixture
def train_err(capsys, tmp_path, tiny_model):
    "The error of `fasthf-train` on `df` (written as `name`), with the tiny model and no training."
    def f(df=None, name='d.csv', **flags):
        if df is not None: write(df, tmp_path/name)
        lm = flags.get('task') in ('clm', 'mlm')  # language models have --seq-len, not --max-len
        flags = {'model': str(tiny_model), 'out': str(tmp_path/'o'), 'epochs': 0, **({} if lm else {'max_len': 32}),
                 **({'data': str(tmp_path/name)} if df is not None else {}), **flags}
        return error(capsys, fasthf_train, **flags)
    return f

def write(df, path):
    if path.suffix == '.jsonl': df.to_json(path, orient='records', lines=True)
    else: df.to_csv(path, index=False, sep='\t' if path.suffix == '.tsv' else ',')

@pytest.fixture
def sample(small_csv): return pd.read_csv(small_csv)

def test_classification_texts(train_err, sample, tmp_path):
    d = sample.copy(); d.loc[3, 'text'] = ''  # JSON lines keep '' (a CSV reads it back as NaN)
    assert train_err(d, 'd.jsonl') == f"empty text at row 3 (column 'text') of {tmp_path/'d.jsonl'}: ''"
    d = sample.copy(); d.loc[3, 'text'] = '   '
    assert train_err(d) == f"empty text at row 3 (column 'text') of {tmp_path/'d.csv'}: '   '"
    d = sample.copy(); d.loc[4, 'text'] = None
    assert train_err(d) == f"text at row 4 (column 'text') of {tmp_path/'d.csv'} is missing (nan)"
    d = sample.astype({'text': object}); d.loc[6, 'text'] = 12
    assert train_err(d, 'd.jsonl') == f"text at row 6 (column 'text') of {tmp_path/'d.jsonl'} is 12 (int); expected a string or a pair of strings"

def test_classification_labels(train_err, sample, tmp_path):
    d = sample.copy(); d.loc[5, 'label'] = None
    assert train_err(d) == "label column 'label' of " + str(tmp_path/'d.csv') + " is empty (NaN/None) at row 5"
    assert "has a single class ('toxic') in training; need at least 2" in train_err(sample.assign(label='toxic'))
    # a validation label never seen in training: in a --valid file (named with its row), and in a random split
    trn, val = sample[~sample.is_valid].drop(columns='is_valid'), sample[sample.is_valid].drop(columns='is_valid').reset_index(drop=True)
    write(trn, tmp_path/'t.csv'); v = val.copy(); v.loc[2, 'label'] = 'neutral'; write(v, tmp_path/'v.csv')
    assert "validation label 'neutral' in column 'label'" in (m := train_err(data=str(tmp_path/'t.csv'), valid=str(tmp_path/'v.csv')))
    assert "(row ('v.csv', 2))" in m
    from fastai.data.transforms import RandomSplitter
    d = sample.drop(columns='is_valid'); d.loc[0, 'label'] = 'neutral'
    seed = next(s for s in range(100) if 0 in RandomSplitter(0.2, seed=s)(list(range(len(d))))[1])
    assert train_err(d, seed=seed).startswith("validation label 'neutral' in column 'label'")
    # multi-label from one column of space-separated labels
    d = sample.assign(label=['a b' if i % 2 else 'b' for i in range(len(sample))]); d.loc[d.index[d.is_valid][0], 'label'] = 'b zzz'
    assert train_err(d, task='multilabel').startswith("validation label 'zzz'")
    d = sample.assign(label=np.linspace(0, 1, len(sample))); d.loc[7, 'label'] = np.nan
    assert 'is empty (NaN/None) at row 7' in train_err(d, task='regression')

def test_classification_files(train_err, sample, tmp_path):
    assert train_err(data=str(tmp_path/'missing.csv')) == f"file not found: {tmp_path/'missing.csv'}"
    assert train_err(sample, text_col='txt').startswith("column 'txt' not found in")
    assert "did you mean 'text'" in train_err(sample, text_col='tex')
    (tmp_path/'latin1.csv').write_bytes('text,label\ncaf\xe9 ok,a\nfine,b\n'.encode('latin-1'))
    assert train_err(data=str(tmp_path/'latin1.csv')) == f"{tmp_path/'latin1.csv'} is not valid UTF-8 (line 2, byte 14: b'\\xe9 ok')"
    assert train_err(sample.iloc[:0]) == f"{tmp_path/'d.csv'} has no rows"
    write(sample.iloc[:0], tmp_path/'v.csv')
    assert train_err(sample.drop(columns='is_valid'), valid=str(tmp_path/'v.csv')) == f"{tmp_path/'v.csv'} has no rows"
    assert 'the validation split of' in train_err(sample.assign(is_valid=False))
    assert 'the training split of' in train_err(sample.assign(is_valid=True))
    # a folder (the label is the parent folder) with one class only
    for split, i in (('train', 0), ('train', 1), ('valid', 2)):
        (tmp_path/'f'/split/'pos').mkdir(parents=True, exist_ok=True); (tmp_path/'f'/split/'pos'/f'{i}.txt').write_text(sample.text[i])
    assert "has a single class ('pos') in training" in train_err(data=str(tmp_path/'f'))

def test_model_mismatch(train_err, capsys, sample, tmp_path, tiny_model):
    "A tokenizer that does not belong to the model, and lengths beyond the model's positions: refused before training."
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification
    tok = AutoTokenizer.from_pretrained(tiny_model)
    m = BertForSequenceClassification(BertConfig(vocab_size=1000, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64))
    m.config.fasthf = {'task': 'classification'}  # as fasthf saves it: fasthf-predict serves it as a classifier
    m.save_pretrained(tmp_path/'m'); tok.save_pretrained(tmp_path/'m')
    msg = f"tokenizer BertTokenizer ({str(tmp_path/'m')!r}) has 30522 tokens but the model's input embeddings have only 1000 rows: they do not belong together"
    assert train_err(sample, model=str(tmp_path/'m')) == msg
    write(sample, tmp_path/'p.csv')
    assert error(capsys, fasthf_predict, model=str(tmp_path/'m'), data=str(tmp_path/'p.csv')) == msg
    assert train_err(sample, max_len=1024) == ("the DataLoaders holds sequences of up to 1024 tokens but the model has 512 positions "
                                               "(config.max_position_embeddings): lower the maximum length to 512 or less")

def test_long_text_is_truncated(capsys, sample, tmp_path, tiny_model):
    "A text far longer than the model's positions is truncated to --max-len, as documented: training and prediction run."
    d = sample.copy(); d.loc[0, 'text'] = ' '.join(['word'] * 5000); write(d, tmp_path/'long.csv')
    fasthf_train(data=str(tmp_path/'long.csv'), model=str(tiny_model), out=str(tmp_path/'o'), epochs=1, freeze_epochs=0, max_len=64)
    assert 'accuracy' in json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    fasthf_predict(model=str(tmp_path/'o'), data=str(tmp_path/'long.csv'))
    assert len(capsys.readouterr().out.strip().splitlines()) == len(d)

def test_predict_inputs(capsys, sample, tmp_path, tiny_model):
    write(sample, tmp_path/'p.csv')
    assert error(capsys, fasthf_predict, model=str(tiny_model), data=str(tmp_path/'p.csv')).endswith(
        "holds no fasthf task (config.json has no 'fasthf' entry): it was not saved by fasthf; train it with fasthf-train, or load it with transformers")
    from transformers import AutoConfig
    shutil.copytree(tiny_model, tmp_path/'clf'); cfg = AutoConfig.from_pretrained(tmp_path/'clf')
    cfg.fasthf = {'task': 'classification'}; cfg.save_pretrained(tmp_path/'clf')
    p = lambda **kw: error(capsys, fasthf_predict, **{'model': str(tmp_path/'clf'), **kw})
    assert p(data=str(tmp_path/'p.csv'), text_col='body').startswith("column 'body' not found in")
    d = sample.copy(); d.loc[2, 'text'] = ' '; write(d, tmp_path/'w.csv')
    assert p(data=str(tmp_path/'w.csv')) == f"empty text at row 2 of {tmp_path/'w.csv'}: ' '"
    (tmp_path/'latin1.csv').write_bytes('text\ncaf\xe9\n'.encode('latin-1'))
    assert 'is not valid UTF-8' in p(data=str(tmp_path/'latin1.csv'))
    assert p(model=str(tmp_path/'learner.pkl'), data=str(tmp_path/'p.csv')).startswith(f"{tmp_path/'learner.pkl'} is a pickle")
    assert p(model=str(tmp_path), data=str(tmp_path/'p.csv')) == f"no HF model folder (config.json) in {tmp_path}"

def test_lm_inputs(train_err, capsys, tmp_path, shared, sample):
    (tmp_path/'t.txt').write_text((shared/'tinyshakespeare'/'input.txt').read_text()[:20_000])
    assert '--task clm needs --model' in train_err(task='clm', data=str(tmp_path/'t.txt'), model=None)
    assert '--task mlm needs --data' in train_err(task='mlm')
    assert "unknown --size 'huge'" in train_err(task='clm', data=str(tmp_path/'t.txt'), model=None, from_scratch=True, size='huge')
    (tmp_path/'empty.txt').write_text('\n\n  \n')
    assert 'has no text' in train_err(task='clm', data=str(tmp_path/'empty.txt'), model=None, from_scratch=True)
    (tmp_path/'latin1.txt').write_bytes('caf\xe9 au lait\n'.encode('latin-1'))
    assert train_err(task='mlm', data=str(tmp_path/'latin1.txt')) == f"{tmp_path/'latin1.txt'} is not valid UTF-8 (line 1, byte 3: b'\\xe9 au')"
    (tmp_path/'big.txt').write_text((shared/'tinyshakespeare'/'input.txt').read_text()[:100_000])
    assert 'of up to 1024 tokens but the model has 512 positions' in train_err(task='mlm', data=str(tmp_path/'big.txt'), seq_len=1024)
    # a classifier started from an encoder of another vocabulary
    fasthf_train(task='clm', data=str(tmp_path/'t.txt'), from_scratch=True, vocab_size=500, seq_len=32, epochs=0, out=str(tmp_path/'clm'))
    assert 'different vocabulary' in train_err(sample, encoder=str(tmp_path/'clm'/'encoder.safetensors'))

def test_ner_inputs(train_err, tmp_path):
    (tmp_path/'bad.conll').write_text("EU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP\n")
    assert 'line 3: 3 columns where line 1 has 4' in train_err(task='ner', data=str(tmp_path/'bad.conll'))
    (tmp_path/'latin1.conll').write_bytes('EU B-ORG\ncaf\xe9 O\n'.encode('latin-1'))
    assert 'is not valid UTF-8' in train_err(task='ner', data=str(tmp_path/'latin1.conll'))
    ids = pd.DataFrame({'tokens': [['EU', 'rejects', 'it']] * 6, 'tags': [[3, 0, 0]] * 6})
    assert "the tags in column 'tags' of" in (m := train_err(ids, 'ids.jsonl', task='ner', tokens_col='tokens', tags_col='tags'))
    assert 'hold 3 (int), not tag names' in m
    (tmp_path/'empty.conll').write_text('-DOCSTART- -X- -X- O\n\n')
    assert 'no sentences' in train_err(task='ner', data=str(tmp_path/'empty.conll'))

def test_qa_inputs(train_err, tmp_path):
    ctx = 'The Normans gave their name to Normandy, a region in France.'
    sq = {'data': [{'title': 't', 'paragraphs': [{'context': ctx, 'qas': [
        {'id': f'q{i}', 'question': 'Who gave their name to Normandy?', 'answers': [{'text': 'The Normans', 'answer_start': 0}]} for i in range(5)]}]}]}
    sq['data'][0]['paragraphs'][0]['qas'][3]['answers'][0]['answer_start'] = 4
    (tmp_path/'bad.json').write_text(json.dumps(sq))
    assert "does not match the context at answer_start" in (m := train_err(task='qa', data=str(tmp_path/'bad.json'))) and 'q3' in m
    (tmp_path/'latin1.json').write_bytes(json.dumps(sq).replace('France', 'Fran\\u00e7e').encode().replace(b'\\u00e7', b'\xe7'))
    assert 'is not valid UTF-8' in train_err(task='qa', data=str(tmp_path/'latin1.json'))
    (tmp_path/'none.json').write_text(json.dumps({'data': []}))
    assert 'no questions' in train_err(task='qa', data=str(tmp_path/'none.json'))
