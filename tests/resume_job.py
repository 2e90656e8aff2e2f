"A training job for the kill-and-resume test: tiny BERT on the shipped sample, 2 epochs, checkpoint every 2 steps (resumes if one exists)."
import sys, time
from pathlib import Path
import pandas as pd
from safetensors.torch import save_file
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification
from fastai.callback.core import Callback
from fastai.torch_core import set_seed
from fasthf.data import HFDataLoaders
from fasthf.classification import hf_classifier_learner
from fasthf.checkpoint import CheckpointCallback
from fasthf.cli import SAMPLE_DATA, default_model

ck, out, seed, delay = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
class Slow(Callback):
    "Sleep after each step so the test can kill the process mid-epoch (timing only: no randomness)."
    def after_batch(self): time.sleep(delay)
set_seed(seed)
df = pd.read_csv(SAMPLE_DATA)
df = pd.concat([df[~df.is_valid].iloc[:96], df[df.is_valid].iloc[:32]])
tok = AutoTokenizer.from_pretrained(default_model())
cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
learn = hf_classifier_learner(HFDataLoaders.from_df(df, tok, max_len=64, bs=8), BertForSequenceClassification(cfg), pretrained=False)
with learn.no_bar(), learn.no_logging():
    learn.fit_one_cycle(2, 1e-3, cbs=[CheckpointCallback(ck, every=2, resume=True), Slow()])
save_file({k: v.contiguous() for k, v in learn.model.state_dict().items()}, str(out))
print(learn.recorder.values[-1])
