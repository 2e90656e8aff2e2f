"Streamed classification data (`fasthf.stream`): the batches of the in-memory loader, training through `hf_classifier_learner`, exact resume from a checkpoint, and one line for each bad input."
import shutil
import numpy as np
import pandas as pd
import pytest
import torch
from fasthf.core import HFDataError
from fasthf.data import HFDataLoaders
from fasthf.stream import HFStreamDL

@pytest.fixture(autouse=True)
def one_thread():
    "One torch thread: the test machine's cores are shared, and two threads of a tiny model wait on each other (a 40× slower fit)."
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

@pytest.fixture(scope='module')
def tok(minilm):
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(minilm)

@pytest.fixture(scope='module')
def imdb(shared):
    "24 training and 16 validation rows of the IMDb sample (columns label, text, is_valid)."
    df = pd.read_csv(shared/'imdb_sample'/'texts.csv')
    return pd.concat([df[~df.is_valid].iloc[:24], df[df.is_valid].iloc[:16]])

def rows_of(df): return df.to_dict('records')

def stream_dls(tok, imdb, **kwargs):
    kw = dict(valid=imdb[imdb.is_valid], steps=4, bs=4, shuffle_buffer=8, sort_chunk=2, max_len=32, seed=0, device='cpu') | kwargs
    return HFDataLoaders.from_stream(lambda: iter(rows_of(imdb[~imdb.is_valid])), tok, **kw)

def test_batches_match_in_memory(tok, imdb):
    "Unshuffled, chunks of one batch: each batch is the in-memory loader's batch of the same rows (ids, padding, targets, dtypes)."
    mem = HFDataLoaders.from_df(imdb, tok, max_len=48)
    dls = HFDataLoaders.from_stream(imdb[~imdb.is_valid], tok, valid=imdb[imdb.is_valid], steps=6, bs=4, shuffle_buffer=1, sort_chunk=1,
                                    max_len=48, device='cpu')
    assert list(dls.vocab) == list(mem.vocab) and dls.c == mem.c == 2
    n_tok = lambda o: len(o[0]['input_ids'])
    for k, (x, y) in enumerate(dls.train):
        rx, ry = mem.train.create_batch(sorted([mem.train_ds[i] for i in range(4 * k, 4 * k + 4)], key=n_tok, reverse=True))
        assert x.keys() == rx.keys() and all(torch.equal(x[n], rx[n]) for n in x)
        assert torch.equal(y, ry) and y.dtype == ry.dtype
    assert k == 5
    # shuffled and bucketed: every row still has the ids the in-memory transform gives its text
    tfm = mem.train_ds.tls[0].tfms[-1]
    ids = {tuple(tfm(t)['input_ids']) for t in imdb.text[~imdb.is_valid]}
    dl = HFStreamDL(lambda: iter(rows_of(imdb[~imdb.is_valid])), dls.valid_ds, steps=3, bs=4, shuffle_buffer=8, sort_chunk=3, seed=1)
    assert all(tuple(dl.next_item()[0]['input_ids']) in ids for _ in range(60))

def test_state_dict_resumes_the_stream(tok, imdb):
    dls = stream_dls(tok, imdb)
    a = HFStreamDL(lambda: iter(rows_of(imdb[~imdb.is_valid])), dls.valid_ds, steps=4, bs=4, shuffle_buffer=8, sort_chunk=2, seed=0)
    for _ in range(10): a.next_item()
    st = a.state_dict(); after = [a.next_item() for _ in range(50)]
    assert a.passes >= 2  # 24 rows: read again
    b = HFStreamDL(lambda: iter(rows_of(imdb[~imdb.is_valid])), dls.valid_ds, steps=4, bs=4, shuffle_buffer=8, sort_chunk=2, seed=0)
    b.load_state_dict(st)
    assert all(np.array_equal(u[0]['input_ids'], v[0]['input_ids']) and u[1] == v[1] for u, v in zip(after, [b.next_item() for _ in range(50)]))

def tiny_learner(dls, seed=0):
    "A tiny random BERT (hidden 32, 2 layers) with MiniLM's vocabulary, through `hf_classifier_learner`."
    from transformers import BertConfig, BertForSequenceClassification
    from fastai.torch_core import set_seed
    from fasthf.classification import hf_classifier_learner
    set_seed(seed)
    cfg = BertConfig(vocab_size=dls.tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                     max_position_embeddings=64)
    return hf_classifier_learner(dls, BertForSequenceClassification(cfg), pretrained=False)

