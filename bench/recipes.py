"""fasthf's default recipe vs the HF Trainer's defaults, side by side, on each task's validation split.

    python bench/recipes.py [--tasks imdb,toxic,ner,qa,samsum] [--seeds 0,1,2] [--epochs 2] [--n-train N] [--n-valid N]
                            [--threads N] [--fasthf-flags '{"lr": 3e-4}']
    python bench/recipes.py --from-json runs/*.jsonl    # one table from the JSON lines of several runs

Both ways get the same model (all-MiniLM-L6-v2), data, epochs, maximum length, batch size (16) and seed. fasthf runs
exactly what `fasthf-train --task T --data train --valid valid --epochs E --seed S` runs (its defaults: recipe, learning
rate, head, optimizer); where that recipe first trains a new head alone (multilabel's `freeze_epochs` 1, the warm-started
summariser's new cross-attention), fasthf runs `freeze_epochs + E` epochs and the Trainer gets as many (the
`total_epochs` field). The Trainer runs with its own defaults (AdamW at 5e-5, linear decay, no warm-up, no weight decay)
and the HF course's pre-processing (`datasets.map`, dynamic padding by the task's collator). Every score is computed on
the validation split (never a test split) by the same scorer for both ways. Prints one JSON line per run, then a
markdown table: the mean over seeds ± the standard deviation (the seed spread).

samsum (summarization): SAMSum's only split here (818 dialogues, '\r\n' read as '\n') is cut with a fixed 20% held out
(`sample(frac=0.2, random_state=42)`); the first n_train / n_valid rows of each part are used (default 300 / 80); sources
cut at 128 tokens, summaries at 64. The encoder-only --model (MiniLM) warm-starts an EncoderDecoderModel
(MiniLM2MiniLM, `fasthf.seq2seq.warm_start_seq2seq`) both ways. fasthf's default recipe trains the new cross-attention
alone for `freeze_epochs` (1) epochs, then everything for --epochs: E + 1 epochs in all, so the Trainer gets the same
total (the `total_epochs` field). The Trainer's way: `Seq2SeqTrainer` with its defaults, run_summarization's
pre-processing, `DataCollatorForSeq2Seq`; like fasthf's data, its labels drop a first token equal to the decoder start
(BERT tokenizers start targets with [CLS], the decoder's start token). Both are scored alike: the saved model folder's
greedy generations (`predict_seq2seq`, as `fasthf-predict`, up to 64 new tokens) of the validation dialogues, ROUGE-1/2/L
(`rouge_scores`) against the raw reference summaries; the table reports ROUGE-1 (× 100), the JSON all three.
`predict_seq2seq` keeps no training length: generation reads dialogues up to the tokenizer's model_max_length (512),
not 128 tokens, the same for both ways. A Lead-3 line (the first three lines of each dialogue, no model) is printed
for reference (a JSON line, and a line under the table).
"""
import argparse, json, os, shutil, statistics, tempfile, time, warnings
from pathlib import Path
import numpy as np, pandas as pd, torch
from transformers import (AutoModelForQuestionAnswering, AutoModelForSequenceClassification, AutoModelForTokenClassification,
                          AutoTokenizer, DataCollatorForSeq2Seq, DataCollatorForTokenClassification, DataCollatorWithPadding,
                          Seq2SeqTrainer, Seq2SeqTrainingArguments, Trainer, TrainingArguments, set_seed)
import datasets
from seqeval.metrics import f1_score
from fasthf.external import get_data
from fasthf.tasks import default_model, get_task
from fasthf.cli import fasthf_train
from fasthf.ner import read_conll
from fasthf.qa import QADataLoaders, read_squad
from fasthf.seq2seq import predict_seq2seq, rouge_scores, warm_start_seq2seq

TOXIC = ['toxic', 'severe_toxic', 'obscene', 'threat', 'insult', 'identity_hate']
# task → (fasthf task, the metric both ways report, max length, default train/valid rows)
TASKS = {'imdb': ('classification', 'accuracy', 128, 800, 200), 'toxic': ('multilabel', 'f1_micro', 128, 1000, 500),
         'ner': ('ner', 'f1', 128, 2000, 500), 'qa': ('qa', 'f1', 256, 600, 300),
         'samsum': ('summarization', 'rouge1', 128, 300, 80)}
