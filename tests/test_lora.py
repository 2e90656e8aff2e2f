"LoRA on every task's model type, with each task's splitter; a LoRA NER learner end to end; fp32 master weights through a factory; the GPU check's CPU behaviour."
import json, subprocess, sys, warnings
from functools import partial
from pathlib import Path
import pytest, torch
from transformers import (AutoModelForCausalLM, AutoModelForMaskedLM, AutoModelForQuestionAnswering, AutoModelForSeq2SeqLM,
                          AutoModelForTokenClassification, AutoModelForSequenceClassification, BartConfig, BertConfig, GPT2Config, T5Config)
from fasthf.core import HFModel, HFDataError, hf_blocks
from fasthf.lora import add_lora, lora_params, lora_splitter, save_lora

ROOT = Path(__file__).resolve().parent.parent
BERT = dict(vocab_size=99, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32)
CASES = {  # name: (Auto class, config, HFModel outputs, extra batch keys, has a head to train)
    'token-cls': (AutoModelForTokenClassification, BertConfig(num_labels=3, **BERT), 'logits', {}, True),
    'qa': (AutoModelForQuestionAnswering, BertConfig(**BERT), ('start_logits', 'end_logits'), {}, True),
    'mlm': (AutoModelForMaskedLM, BertConfig(**BERT), 'logits', {}, False),
    'clm': (AutoModelForCausalLM, GPT2Config(n_embd=16, n_layer=2, n_head=2, vocab_size=99), 'logits', {}, False),
    't5': (AutoModelForSeq2SeqLM, T5Config(d_model=16, d_ff=32, d_kv=8, num_layers=2, num_decoder_layers=1, num_heads=2, vocab_size=99,
                                                 decoder_start_token_id=0, pad_token_id=0),
           'logits', {'labels': torch.tensor([[5, 6, 7], [8, 9, 1]])}, False),
    'bart': (AutoModelForSeq2SeqLM, BartConfig(d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
                                               encoder_ffn_dim=32, decoder_ffn_dim=32, vocab_size=99),
             'logits', {'labels': torch.tensor([[5, 6, 7], [8, 9, 2]])}, False),
}

@pytest.mark.parametrize('name', list(CASES))
def test_every_task(name):
    "Adapters train, base weights get no gradient, and the groups are the blocks (+ the head when there is one to train)."
    auto, cfg, outputs, extra, has_head = CASES[name]
    torch.manual_seed(0)
    pm = add_lora(auto.from_config(cfg), 4)
    m = HFModel(pm, outputs)
    b = {'input_ids': torch.randint(5, 99, (2, 7)), 'attention_mask': torch.ones(2, 7, dtype=torch.long), **extra}
    if 'token_type_ids' in m.input_names: b['token_type_ids'] = torch.tensor([[0] * 4 + [1] * 3] * 2)
    out = m(b)
    sum(o.float().pow(2).mean() for o in (out if isinstance(out, tuple) else (out,))).backward()
    trained = {id(p) for p in lora_params(m)}
    assert all(p.grad is None for p in m.parameters() if id(p) not in trained)
    assert sum(p.grad is not None for p in lora_params(m)) > 0
    groups = lora_splitter(m)
    assert len(groups) == len(hf_blocks(pm.get_base_model())) + has_head
    assert {id(p) for g in groups for p in g} == trained

def test_qa_pairs_keep_token_type_ids():
    "PEFT's QA/classification wrappers name few inputs: HFModel still hands the segment ids of question/context pairs on."
    torch.manual_seed(0)
    for auto in (AutoModelForSequenceClassification, AutoModelForTokenClassification):
        m = HFModel(add_lora(auto.from_config(BertConfig(**BERT)), 4).eval())
        assert 'token_type_ids' in m.input_names
        b = {'input_ids': torch.randint(5, 99, (1, 6)), 'token_type_ids': torch.tensor([[0, 0, 0, 1, 1, 1]])}
        with torch.no_grad():
            assert not torch.equal(m(b), m({'input_ids': b['input_ids']}))

def test_task_splitter():
    "A task's own splitter (the LM one puts embeddings + LM head last) is filtered the same way: the frozen LM head group goes."
    from fasthf.lm import hf_lm_splitter
    pm = add_lora(AutoModelForCausalLM.from_config(CASES['clm'][1]), 4)
    groups = partial(lora_splitter, splitter=hf_lm_splitter)(HFModel(pm))
    assert len(groups) == 2 and all(len(g) == 4 * 2 for g in groups)  # 2 blocks: c_attn, c_proj, c_fc, c_proj (Conv1D), A and B