def test_trains_and_validates(tok, imdb, tmp_path):
    learn = tiny_learner(stream_dls(tok, imdb, path=tmp_path))
    w0 = {k: v.clone() for k, v in learn.model.state_dict().items()}
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    assert learn.dls.train.state_dict()['rows'] > 0
    assert not all(torch.equal(v, learn.model.state_dict()[k]) for k, v in w0.items())
    loss, acc = learn.validate()
    assert np.isfinite(loss) and 0 <= acc <= 1
    assert learn.predict_batch(['A wonderful film.'])[0]['label'] in ('negative', 'positive')
    assert learn.hf_model.config.id2label == {0: 'negative', 1: 'positive'}

def stream_learner(seed, tok, imdb, tmp):
    "Every run reads the same stream from its start (same data seed); `seed` sets the weights and the torch generators."
    return tiny_learner(stream_dls(tok, imdb, path=tmp), seed)

@pytest.fixture(scope='module')
def reference(tok, imdb, tmp_path_factory, fit_recorded):
    "The batches and weights of an uninterrupted run."
    n = torch.get_num_threads(); torch.set_num_threads(1)  # made before `one_thread` runs
    try: return fit_recorded(stream_learner(0, tok, imdb, tmp_path_factory.mktemp('ref')))
    finally: torch.set_num_threads(n)

@pytest.mark.parametrize('crash_at,every,pos', [(5, None, (1, 0)), (7, 2, (1, 2))], ids=['after-epoch-1', 'mid-epoch-2'])
def test_checkpoint_resume_is_exact(tok, imdb, tmp_path, reference, fit_recorded, crash_at, every, pos):
    "Interrupted after epoch 1 (or in epoch 2) and resumed: the batches and weights of the uninterrupted run; without the stream's position, others."
    from fastai.callback.core import Callback
    from fasthf.checkpoint import CheckpointCallback, load_checkpoint
    class Crash(Callback):
        def after_batch(self):
            if self.training and self.train_iter == crash_at: raise RuntimeError('crash')
    ref_seen, ref_w = reference
    assert len(ref_seen) == 8
    ck = tmp_path/'ck.safetensors'
    with pytest.raises(RuntimeError, match='crash'): fit_recorded(stream_learner(0, tok, imdb, tmp_path), [CheckpointCallback(ck, every=every), Crash()])
    meta = load_checkpoint(ck)[1]
    assert (meta['epoch'], meta['batch']) == pos and 'loader' in meta
    ck2 = shutil.copy(ck, tmp_path/'copy.safetensors')  # the resumed run overwrites `ck`
    seen, w = fit_recorded(stream_learner(1, tok, imdb, tmp_path), [CheckpointCallback(ck, resume=True)])  # other weights and seed: all from the checkpoint
    assert len(seen) == 8 - 4 * pos[0] - pos[1]
    assert all(torch.equal(u, v) for u, v in zip(seen, ref_seen[8 - len(seen):]))
    assert all(torch.equal(w[k], v) for k, v in ref_w.items())  # bit-identical weights
    lost = stream_learner(1, tok, imdb, tmp_path)
    lost.dls.train.load_state_dict = lambda st: None  # resumed without the stream's position
    seen, w = fit_recorded(lost, [CheckpointCallback(ck2, resume=True)])
    assert not all(torch.equal(u, v) for u, v in zip(seen, ref_seen[8 - len(seen):]))
    assert not all(torch.equal(w[k], v) for k, v in ref_w.items())

def test_multilabel_and_regression(tok):
    from fasthf.classification import problem_type
    ml = [{'text': f'review {i}', 'tags': ['funny', 'long'][: i % 2 + 1] + (['sad'] if i % 3 == 0 else [])} for i in range(12)]
    dls = HFDataLoaders.from_stream(ml, tok, label_col='tags', valid_rows=4, steps=2, bs=2, device='cpu')
    assert list(dls.vocab) == ['funny', 'long', 'sad'] and problem_type(dls) == 'multi_label_classification'
    assert dls.one_batch()[1].shape == (2, 3)
    cols = [{'text': f'review {i}', 'funny': i % 2, 'sad': int(i % 3 == 0)} for i in range(12)]
    dls = HFDataLoaders.from_stream(cols, tok, label_col=['funny', 'sad'], valid_rows=4, steps=2, bs=2, device='cpu')
    assert list(dls.vocab) == ['funny', 'sad'] and dls.one_batch()[1].dtype == torch.float32
    reg = [{'text': f'review {i}', 'stars': i / 2} for i in range(12)]
    dls = HFDataLoaders.from_stream(reg, tok, label_col='stars', valid_rows=4, steps=2, bs=2, shuffle_buffer=1, sort_chunk=1, device='cpu')
    assert problem_type(dls) == 'regression' and dls.one_batch()[1].tolist() == [2.0, 2.5]