SAM_TARGET_LEN = 64  # samsum: summaries cut at 64 tokens; generation up to 64 new tokens
ROUGE = ('rouge1', 'rouge2', 'rougeL')

def write_data(task, d:Path, n_train, n_valid)->tuple:
    "The task's train and validation files (the first rows of the shared splits), written under `d`; fasthf-train flags."
    if task == 'imdb':
        df = pd.read_csv(get_data('imdb_sample')/'texts.csv')
        df[~df.is_valid][['text', 'label']][:n_train].to_csv(d/'train.csv', index=False)
        df[df.is_valid][['text', 'label']][:n_valid].to_csv(d/'valid.csv', index=False)
        return d/'train.csv', d/'valid.csv', {}
    if task == 'toxic':
        src = get_data('toxic_comments_multilabel')
        pd.read_csv(src/'train_sample.csv')[['comment_text'] + TOXIC][:n_train].to_csv(d/'train.csv', index=False)
        pd.read_csv(src/'val_sample.csv')[['comment_text'] + TOXIC][:n_valid].to_csv(d/'valid.csv', index=False)
        return d/'train.csv', d/'valid.csv', {'text_col': 'comment_text', 'label_col': ','.join(TOXIC)}
    if task == 'ner':
        src = get_data('conll2003_en')
        for f, n in (('train.txt', n_train), ('valid.txt', n_valid)):
            sents = (src/f).read_text().strip().split('\n\n')[:n]
            (d/f).write_text('\n\n'.join(sents) + '\n')
        return d/'train.txt', d/'valid.txt', {}
    if task == 'samsum':
        sam = pd.read_json(get_data('samsum')/'validation.jsonl', lines=True)  # SAMSum's only split here
        sam['dialogue'] = sam.dialogue.str.replace('\r\n', '\n')
        held = sam.sample(frac=0.2, random_state=42).index  # a fixed 20% held out as validation
        sam[~sam.index.isin(held)][['dialogue', 'summary']][:n_train].to_csv(d/'train.csv', index=False)
        sam.loc[held][['dialogue', 'summary']][:n_valid].to_csv(d/'valid.csv', index=False)
        return d/'train.csv', d/'valid.csv', {'source_col': 'dialogue', 'target_col': 'summary', 'max_target_len': SAM_TARGET_LEN}
    src = get_data('squad_v1.1')
    for f, n in (('train.jsonl', n_train), ('validation.jsonl', n_valid)):
        (d/f).write_text(''.join((src/f).read_text().splitlines(keepends=True)[:n]))
    return d/'train.jsonl', d/'validation.jsonl', {}

def run_fasthf(task, trn, val, flags, a, seed, max_len, metric, extra)->dict:
    "`fasthf-train` with its defaults; the validation score from its metrics.json."
    out = Path(tempfile.mkdtemp())/'out'
    t0 = time.perf_counter()
    fasthf_train(task=TASKS[task][0], data=str(trn), valid=str(val), model=a.model, out=str(out), epochs=a.epochs, seed=seed,
                 bs=a.bs, max_len=max_len, **flags, **extra)
    if task == 'samsum':  # scored like the Trainer: the saved folder's generations against the raw summaries
        r = samsum_scores(out/'model', val); shutil.rmtree(out.parent)
        return {**r, 'seconds': round(time.perf_counter() - t0, 1)}
    m = json.loads((out/'metrics.json').read_text())
    return {'score': float(m[metric]), 'seconds': round(time.perf_counter() - t0, 1)}

def total_epochs(a, task)->int:
    "The epochs fasthf runs: the task's `freeze_epochs` (its default unless --fasthf-flags sets it: a new head or cross-attention alone), then --epochs; the Trainer gets as many."
    t = get_task(TASKS[task][0])
    return a.epochs + json.loads(a.fasthf_flags).get('freeze_epochs', t.all_flags()['freeze_epochs'].default)

def rouge_row(preds, refs)->dict:
    "The table's score (ROUGE-1) and ROUGE-1/2/L, all × 100."
    r = rouge_scores(preds, refs, ROUGE)
    return {'score': float(r['rouge1']), **{k: float(v) for k, v in r.items()}}

