"Model cards (fasthf.card), read back with huggingface_hub's own parsers, for every task."
import json, re
from pathlib import Path
import pytest
from huggingface_hub import ModelCard, ModelCardData
from huggingface_hub.repocard_data import model_index_to_eval_results

PIPELINE_TAGS = {'classification': 'text-classification', 'multilabel': 'text-classification', 'regression': 'text-classification',
                 'clm': 'text-generation', 'mlm': 'fill-mask', 'ner': 'token-classification', 'qa': 'question-answering',
                 'summarization': 'summarization', 'translation': 'translation'}
TRAINING = {'phases': [{'freeze_to': -1, 'epochs': 1, 'lr': 1e-3}, (0, 2, slice(1e-5, 1e-4))], 'bs': 16, 'precision': 'fp32', 'n_groups': 8,
            'base_model': 'sentence-transformers/all-MiniLM-L6-v2', 'datasets': ['stanfordnlp/imdb', 'extra.csv'],
            'cli_flags': {'task': 'classification', 'data': 'imdb.csv', 'epochs': 2, 'grad_checkpointing': False}}

@pytest.fixture(scope='module')
def tok(minilm):
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(minilm)

def folder(path, tok, task, **cfg):
    "A tiny BERT (MiniLM's tokenizer) saved as fasthf saves a model of `task`."
    from transformers import BertConfig, BertForSequenceClassification
    m = BertForSequenceClassification(BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                                 intermediate_size=64, **cfg))
    if task: m.config.fasthf = {'task': task}
    m.save_pretrained(path); tok.save_pretrained(path)
    return Path(path)

def code_block(text, after):
    "The first ```python block after the line containing `after`."
    return re.search(r'```python\n(.*?)```', text[text.index(after):], re.S).group(1)

def test_round_trip(tmp_path, tok):
    from fasthf.card import write_model_card
    f = folder(tmp_path/'run'/'model', tok, 'classification', id2label={0: 'neg', 1: 'pos'}, label2id={'neg': 0, 'pos': 1})
    (tmp_path/'run'/'metrics.json').write_text(json.dumps({'valid_loss': 0.31, 'accuracy': 0.862, 'f1': None}))
    p = write_model_card(tmp_path/'run', TRAINING, repo_id='me/imdb-minilm', license='apache-2.0', language='en')
    assert p == f/'README.md'
    card = ModelCard.load(p)
    d = card.data.to_dict()
    assert {k: d[k] for k in ('library_name', 'pipeline_tag', 'base_model', 'datasets', 'metrics', 'license', 'language', 'tags')} == {
        'library_name': 'transformers', 'pipeline_tag': 'text-classification', 'base_model': 'sentence-transformers/all-MiniLM-L6-v2',
        'datasets': ['stanfordnlp/imdb'], 'metrics': ['accuracy'], 'license': 'apache-2.0', 'language': 'en', 'tags': ['fasthf', 'fastai']}
    name, res = model_index_to_eval_results(d['model-index'])
    assert name == 'imdb-minilm'
    assert {r.metric_name: (r.metric_type, r.metric_value) for r in res} == {'valid_loss': ('loss', 0.31), 'accuracy': ('accuracy', 0.862)}
    assert {(r.task_type, r.dataset_type, r.dataset_split) for r in res} == {('text-classification', 'stanfordnlp/imdb', 'validation')}
    assert ModelCardData(eval_results=res, model_name=name).to_dict()['model-index'] == d['model-index']
    t = card.text
    assert '| 1 | last 1 of 8 (the head) | 1 | 1e-03 |' in t and '| 2 | all 8 | 2 | 1e-05 to 1e-04 |' in t
    assert 'fasthf-train --task classification --data imdb.csv --epochs 2\n' in t and '| accuracy | 0.862 |' in t
    assert 'Labels: `neg`, `pos`.' in t and "snapshot_download('me/imdb-minilm')" in t and 'hf download me/imdb-minilm' in t
    assert not list(f.glob('.README*'))

