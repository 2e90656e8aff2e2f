"""T5-type encoder-decoders trained from scratch with fasthf and with HF's `Seq2SeqTrainer`: same weights, data, epochs.

    python bench/seq2seq_trainer.py [--tasks multi30k,samsum] [--size small] [--epochs 6] [--threads N]
                                    [--mt-train N] [--mt-valid N] [--sam-rows N]

The side-by-side comparison nbs/13_seq2seq_tasks ran before it moved to warm-started models (its version at commit
1db5daa, full budget), with the same settings; the defaults are that budget (about 50 minutes on a 2-core CPU).
- Multi30k en->de: the 3,000 training and 1,014 validation pairs, no prefix, sources and targets cut at 64 tokens;
  BLEU/chrF (sacrebleu) of greedy generations; an untrained row (the same initial weights, before training).
- SAMSum: its 818 validation dialogues (its only split here) cut 80/20 with seed 42 (655/163), prefix 'summarize: ',
  sources cut at 256 tokens, summaries at 64, generation with no_repeat_ngram_size=3; ROUGE-1/2/L (and Lsum for
  fasthf and Lead-3, the first three utterances); references are the summaries tokenised and decoded (as both
  ways' generation metrics see them).
Both ways: T5's tokenizer, a `seq2seq_config(tok, size, 't5', dropout_rate=0.0)` model whose initial weights are
shared, batch size 16, the same epochs and peak LR 3e-3, seed 42, generation up to 64 new tokens. fasthf trains with
`fit_one_cycle` (generating every max(epochs // 2, 1) epochs); the Trainer with its defaults (AdamW, linear decay, no
warm-up), data tokenised with `datasets.map` (as HF's run_translation/run_summarization), `DataCollatorForSeq2Seq`,
scored by `predict_with_generate` on the same validation rows. fasthf's train time is its whole `fit` (validation
and generation passes included); the Trainer's is `train()` alone (its generation runs in `evaluate` afterwards).
The Trainer writes only into a temporary folder. No test rows are read.
Prints a table per task, then one JSON line (last line).
"""
import os, warnings
warnings.filterwarnings('ignore', category=FutureWarning)  # library import noise (torch.jit.script deprecation, ...)
warnings.filterwarnings('ignore', category=DeprecationWarning)
os.environ.setdefault('TRANSFORMERS_VERBOSITY', 'error')
import argparse, json, math, tempfile, time
import numpy as np
import pandas as pd
import torch
import datasets, transformers
from fastai.torch_core import set_seed
from transformers import AutoTokenizer, AutoModelForSeq2SeqLM, DataCollatorForSeq2Seq, Seq2SeqTrainer, Seq2SeqTrainingArguments
from transformers.trainer_callback import PrinterCallback
from fasthf.external import DataRoot
from fasthf.seq2seq import Seq2SeqDataLoaders, hf_seq2seq_learner, seq2seq_config, rouge_scores, bleu_scores

DATA = DataRoot()  # the datasets through fasthf's data helper ($FASTHF_DATA mirror, cache, or download)
MT_LEN, SAM_LEN, TARGET_LEN, SAM_PREFIX = 64, 256, 64, 'summarize: '
SAM_GEN = {'no_repeat_ngram_size': 3}