def samsum_scores(folder, val)->dict:
    "ROUGE of a saved seq2seq folder's greedy generations (`predict_seq2seq`, as `fasthf-predict`) of the validation dialogues, against the raw summaries."
    vdf = pd.read_csv(val)
    preds = predict_seq2seq(folder, list(vdf.dialogue), task='summarization', max_new_tokens=SAM_TARGET_LEN, num_beams=1, do_sample=False)
    return rouge_row([p['summary_text'] for p in preds], list(vdf.summary))

def lead3(val)->dict:
    "The Lead-3 reference: the first three lines (utterances) of each validation dialogue, against the raw summaries."
    vdf = pd.read_csv(val)
    return rouge_row(['\n'.join(d.split('\n')[:3]) for d in vdf.dialogue], list(vdf.summary))

def trainer_args(a, seed, task, cls=TrainingArguments, output_dir=None)->TrainingArguments:
    "The Trainer's defaults (`cls`: `Seq2SeqTrainingArguments` for a `Seq2SeqTrainer`), with the shared epochs (as many as fasthf runs in all), batch size and seed."
    return cls(output_dir=output_dir or tempfile.mkdtemp(), num_train_epochs=total_epochs(a, task), per_device_train_batch_size=a.bs,
               per_device_eval_batch_size=64, save_strategy='no', report_to=[], use_cpu=True, seed=seed,
               disable_tqdm=True, logging_strategy='no')

def trainer_classify(task, trn, val, a, seed, max_len, tok)->float:
    "Trainer on a sequence classifier (single-label accuracy, multi-label micro F1 at 0.5)."
    multi = task == 'toxic'
    tdf, vdf = pd.read_csv(trn), pd.read_csv(val)
    if multi: tcol, vocab = 'comment_text', TOXIC
    else: tcol, vocab = 'text', sorted(tdf.label.unique())
    def enc(df):
        ys = df[TOXIC].astype('float32').values.tolist() if multi else [vocab.index(l) for l in df.label]
        ds = datasets.Dataset.from_dict({'text': df[tcol].tolist(), 'labels': ys})
        return ds.map(lambda b: tok(b['text'], truncation=True, max_length=max_len), batched=True, remove_columns=['text'])
    set_seed(seed)
    model = AutoModelForSequenceClassification.from_pretrained(a.model, num_labels=len(vocab),
                problem_type='multi_label_classification' if multi else 'single_label_classification')
    tr = Trainer(model=model, args=trainer_args(a, seed, task), train_dataset=enc(tdf), data_collator=DataCollatorWithPadding(tok))
    tr.train()
    out = tr.predict(enc(vdf))
    if not multi: return float((out.predictions.argmax(-1) == out.label_ids).mean())
    p, y = out.predictions > 0, out.label_ids > 0.5  # logit > 0: probability > 0.5
    tp = (p & y).sum(); return float(2 * tp / max(p.sum() + y.sum(), 1))

def trainer_ner(trn, val, a, seed, max_len, tok)->float:
    "Trainer on a token classifier: labels on first sub-tokens (the HF course), seqeval entity F1."
    tdf, vdf = read_conll(trn), read_conll(val)
    labels = sorted({t for ts in tdf.tags for t in ts})
    def align(b):
        enc = tok(b['tokens'], is_split_into_words=True, truncation=True, max_length=max_len)
        enc['labels'] = []
        for i, tags in enumerate(b['tags']):
            prev, row = None, []
            for w in enc.word_ids(i):
                row.append(-100 if w is None or w == prev else labels.index(tags[w]) if tags[w] in labels else 0); prev = w
            enc['labels'].append(row)
        return enc
    to_ds = lambda d: datasets.Dataset.from_dict({'tokens': list(d.tokens), 'tags': list(d.tags)}).map(align, batched=True, remove_columns=['tokens', 'tags'])
    set_seed(seed)
    model = AutoModelForTokenClassification.from_pretrained(a.model, num_labels=len(labels))
    tr = Trainer(model=model, args=trainer_args(a, seed, 'ner'), train_dataset=to_ds(tdf), data_collator=DataCollatorForTokenClassification(tok))
    tr.train()
    out = tr.predict(to_ds(vdf))
    pred = out.predictions.argmax(-1)
    y_true = [[labels[l] for l in row if l != -100] for row in out.label_ids]
    y_pred = [[labels[q] for q, l in zip(prow, row) if l != -100] for prow, row in zip(pred, out.label_ids)]
    return float(f1_score(y_true, y_pred, zero_division=0))

