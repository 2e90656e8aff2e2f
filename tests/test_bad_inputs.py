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

# --- issue 21: the validation file named in its own right, regression labels, invisible texts, type confusions in the API

def ner_files(tmp_path, valid_tag='B-CITY'):
    sents = [("EU B-ORG", "rejects O"), ("German B-MISC", "call O"), ("Peter B-PER", "Black I-PER"), ("Brussels B-LOC", "said O")]
    (tmp_path/'t.conll').write_text(''.join('\n'.join(s) + '\n\n' for s in sents * 2))
    (tmp_path/'v.conll').write_text(f"EU B-ORG\nsaid O\n\nParis {valid_tag}\nsaid O\n\n")

def test_ner_unseen_valid_tag_names_the_valid_file(train_err, tmp_path):
    ner_files(tmp_path)
    m = train_err(task='ner', data=str(tmp_path/'t.conll'), valid=str(tmp_path/'v.conll'))
    assert m.startswith(f"{tmp_path/'v.conll'}, sentence at line 4: tag 'B-CITY' of word 0 ('Paris') never occurs in training"), m
    assert 't.conll' not in m and not (tmp_path/'o').exists()

QA_ROW = {'id': 'q0', 'question': 'Who gave their name to Normandy?', 'context': 'The Normans gave their name to Normandy.',
          'answers': {'text': ['The Normans'], 'answer_start': [0]}}

def valid_case(task, tmp_path, shared, sample):
    "Training and --valid files of `task`, the --valid one lacking the label (or text) column: (flags, missing column, columns it has)."
    t, v = tmp_path/'t', tmp_path/'v'
    if task in ('classification', 'multilabel', 'regression'):
        d = sample.drop(columns='is_valid')
        if task == 'regression': d = d.assign(label=np.linspace(0, 1, len(d)))
        if task == 'multilabel': d = d.assign(label=['a b' if i % 2 else 'b' for i in range(len(d))])
        write(d, t.with_suffix('.csv')); write(d[['text']], v.with_suffix('.csv'))
        return dict(task=task, data=str(t.with_suffix('.csv')), valid=str(v.with_suffix('.csv'))), 'label', 'text'
    if task == 'ner':
        d = pd.DataFrame({'tokens': [['EU', 'rejects'], ['Peter', 'Black']] * 4, 'tags': [['B-ORG', 'O'], ['B-PER', 'I-PER']] * 4})
        write(d, t.with_suffix('.jsonl')); write(d[['tokens']], v.with_suffix('.jsonl'))
        return dict(task='ner', data=str(t.with_suffix('.jsonl')), valid=str(v.with_suffix('.jsonl'))), 'tags', 'tokens'
    if task == 'qa':
        d = pd.DataFrame([{**QA_ROW, 'id': f'q{i}'} for i in range(6)])
        write(d, t.with_suffix('.jsonl')); write(d.drop(columns='answers'), v.with_suffix('.jsonl'))
        return dict(task='qa', data=str(t.with_suffix('.jsonl')), valid=str(v.with_suffix('.jsonl'))), 'answers', 'id, question, context'
    if task == 'summarization':
        d = pd.DataFrame({'source': [f'a long text number {i}' for i in range(8)], 'target': [f'text {i}' for i in range(8)]})
        write(d, t.with_suffix('.csv')); write(d[['source']], v.with_suffix('.csv'))
        return dict(task='summarization', data=str(t.with_suffix('.csv')), valid=str(v.with_suffix('.csv')), from_scratch=True,
                    model=str(shared/'tokenizers'/'t5-small'), max_len=None), 'target', 'source'
    d = pd.DataFrame({'text': [f'some words {i}' for i in range(8)]})  # mlm: the --valid table has another text column
    write(d, t.with_suffix('.csv')); write(d.rename(columns={'text': 'body'}), v.with_suffix('.csv'))
    return dict(task='mlm', data=str(t.with_suffix('.csv')), valid=str(v.with_suffix('.csv'))), 'text', 'body'

@pytest.mark.parametrize('task', ['classification', 'multilabel', 'regression', 'ner', 'qa', 'summarization', 'mlm'])
def test_valid_file_missing_column(train_err, tmp_path, shared, sample, task):
    "A --valid file without the label (or text) column: one line naming that file, the column and the columns it has (not 'empty')."
    flags, col, has = valid_case(task, tmp_path, shared, sample)
    m = train_err(**flags)
    where = 'the validation file ' if task != 'mlm' else ''  # LM reads --valid on its own: named as itself
    assert m.startswith(f"column '{col}' not found in {where}{flags['valid']} (columns: {has}"), m
    assert 'empty' not in m and not (tmp_path/'o').exists()