@pytest.mark.parametrize('task', list(PIPELINE_TAGS))
def test_every_task(tmp_path, tok, task):
    from fasthf.card import model_card
    card = model_card(folder(tmp_path, tok, task), metrics={'valid_loss': 1.5})
    d = card.data.to_dict()
    assert d['pipeline_tag'] == PIPELINE_TAGS[task] and d['library_name'] == 'transformers'
    assert model_index_to_eval_results(d['model-index'])[1][0].task_type == PIPELINE_TAGS[task]
    has_pipe = PIPELINE_TAGS[task] in ('text-classification', 'token-classification', 'fill-mask', 'text-generation')
    assert ('from transformers import pipeline' in card.text) == has_pipe
    assert 'from fasthf.tasks import load_predictor' in card.text and 'fasthf-predict --model MODEL_DIR' in card.text
    if task == 'mlm': assert '[MASK]' in code_block(card.text, 'or in Python')
    if task == 'qa': assert "'question':" in code_block(card.text, 'or in Python')

@pytest.mark.parametrize('task,cfg', [('multilabel', dict(problem_type='multi_label_classification', num_labels=3)),
                                      ('regression', dict(problem_type='regression', num_labels=1))])
def test_pipeline_snippet_decodes_like_fasthf(tmp_path, tok, task, cfg):
    "The card's `transformers` snippet, run as written, gives the scores fasthf's predictor gives."
    from fasthf.card import model_card
    from fasthf.tasks import load_predictor
    f = folder(tmp_path, tok, task, **cfg)
    code = code_block(model_card(f).text, 'With `transformers`').replace("'MODEL_DIR'", repr(str(f)))
    code = code.replace('\npipe([', '\nout = pipe([')
    ns = {}; exec(code, ns)
    text = re.search(r"pipe\(\[(.*)\]\)", code).group(1)
    ours = load_predictor(f).predict([eval(text)])[0]
    if task == 'regression': assert ns['out'][0]['score'] == pytest.approx(ours['score'], abs=1e-5)
    else: assert {o['label']: round(o['score'], 5) for o in ns['out'][0]} == {k: round(v, 5) for k, v in ours['scores'].items()}

def test_atomic_write(tmp_path, tok, monkeypatch):
    import fasthf.card as card
    f = folder(tmp_path, tok, 'classification')
    (f/'README.md').write_text('old card')
    def boom(*a): raise OSError('disk full')
    monkeypatch.setattr(card.os, 'replace', boom)
    with pytest.raises(OSError): card.write_model_card(f)
    assert (f/'README.md').read_text() == 'old card' and not list(f.glob('.README*'))
    monkeypatch.undo()
    card.write_model_card(f)
    assert ModelCard.load(f/'README.md').data.to_dict()['pipeline_tag'] == 'text-classification'

def test_bad_folders(tmp_path, tok):
    from fasthf.card import model_card
    from fasthf.core import HFDataError
    with pytest.raises(HFDataError, match='no HF model folder'): model_card(tmp_path)
    with pytest.raises(HFDataError, match='holds no fasthf task'): model_card(folder(tmp_path/'plain', tok, None))

def test_local_paths_and_command_data(tmp_path, tok):
    "A local base model is named by its last parts, not its full path; without `datasets`, the command's --data names the data."
    from fasthf.card import model_card
    f = folder(tmp_path/'m', tok, 'classification')
    card = model_card(f, {'base_model': '/home/alice/models/minilm', 'cli_flags': {'task': 'classification', 'data': 'reviews.csv'}},
                      {'accuracy': 0.7}, model_name='reviews')
    d = card.data.to_dict()
    assert 'base_model' not in d and 'datasets' not in d  # neither is a Hub id
    assert model_index_to_eval_results(d['model-index'])[1][0].dataset_name == 'reviews.csv'
    assert '/home/alice' not in card.text and 'fine-tuned from `models/minilm`' in card.text and 'Trained on `reviews.csv`.' in card.text
    assert '\n\n\n' not in card.text
