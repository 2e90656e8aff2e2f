"The concat-pool classifier: loading from each kind of checkpoint, a save/load round trip through plain transformers, groups and options."
import pytest, torch
from transformers import AutoModel, AutoModelForSequenceClassification, BertConfig, BertForSequenceClassification, DistilBertConfig
from fasthf.core import hf_splitter, hf_blocks
from fasthf.heads import ConcatPoolForSequenceClassification, concat_pool_model

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
        assert m2.config.concat_pool == {'lin_ftrs': [8], 'ps': [0.1, 0.]}
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