@pytest.mark.parametrize('value, shown, why', [('inf', 'inf', 'labels must be finite numbers'), ('-inf', '-inf', 'labels must be finite numbers'),
                                               ('1e999', 'inf', 'labels must be finite numbers'), ('high', "'high'", 'not a number')])
def test_regression_label_not_a_finite_number(capsys, tmp_path, tiny_model, sample, value, shown, why):
    "Refused before any model is loaded (no 'precision' line, no --out), naming the file, column and row."
    d = sample.assign(label=np.linspace(0, 1, len(sample)).astype(str)); d.loc[9, 'label'] = value; write(d, tmp_path/'r.csv')
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        fasthf_train(task='regression', model=str(tiny_model), data=str(tmp_path/'r.csv'), out=str(tmp_path/'o'), epochs=1, max_len=32)
    err = capsys.readouterr().err
    assert e.value.code == 2 and 'precision' not in err and 'LOAD REPORT' not in err and not (tmp_path/'o').exists()
    assert err.strip().splitlines()[-1] == (f"fasthf-train: error: regression label column 'label' of {tmp_path/'r.csv'} holds {shown} at row 9: "
                                            f"{why}" + (" (an infinite target makes every loss NaN)" if 'finite' in why else
                                                        "; regression labels are numbers (for classes use --task classification)"))

ZW = '\u200b\u2060\ufeff'

def invisible_case(task, tmp_path, shared):
    "Flags of `task` on data where one text is only invisible characters, and what the message must contain."
    if task == 'ner':
        (tmp_path/'z.conll').write_text(''.join(f"EU B-ORG\n{w} O\n\nPeter B-PER\nBlack I-PER\n\n" for w in ['rejects'] * 4 + [ZW]))
        return dict(task='ner', data=str(tmp_path/'z.conll')), f"sentence at line 25: word 1 is {ZW!r}; words must be non-empty strings with a visible character"
    if task == 'qa':
        d = pd.DataFrame([{**QA_ROW, 'id': f'q{i}'} for i in range(6)]); d.loc[2, 'question'] = ZW; write(d, tmp_path/'z.jsonl')
        return dict(task='qa', data=str(tmp_path/'z.jsonl')), f"empty text at {tmp_path/'z.jsonl'}, row 2 (id q2), 'question': {ZW!r} (only invisible"
    if task == 'summarization':
        d = pd.DataFrame({'source': [f'a long text number {i}' for i in range(8)], 'target': [f'text {i}' for i in range(8)]})
        d.loc[3, 'source'] = ZW; write(d, tmp_path/'z.csv')
        return (dict(task='summarization', data=str(tmp_path/'z.csv'), from_scratch=True, model=str(shared/'tokenizers'/'t5-small'), max_len=None),
                f"empty text at row 3 (column 'source') of {tmp_path/'z.csv'}: {ZW!r} (only invisible")
    if task == 'clm':
        (tmp_path/'z.txt').write_text(f"first document here\n\n{ZW}\n\nthird document\n")
        return dict(task='clm', data=str(tmp_path/'z.txt'), from_scratch=True, model=None), f"empty text at document 2 (line 3) of {tmp_path/'z.txt'}: {ZW!r} (only invisible"
    d = pd.DataFrame({'text': ['ok text', 'more', ZW, 'fine'] * 5, 'label': ['a', 'b'] * 10}); write(d, tmp_path/'z.csv')
    return dict(task=task, data=str(tmp_path/'z.csv')), f"empty text at row 2 (column 'text') of {tmp_path/'z.csv'}: {ZW!r} (only invisible"

@pytest.mark.parametrize('task', ['multilabel', 'ner', 'qa', 'summarization', 'clm'])
def test_invisible_only_text(train_err, tmp_path, shared, task):
    "Zero-width/format characters only count as empty for every task that reads text (classification: test_integrity)."
    flags, want = invisible_case(task, tmp_path, shared)
    assert want in (m := train_err(**flags)), m
    assert not (tmp_path/'o').exists()

def test_predict_invisible_text(capsys, sample, tmp_path, tiny_model):
    from transformers import AutoConfig
    shutil.copytree(tiny_model, tmp_path/'clf'); cfg = AutoConfig.from_pretrained(tmp_path/'clf')
    cfg.fasthf = {'task': 'classification'}; cfg.save_pretrained(tmp_path/'clf')
    d = sample.copy(); d.loc[4, 'text'] = ZW; write(d, tmp_path/'z.csv')
    assert error(capsys, fasthf_predict, model=str(tmp_path/'clf'), data=str(tmp_path/'z.csv')) == (
        f"empty text at row 4 of {tmp_path/'z.csv'}: {ZW!r} (only invisible characters: whitespace, format or control)")