def trainer_qa(trn, val, a, seed, max_len, tok)->float:
    "Trainer on extractive QA: the same windows as fasthf (run_qa's pre-processing), scored by fasthf's SQuAD post-processing."
    dls = QADataLoaders.from_squad(trn, tok, valid=val, max_len=max_len, bs=a.bs, seed=seed)
    stride = dls.task.stride
    def prepare(b):
        enc = tok([q.lstrip() for q in b['question']], b['context'], truncation='only_second', max_length=max_len, stride=stride,
                  return_overflowing_tokens=True, return_offsets_mapping=True)
        enc['start_positions'], enc['end_positions'] = [], []
        for j, k in enumerate(enc.pop('overflow_to_sample_mapping')):
            offs, seq, ids = enc['offset_mapping'][j], enc.sequence_ids(j), enc['input_ids'][j]
            cls = ids.index(tok.cls_token_id)
            ans = b['answers'][k]; sc = ans['answer_start'][0]; ec = sc + len(ans['text'][0])
            lo = seq.index(1); hi = len(seq) - 1 - seq[::-1].index(1)
            if not (offs[lo][0] <= sc and offs[hi][1] >= ec): s = e = cls
            else:
                s, e = lo, hi
                while s <= hi and offs[s][0] <= sc: s += 1
                while e >= lo and offs[e][1] >= ec: e -= 1
                s, e = s - 1, e + 1
            enc['start_positions'].append(s); enc['end_positions'].append(e)
        enc.pop('offset_mapping')
        return enc
    def to_ds(p):
        d = read_squad(p)
        ds = datasets.Dataset.from_dict({'question': list(d.question), 'context': list(d.context), 'answers': list(d.answers)})
        return ds.map(prepare, batched=True, remove_columns=['question', 'context', 'answers'])
    htrain, hvalid = to_ds(trn), to_ds(val)
    set_seed(seed)
    model = AutoModelForQuestionAnswering.from_pretrained(a.model)
    tr = Trainer(model=model, args=trainer_args(a, seed, 'qa'), train_dataset=htrain, data_collator=DataCollatorWithPadding(tok))
    tr.train()
    sl, el = tr.predict(hvalid).predictions
    valid_dl = dls.valid.new(shuffle=False)
    outs = {i: (sl[i][:len(hvalid[i]['input_ids'])], el[i][:len(hvalid[i]['input_ids'])]) for i in range(len(hvalid))}
    return float(dls.task.score(dls.task.postprocess(outs, valid_dl), valid_dl.examples)['f1'])

def trainer_samsum(trn, val, a, seed, max_len, tok)->dict:
    "Seq2SeqTrainer on the warm start fasthf builds (run_summarization's pre-processing), for fasthf's total epochs; ROUGE as fasthf's."
    tdf = pd.read_csv(trn)
    set_seed(seed)
    model = warm_start_seq2seq(a.model, tokenizer=tok)  # as fasthf builds it: MiniLM2MiniLM, start/end/pad ids from the tokenizer
    start = model.config.decoder_start_token_id
    def prep(b):
        enc = tok(b['dialogue'], max_length=max_len, truncation=True)
        labels = tok(text_target=b['summary'], max_length=SAM_TARGET_LEN, truncation=True)['input_ids']
        # as fasthf's data (HFSeq2SeqDL.target_ids): drop a first label equal to the decoder start ([CLS] here), which the
        # decoder is fed; kept, it learns to answer [CLS] with [CLS] and greedy generation writes nothing. The comparison
        # is of the recipes, not of this fix.
        enc['labels'] = [l[1:] if len(l) > 1 and l[0] == start else l for l in labels]
        return enc
    ds = datasets.Dataset.from_pandas(tdf[['dialogue', 'summary']], preserve_index=False).map(prep, batched=True, remove_columns=['dialogue', 'summary'])
    d = Path(tempfile.mkdtemp())
    # fasthf runs freeze_epochs (1) + --epochs epochs on a warm start: the Trainer gets the same total
    args = trainer_args(a, seed, 'samsum', Seq2SeqTrainingArguments, str(d/'trainer'))
    tr = Seq2SeqTrainer(model=model, args=args, train_dataset=ds, data_collator=DataCollatorForSeq2Seq(tok, model=model))
    tr.train()
    tr.save_model(str(d/'model')); tok.save_pretrained(str(d/'model'))
    r = samsum_scores(d/'model', val); shutil.rmtree(d)
    return r

