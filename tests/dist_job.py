"The job `test_distributed.py` launches in 2 processes: a tiny BERT on the shipped sample under `distrib_ctx`; each rank reports what it saw."
import hashlib, json, sys
from pathlib import Path
import pandas as pd
from fastai.callback.core import Callback
from fastai.torch_core import set_seed, rank_distrib, num_distrib
import fastai.distributed  # `Learner.distrib_ctx`
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification
from fasthf.data import HFDataLoaders
from fasthf.classification import hf_classifier_learner
from fasthf.checkpoint import CheckpointCallback
from fasthf.cli import SAMPLE_DATA, default_model

out, rank = Path(sys.argv[1]), rank_distrib()

class Seen(Callback):
    "The training items this rank's loader gave out, per epoch."
    order = 100
    def before_fit(self): self.epochs = []
    def after_train(self): self.epochs.append([int(i) for i in self.learn.dl.shard])

def data():
    df = pd.read_csv(SAMPLE_DATA)
    df = pd.concat([df[~df.is_valid].iloc[:96], df[df.is_valid].iloc[:40]])
    return HFDataLoaders.from_df(df, AutoTokenizer.from_pretrained(default_model()), max_len=64, bs=8)

def model():
    return BertForSequenceClassification(BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                                    intermediate_size=64, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0))

def digest(m)->str: return hashlib.sha256(b''.join(v.detach().cpu().numpy().tobytes() for _, v in sorted(m.state_dict().items()))).hexdigest()

if __name__ == '__main__':
    set_seed(42)
    learn = hf_classifier_learner(data(), model(), pretrained=False)
    seen = Seen()
    with learn.distrib_ctx():
        learn.fit_one_cycle(2, 1e-3, cbs=[seen, CheckpointCallback(out/f'ck_rank{rank}.safetensors')])
        metrics = [float(v) for v in learn.validate()]  # validation sharded over the ranks, gathered
    learn.save_pretrained(out/f'model_rank{rank}')    # written by rank 0 only
    learn.save_encoder(out/f'encoder_rank{rank}.safetensors')
    (out/f'rank{rank}.json').write_text(json.dumps({'world': num_distrib(), 'digest': digest(learn.model), 'seen': seen.epochs,
                                                    'metrics': metrics, 'n_train': len(learn.dls.train_ds)}))