def api_cases():
    "(call, message start) for type confusions at the Python API's entry points: each raises `HFDataError`, one line."
    from fasthf.data import HFDataLoaders, read_table
    from fasthf.ner import NERDataLoaders
    from fasthf.qa import QADataLoaders, read_squad
    from fasthf.seq2seq import Seq2SeqDataLoaders, predict_seq2seq, generate_texts
    from fasthf.lm import HFLMDataLoaders
    df = pd.DataFrame({'text': ['a', 'b'], 'label': ['x', 'y']})
    frame = "expects a file path (str or Path) but got a DataFrame (2 rows)"
    path = "expects a pandas DataFrame but got the string 'x.csv'"
    return {
        'HFDataLoaders.from_file(df)': (lambda: HFDataLoaders.from_file(df, None), f"HFDataLoaders.from_file(path) {frame}: for a DataFrame use HFDataLoaders.from_df(df, ...)"),
        'HFDataLoaders.from_csv(valid=df)': (lambda: HFDataLoaders.from_csv('x.csv', None, valid=df), f"HFDataLoaders.from_file(valid=) {frame}"),
        'HFDataLoaders.from_folder(df)': (lambda: HFDataLoaders.from_folder(df, None), f"HFDataLoaders.from_folder(path) {frame}"),
        'HFDataLoaders.from_df(path)': (lambda: HFDataLoaders.from_df('x.csv', None), f"HFDataLoaders.from_df(df) {path}: for a file use HFDataLoaders.from_file(path, ...)"),
        'read_table(df)': (lambda: read_table(df), f"read_table(path) {frame}"),
        'NERDataLoaders.from_df(path)': (lambda: NERDataLoaders.from_df('x.csv', None), f"NERDataLoaders.from_df(df) {path}"),
        'NERDataLoaders.from_df(valid_df=path)': (lambda: NERDataLoaders.from_df(df, None, valid_df='x.csv'), f"NERDataLoaders.from_df(valid_df=) {path}"),
        'NERDataLoaders.from_file(df)': (lambda: NERDataLoaders.from_file(df, None), f"NERDataLoaders.from_file(path) {frame}"),
        'QADataLoaders.from_df(path)': (lambda: QADataLoaders.from_df('x.csv', None), f"QADataLoaders.from_df(df) {path}"),
        'QADataLoaders.from_squad(df)': (lambda: QADataLoaders.from_squad(df, None), f"QADataLoaders.from_squad(path) {frame}"),
        'read_squad(df)': (lambda: read_squad(df), f"read_squad(path) {frame}"),
        'Seq2SeqDataLoaders.from_df(path)': (lambda: Seq2SeqDataLoaders.from_df('x.csv', None), f"Seq2SeqDataLoaders.from_df(df) {path}"),
        'Seq2SeqDataLoaders.from_file(df)': (lambda: Seq2SeqDataLoaders.from_file(df, None), f"Seq2SeqDataLoaders.from_file(path) {frame}"),
        'predict_seq2seq(path, str)': (lambda: predict_seq2seq('nowhere', 'one text'), "predict_seq2seq(path, texts) expects a list of texts but got one string ('one text')"),
        'generate_texts(df)': (lambda: generate_texts(None, None, df), "generate_texts(texts) expects a list of texts but got a DataFrame (2 rows): pass one column"),
        'HFLMDataLoaders.from_texts(str)': (lambda: HFLMDataLoaders.from_texts('one text', None), "HFLMDataLoaders.from_texts(texts) expects a list of texts but got one string ('one text')"),
        'HFLMDataLoaders.from_df(path)': (lambda: HFLMDataLoaders.from_df('x.csv', None), f"HFLMDataLoaders.from_df(df) {path}: for a file use HFLMDataLoaders.from_files(path, ...)"),
        'HFLMDataLoaders.from_files(df)': (lambda: HFLMDataLoaders.from_files(df, None), f"HFLMDataLoaders.from_files(path) {frame}: for a DataFrame use HFLMDataLoaders.from_df(df, ...)"),
    }

@pytest.mark.parametrize('case', list(api_cases()))
def test_api_type_confusion(case):
    from fasthf.core import HFDataError
    f, want = api_cases()[case]
    with pytest.raises(HFDataError) as e: f()
    assert str(e.value).startswith(want) and len(str(e.value).splitlines()) == 1, str(e.value)