def run_trainer(task, trn, val, a, seed, max_len)->dict:
    "The Trainer's way for `task`: its score on the validation split and its wall time."
    tok, t0 = AutoTokenizer.from_pretrained(a.model), time.perf_counter()
    if task == 'samsum': return {**trainer_samsum(trn, val, a, seed, max_len, tok), 'seconds': round(time.perf_counter() - t0, 1)}
    if task in ('imdb', 'toxic'): score = trainer_classify(task, trn, val, a, seed, max_len, tok)
    elif task == 'ner': score = trainer_ner(trn, val, a, seed, max_len, tok)
    else: score = trainer_qa(trn, val, a, seed, max_len, tok)
    return {'score': score, 'seconds': round(time.perf_counter() - t0, 1)}

def table(rows)->str:
    "Markdown: mean ± seed spread (standard deviation) per task and way."
    lines = ['| task (metric, train/valid rows) | fasthf defaults | HF Trainer defaults | seeds |', '|---|---|---|---|']
    for task in dict.fromkeys(r['task'] for r in rows):
        cell = lambda w: [r['score'] for r in rows if r['task'] == task and r['way'] == w]
        fmt = lambda v: f"{statistics.mean(v):.4f} ± {statistics.stdev(v) if len(v) > 1 else 0:.4f}" if v else '-'
        r0 = next(r for r in rows if r['task'] == task)
        lines.append(f"| {task} ({r0['metric']}, {r0['rows']}) | {fmt(cell('fasthf'))} | {fmt(cell('trainer'))} | {len(cell('fasthf'))} |")
    notes = list(dict.fromkeys(f"{r['task']}: Lead-3 (first three lines of each dialogue, no model) {r['metric']} {r['score']:.4f}"
                               for r in rows if r['way'] == 'lead3'))  # once, however many runs printed it
    return '\n'.join(lines + ([''] + notes if notes else []))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--tasks', default=','.join(TASKS)); p.add_argument('--seeds', default='0,1,2')
    p.add_argument('--ways', default='fasthf,trainer'); p.add_argument('--epochs', type=int, default=2)
    p.add_argument('--bs', type=int, default=16); p.add_argument('--model', default=default_model())
    p.add_argument('--n-train', type=int, default=None, help="training rows (default per task)")
    p.add_argument('--n-valid', type=int, default=None, help="validation rows (default per task)")
    p.add_argument('--threads', type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument('--fasthf-flags', default='{}', help="extra fasthf-train flags as JSON (to compare recipes)")
    p.add_argument('--from-json', nargs='+', default=None, help="print the table of the JSON lines saved in these files (runs nothing)")
    a = p.parse_args()
    if a.from_json:  # runs split over several processes (one per task or seed) make one table
        return print(table([json.loads(l) for f in a.from_json for l in Path(f).read_text().splitlines() if l.startswith('{"task"')]))
    if a.threads: torch.set_num_threads(a.threads)
    warnings.filterwarnings('ignore')
    rows = []
    for task in a.tasks.split(','):
        _, metric, max_len, n_trn, n_val = TASKS[task]
        d = Path(tempfile.mkdtemp())
        trn, val, extra = write_data(task, d, a.n_train or n_trn, a.n_valid or n_val)
        more = {'total_epochs': total_epochs(a, task)}  # fasthf's frozen epoch(s) + --epochs, both ways
        if task == 'samsum':
            rows.append({'task': task, 'way': 'lead3', 'seed': None, 'metric': metric, 'rows': f"{a.n_train or n_trn}/{a.n_valid or n_val}", **lead3(val)})
            print(json.dumps(rows[-1]), flush=True)
        for seed in map(int, a.seeds.split(',')):
            for way in a.ways.split(','):
                r = (run_fasthf(task, trn, val, json.loads(a.fasthf_flags), a, seed, max_len, metric, extra) if way == 'fasthf'
                     else run_trainer(task, trn, val, a, seed, max_len))
                rows.append({'task': task, 'way': way, 'seed': seed, 'metric': metric, 'epochs': a.epochs, **more,
                             'rows': f"{a.n_train or n_trn}/{a.n_valid or n_val}", **r})
                print(json.dumps(rows[-1]), flush=True)
    print(table(rows))

if __name__ == '__main__': main()