def test_sources(tok, imdb, tmp_path):
    "A list of table files, a generator (with validation rows given), a `datasets` stream with `ClassLabel` ids."
    import datasets
    trn = imdb[~imdb.is_valid].iloc[:6][['text', 'label']]
    trn.to_csv(tmp_path/'a.csv', index=False); trn.to_parquet(tmp_path/'b.parquet')
    dls = HFDataLoaders.from_stream([tmp_path/'a.csv', tmp_path/'b.parquet'], tok, valid=imdb[imdb.is_valid], steps=2, bs=4, max_len=32, device='cpu')
    assert dls.one_batch()[0]['input_ids'].shape == (4, 32) and dls.train.state_dict()['rows'] == 12
    dls = HFDataLoaders.from_stream((r for r in rows_of(trn)), tok, valid=imdb[imdb.is_valid], steps=1, bs=6, shuffle_buffer=1, sort_chunk=1,
                                    max_len=32, device='cpu')
    assert len(dls.one_batch()[1]) == 6  # the row peeked at to check the stream is not lost
    feats = datasets.Features({'text': datasets.Value('string'), 'label': datasets.ClassLabel(names=['neg', 'pos'])})
    ds = datasets.Dataset.from_dict({'text': ['good', 'bad', 'fine', 'awful'], 'label': [1, 0, 1, 0]}, features=feats).to_iterable_dataset()
    dls = HFDataLoaders.from_stream(ds, tok, valid_rows=2, steps=1, bs=2, device='cpu')
    assert list(dls.vocab) == ['neg', 'pos'] and sorted(dls.one_batch()[1].tolist()) == [0, 1]

def read_all(dls): return [b for b in dls.train]

BAD = {
    'empty stream': (lambda t, v: HFDataLoaders.from_stream([], t), 'the stream yielded no rows'),
    'empty stream, valid given': (lambda t, v: HFDataLoaders.from_stream([], t, valid=v), 'the stream yielded no rows'),
    'all held out': (lambda t, v: HFDataLoaders.from_stream(rows_of(v)[:3], t), 'the stream has 3 rows, all held out for validation (valid_rows=500)'),
    'no text column': (lambda t, v: HFDataLoaders.from_stream([{'txt': 'a', 'label': 'x'}], t, valid=v),
                       "row 0 of the stream has no column 'text' (columns: txt, label): pass text_col="),
    'no label column': (lambda t, v: read_all(HFDataLoaders.from_stream(rows_of(v)[:2] + [{'text': 'a', 'stars': 1}], t, valid=v, steps=2, bs=2, device='cpu')),
                        "row 2 of the stream has no column 'label' (columns: text, stars)"),
    'empty text': (lambda t, v: read_all(HFDataLoaders.from_stream(rows_of(v)[:5] + [{'text': ' \u200b', 'label': 'positive'}], t, valid=v, steps=2, bs=4, device='cpu')),
                   "empty text at row 5 (column 'text') of the stream"),
    'unknown label': (lambda t, v: read_all(HFDataLoaders.from_stream(rows_of(v)[:5] + [{'text': 'so so', 'label': 'neutral'}], t, valid=v, steps=2, bs=4, device='cpu')),
                      "label 'neutral' at row 5 of the stream is not one of the 2 classes ('negative', 'positive'), which are those of the validation rows unless given: pass vocab="),
    'generator held out': (lambda t, v: HFDataLoaders.from_stream(iter(rows_of(v)), t), 'a generator can be read only once'),
    'generator read twice': (lambda t, v: read_all(HFDataLoaders.from_stream(iter(rows_of(v)[:6]), t, valid=v, steps=2, bs=4, sort_chunk=1, device='cpu')),
                             'the stream ended after 6 training rows and a generator can be read only once'),
    'one class': (lambda t, v: HFDataLoaders.from_stream(rows_of(v), t, valid=v[v.label == 'positive']), "the validation rows hold a single class ('positive')"),
}

@pytest.mark.parametrize('case', list(BAD))
def test_bad_input(tok, imdb, case):
    "Each bad input is one `HFDataError` line naming it."
    f, msg = BAD[case]
    with pytest.raises(HFDataError) as e: f(tok, imdb[imdb.is_valid])
    assert msg in str(e.value) and '\n' not in str(e.value)