def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--tasks', default='multi30k,samsum', help='comma-separated: multi30k, samsum')
    p.add_argument('--size', default='small', help='fasthf.lm.SIZES key of the T5-type model (small: 4 + 4 blocks, 256 wide)')
    p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--lr', type=float, default=3e-3, help="peak LR: fasthf's one-cycle maximum, the Trainer's AdamW starting LR")
    p.add_argument('--bs', type=int, default=16, help='training batch size (both ways)')
    p.add_argument('--every', type=int, default=None, help='fasthf generates (scores) every N epochs during fit; default max(epochs // 2, 1)')
    p.add_argument('--mt-train', type=int, default=None, help='Multi30k training pairs: the first N of 3,000 (default all)')
    p.add_argument('--mt-valid', type=int, default=None, help='Multi30k validation pairs: the first N of 1,014 (default all)')
    p.add_argument('--sam-rows', type=int, default=None, help='SAMSum dialogues: the first N of 818, before the 80/20 cut (default all)')
    p.add_argument('--threads', type=int, default=None, help='torch threads (default: all cores)')
    p.add_argument('--seed', type=int, default=42, help='training seed of both ways (the SAMSum cut always uses 42)')
    a = p.parse_args()
    a.every = a.every or max(a.epochs // 2, 1)
    a.tasks = a.tasks.split(',')
    bad = set(a.tasks) - {'multi30k', 'samsum'}
    if bad: p.error(f"unknown tasks {sorted(bad)}")
    return a

def rnd(d:dict)->dict: return {k: round(float(v), 3) for k, v in d.items()}

def fasthf_run(dls, cfg, task, gen=None, untrained=False)->dict:
    "Train a new model of `cfg` with fasthf's one-cycle; its initial weights (for the Trainer) and scores (the last epoch's)."
    set_seed(ARGS.seed)
    learn = hf_seq2seq_learner(dls, cfg, task=task, every=ARGS.every, generation=gen)
    init = {k: v.clone() for k, v in learn.hf_model.state_dict().items()}  # the Trainer starts from these same weights
    res = {'params_M': round(sum(p.numel() for p in learn.hf_model.parameters()) / 1e6, 1)}
    with learn.no_bar(), learn.no_logging():
        if untrained:
            v = learn.validate()
            res['untrained'] = {'valid_loss': round(float(v[0]), 3), 'scores': rnd(dict(zip([m.name for m in learn.metrics], v[1:])))}
        t0 = time.perf_counter()
        learn.fit_one_cycle(ARGS.epochs, ARGS.lr)
        t = time.perf_counter() - t0
    last = dict(zip(learn.recorder.metric_names[1:], learn.recorder.values[-1]))
    res['fasthf'] = {'valid_loss': round(float(last.pop('valid_loss')), 3), 'train_s': round(t, 1),
                     'scores': rnd({k: v for k, v in last.items() if k != 'train_loss'})}
    return res, init, str(getattr(dls, 'device', None) or 'cpu')

def trainer_run(tok, cfg, state, device, train_df, valid_df, src, tgt, prefix, max_len, scores, gen=None)->dict:
    "Train the model `cfg` from weights `state` with `Seq2SeqTrainer`; its generated scores and training time."
    def prep(b):
        enc = tok([prefix + s for s in b[src]], max_length=max_len, truncation=True)
        enc['labels'] = tok(text_target=b[tgt], max_length=TARGET_LEN, truncation=True)['input_ids']
        return enc
    to_ds = lambda d: datasets.Dataset.from_pandas(d[[src, tgt]], preserve_index=False).map(prep, batched=True, remove_columns=[src, tgt])
    set_seed(ARGS.seed)
    model = AutoModelForSeq2SeqLM.from_config(cfg); model.load_state_dict(state)
    model.generation_config.max_new_tokens = TARGET_LEN
    for k, v in (gen or {}).items(): setattr(model.generation_config, k, v)
    def compute(p):
        preds = np.where(p.predictions != -100, p.predictions, tok.pad_token_id)
        labels = np.where(p.label_ids != -100, p.label_ids, tok.pad_token_id)
        return scores(tok.batch_decode(preds, skip_special_tokens=True), tok.batch_decode(labels, skip_special_tokens=True))
    with tempfile.TemporaryDirectory() as out:  # nothing is saved (save_strategy='no'); the folder goes with the run
        args = Seq2SeqTrainingArguments(output_dir=out, num_train_epochs=ARGS.epochs, per_device_train_batch_size=ARGS.bs,
                                        per_device_eval_batch_size=64, learning_rate=ARGS.lr, save_strategy='no', report_to='none',
                                        use_cpu=torch.device(device).type == 'cpu', seed=ARGS.seed, disable_tqdm=True,
                                        predict_with_generate=True, logging_strategy='no')
        trainer = Seq2SeqTrainer(model=model, args=args, train_dataset=to_ds(train_df), eval_dataset=to_ds(valid_df),
                                 data_collator=DataCollatorForSeq2Seq(tok, model=model), compute_metrics=compute)
        trainer.remove_callback(PrinterCallback)  # with disable_tqdm it would print the train/eval log dicts
        t0 = time.perf_counter(); trainer.train(); t = time.perf_counter() - t0
        ev = trainer.evaluate()
    return {'valid_loss': round(float(ev['eval_loss']), 3), 'train_s': round(t, 1),
            'scores': rnd({k[5:]: v for k, v in ev.items() if k[5:] in ('bleu', 'chrf', 'rouge1', 'rouge2', 'rougeL')})}

def multi30k(tok)->dict:
    train = pd.read_csv(DATA/'multi30k_en_de_fr'/'train.csv').iloc[:ARGS.mt_train]
    valid = pd.read_csv(DATA/'multi30k_en_de_fr'/'validation.csv').iloc[:ARGS.mt_valid]
    dls = Seq2SeqDataLoaders.from_df(train, tok, valid_df=valid, source_lang='en', target_lang='de', max_len=MT_LEN, bs=ARGS.bs)
    cfg = seq2seq_config(tok, ARGS.size, 't5', dropout_rate=0.0)
    res, init, device = fasthf_run(dls, cfg, 'translation', untrained=True)
    print(f"Multi30k fasthf: {res['fasthf']['scores']}", flush=True)
    res['trainer'] = trainer_run(tok, cfg, init, device, train, valid, 'en', 'de', '', MT_LEN, bleu_scores)
    print(f"Multi30k Seq2SeqTrainer: {res['trainer']['scores']}", flush=True)
    return {'train_pairs': len(dls.train_ds), 'valid_pairs': len(dls.valid_ds), 'device': device, **res}

def samsum(tok)->dict:
    sam = pd.read_json(DATA/'samsum'/'validation.jsonl', lines=True)
    sam['dialogue'] = sam.dialogue.str.replace('\r\n', '\n')
    sam = sam.iloc[:ARGS.sam_rows]
    dls = Seq2SeqDataLoaders.from_df(sam, tok, 'dialogue', 'summary', valid_pct=0.2, seed=42, prefix=SAM_PREFIX, max_len=SAM_LEN,
                                     max_target_len=TARGET_LEN, bs=ARGS.bs)  # the fixed 80/20 cut (655/163 of 818)
    valid, train = sam.loc[[r.name for r in dls.valid_ds.items]], sam.loc[[r.name for r in dls.train_ds.items]]
    lead3 = ['\n'.join(d.split('\n')[:3]) for d in valid.dialogue]
    refs = [tok.decode(tok(text_target=s, max_length=TARGET_LEN, truncation=True)['input_ids'], skip_special_tokens=True) for s in valid.summary]
    out = {'train_pairs': len(train), 'valid_pairs': len(valid), 'lead3': {'scores': rnd(rouge_scores(lead3, refs))}}
    cfg = seq2seq_config(tok, ARGS.size, 't5', dropout_rate=0.0)
    res, init, device = fasthf_run(dls, cfg, 'summarization', gen=SAM_GEN)
    print(f"SAMSum fasthf: {res['fasthf']['scores']}", flush=True)
    res['trainer'] = trainer_run(tok, cfg, init, device, train, valid, 'dialogue', 'summary', SAM_PREFIX, SAM_LEN,
                                 lambda p, r: rouge_scores(p, r, ('rouge1', 'rouge2', 'rougeL')), gen=SAM_GEN)
    print(f"SAMSum Seq2SeqTrainer: {res['trainer']['scores']}", flush=True)
    return {**out, 'device': device, **res}

NAMES = {'untrained': 'untrained (same initial weights)', 'lead3': 'Lead-3 (first three utterances)',
         'fasthf': 'fasthf (one-cycle {lr:g})', 'trainer': 'Seq2SeqTrainer (AdamW {lr:g}, linear decay)'}

def table(task, r)->str:
    rows = {NAMES[k].format(lr=ARGS.lr): {**r[k]['scores'], 'valid_loss': r[k].get('valid_loss'), 'train_s': r[k].get('train_s')}
            for k in NAMES if k in r}
    head = f"{task}: {r['train_pairs']} training / {r['valid_pairs']} validation pairs, {ARGS.size} T5-type model ({r['params_M']}M), {ARGS.epochs} epochs, bs {ARGS.bs}"
    return head + '\n' + pd.DataFrame.from_dict(rows, orient='index').to_string(na_rep='-') + '\n'

if __name__ == '__main__':
    ARGS = parse()
    transformers.logging.set_verbosity_error()
    datasets.disable_progress_bars()
    torch.set_num_threads(ARGS.threads or min(torch.get_num_threads(), os.cpu_count() or 1))
    tok = AutoTokenizer.from_pretrained(DATA/'tokenizers'/'t5-small')  # T5's SentencePiece vocabulary (32,100 tokens)
    rep, t0 = {'config': {**vars(ARGS), 'threads': torch.get_num_threads()}, 'results': {}}, time.perf_counter()
    if 'multi30k' in ARGS.tasks: rep['results']['multi30k'] = multi30k(tok)
    if 'samsum' in ARGS.tasks: rep['results']['samsum'] = samsum(tok)
    rep['total_s'] = round(time.perf_counter() - t0, 1)
    print()
    for task, r in rep['results'].items(): print(table(task, r))
    print(json.dumps(rep))
