"Warm-started encoder-decoders on real checkpoints: MiniLM2MiniLM, a fine-tuned classifier's folder as the encoder, and the benchmark's report."
import json, subprocess, sys
from pathlib import Path
import pandas as pd
import pytest
import torch
from transformers import AutoModel, AutoTokenizer, EncoderDecoderModel

from fasthf.seq2seq import Seq2SeqDataLoaders, hf_seq2seq_learner, predict_seq2seq, seq2seq_splitter, warm_start_new_params, warm_start_seq2seq

BENCH = Path(__file__).resolve().parent.parent/'bench'

@pytest.mark.slow
def test_minilm2minilm(minilm):
    "The real MiniLM folder warm-starts both halves; only cross-attention and the LM head's transform are new; it generates."
    tok = AutoTokenizer.from_pretrained(minilm)
    m = warm_start_seq2seq(minilm)
    src = AutoModel.from_pretrained(minilm)
    for n, p in src.named_parameters():
        if not n.startswith('pooler'): assert torch.equal(m.encoder.get_parameter(n), p) and torch.equal(m.decoder.bert.get_parameter(n), p), n
    new = {n for n, p in m.named_parameters() if any(p is o for o in warm_start_new_params(m))}
    assert len([n for n in new if '.crossattention.' in n]) == 6 * 10  # 6 decoder blocks: q, k, v, output, norm
    assert all('.crossattention.' in n or n.startswith('decoder.cls.') for n in new)
    groups = seq2seq_splitter(m)
    assert len(groups) == 1 + 6 + 6 + 1 and {id(p) for p in groups[-1]} == {id(p) for p in warm_start_new_params(m)}
    assert sum(len(g) for g in groups) == len(list(m.parameters()))
    for c in (m.config, m.generation_config):
        assert (c.decoder_start_token_id, c.eos_token_id, c.pad_token_id) == (tok.cls_token_id, tok.sep_token_id, tok.pad_token_id)
    x = tok(['A man rides a horse.', 'Two dogs play.'], return_tensors='pt', padding=True)
    for beams in (1, 2):
        out = m.generate(input_ids=x['input_ids'], attention_mask=x['attention_mask'], max_new_tokens=4, num_beams=beams)
        assert out.shape[0] == 2 and (out[:, 0] == tok.cls_token_id).all()

def test_classifier_folder_warm_starts(tiny_model, tmp_path):
    "A folder holding an encoder with a classification head (what fasthf-train writes) warm-starts too; its head is dropped; the saved folder predicts."
    tok = AutoTokenizer.from_pretrained(tiny_model)
    df = pd.DataFrame({'source': [f'item {i} is red' for i in range(24)], 'target': [f'red {i}' for i in range(24)]})
    dls = Seq2SeqDataLoaders.from_df(df, tok, valid_pct=0.25, seed=0, max_len=16, bs=8)
    learn = hf_seq2seq_learner(dls, tiny_model, task='summarization', max_new_tokens=4, metrics=[])
    assert isinstance(learn.hf_model, EncoderDecoderModel)
    trainable = {id(p) for p in learn.model.parameters() if p.requires_grad}
    assert trainable == {id(p) for p in warm_start_new_params(learn.hf_model)}  # frozen: only the new parts train
    with learn.no_bar(), learn.no_logging(): learn.fine_tune(1, 1e-3)
    preds = learn.predict_batch(list(df.source[:3]))
    learn.save_pretrained(tmp_path/'m')
    assert predict_seq2seq(tmp_path/'m', list(df.source[:3])) == preds
    assert EncoderDecoderModel.from_pretrained(tmp_path/'m').config.fasthf['task'] == 'summarization'

@pytest.mark.slow
def test_bench_report(shared, tmp_path):
    "The benchmark runs on a tiny budget and reports each model's scores against raw and decoded references."
    r = subprocess.run([sys.executable, str(BENCH/'seq2seq_warmstart.py'), '--tasks', 'multi30k', '--mt-train', '16', '--mt-valid', '4',
                        '--max-target', '16', '--lrs', '1e-3', '--scratch-size', 'tiny'], capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    m = rep['results']['multi30k']
    assert m['train_pairs'] == 16 and m['valid_pairs'] == 4 and m['chosen_lr'] == 1e-3
    for k in ('minilm2minilm lr=0.001', 'scratch t5'):
        assert set(m[k]['scores']) == set(m[k]['scores_vs_decoded_refs']) == {'bleu', 'chrf'} and m[k]['params_M'] > 0
    g = m['german_minilm_tokenizer']  # MiniLM's uncased vocabulary strips umlauts; T5's keeps them
    assert g['umlauts_eszett_after_round_trip'] < g['umlauts_eszett_in_refs'] or g['umlauts_eszett_in_refs'] == 0
    assert m['german_t5_tokenizer']['umlauts_eszett_after_round_trip'] == m['german_t5_tokenizer']['umlauts_eszett_in_refs']