def test_ner_learner_end_to_end(tiny_model, tmp_path):
    "A LoRA NER learner: freeze/unfreeze keep base weights frozen, training moves adapters only, the merged folder keeps the task settings."
    import pandas as pd
    from transformers import AutoTokenizer
    from fasthf.ner import NERDataLoaders, hf_ner_learner
    tok = AutoTokenizer.from_pretrained(tiny_model)
    people, places = ['Anna', 'Paul', 'Mary', 'John'], ['Paris', 'Rome', 'Oslo', 'Lima']
    rows = [{'tokens': [p, 'lives', 'in', c], 'tags': ['B-PER', 'O', 'O', 'B-LOC']} for p in people for c in places]
    dls = NERDataLoaders.from_df(pd.DataFrame(rows), tok, valid_pct=0.25, seed=0, max_len=16, bs=4)
    torch.manual_seed(0)
    model = add_lora(hf_ner_learner(dls, tiny_model).hf_model, 4)
    learn = hf_ner_learner(dls, model, splitter=lora_splitter)
    base = {n: p.detach().clone() for n, p in model.named_parameters() if all(p is not q for q in lora_params(model))}
    learn.unfreeze()
    assert not any(p.requires_grad for n, p in model.named_parameters() if n in base)
    learn.fit_one_cycle(1, 1e-2)
    assert all(torch.equal(p, base[n]) for n, p in model.named_parameters() if n in base)
    assert learn.predict_batch(['Anna lives in Oslo'])  # predictions go through the PEFT model
    save_lora(learn, tmp_path/'merged', merged=True)
    cfg = json.loads((tmp_path/'merged'/'config.json').read_text())
    assert cfg['fasthf']['label_all_tokens'] is False  # the NER learner's own save_pretrained wrote its settings
    back = AutoModelForTokenClassification.from_pretrained(tmp_path/'merged').eval()
    learn.model.eval()
    xb = {k: v for k, v in dls.one_batch()[0].items() if k in ('input_ids', 'attention_mask', 'token_type_ids')}
    with torch.no_grad(): torch.testing.assert_close(back(**xb).logits, learn.model(xb), atol=1e-5, rtol=1e-4)

def test_factory_trains_fp32_from_bf16_checkpoint(tiny_model, small_csv, tmp_path):
    "A checkpoint saved in bfloat16 trains with float32 weights, loaded by name or given as a model (`ensure_fp32`)."
    from transformers import AutoTokenizer
    from fasthf.core import ensure_fp32
    from fasthf.data import HFDataLoaders
    from fasthf.classification import hf_classifier_learner
    m = AutoModelForSequenceClassification.from_pretrained(tiny_model)
    m.to(torch.bfloat16).save_pretrained(tmp_path/'bf16')
    tok = AutoTokenizer.from_pretrained(tiny_model); tok.save_pretrained(tmp_path/'bf16')
    dls = HFDataLoaders.from_file(small_csv, tok, max_len=32, bs=8)
    learn = hf_classifier_learner(dls, tmp_path/'bf16')
    assert {p.dtype for p in learn.model.parameters()} == {torch.float32}
    with pytest.warns(UserWarning, match='upcast to float32'): m = ensure_fp32(AutoModelForSequenceClassification.from_pretrained(tmp_path/'bf16'))
    assert {p.dtype for p in m.parameters()} == {torch.float32}

def test_add_lora_bad_inputs():
    with pytest.raises(HFDataError, match='takes a LoraConfig or a rank'): add_lora(AutoModelForMaskedLM.from_config(BertConfig(**BERT)), 'r8')
    with pytest.raises(TypeError, match='not the HFModel'): add_lora(HFModel(AutoModelForMaskedLM.from_config(BertConfig(**BERT))))

def run_gpu_check(*args):
    r = subprocess.run(['bash', str(ROOT/'bench'/'gpu_check.sh'), *args], capture_output=True, text=True, timeout=900)
    return r, (json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else None)

@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the behaviour without a GPU")
def test_gpu_check_without_gpu():
    r, res = run_gpu_check()
    assert r.returncode == 0 and res['gpu'] is False and 'no CUDA GPU' in res['skipped'] and 'no CUDA GPU' in r.stderr
    r, _ = run_gpu_check('--precisions', 'int8')
    assert r.returncode == 2 and 'unknown' in r.stderr

def test_gpu_check_cpu_smoke():
    "The GPU check's own code on a tiny model on the CPU: one JSON line with every run (fp16 needs CUDA: reported as an error)."
    r, res = run_gpu_check('--cpu-smoke', '--seq-len', '24', '--bs', '4', '--steps', '2', '--warmup', '1', '--no-compile', '--precisions', 'fp32,bf16,fp16')
    assert r.returncode == 1, r.stderr[-2000:]  # fp16 on a CPU is refused, so the check is not ok
    assert res['auto_precision'] == 'fp32' and res['auto_precision_ok'] and set(res['runs']) == {'fp32', 'bf16', 'lora'}
    assert res['errors'] == ['fp16: HFDataError: --precision fp16 needs a CUDA GPU; use bf16 or fp32']
    assert res['runs']['bf16']['master_weights'] == ['torch.float32'] and res['runs']['lora']['base_unchanged']
    assert res['runs']['lora']['trainable_params'] < res['params'] / 10
    assert all(r['samples_per_s'] > 0 and r['loss_finite'] and r['mfu'] is None for r in res['runs'].values())
