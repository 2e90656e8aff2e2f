"Language-model corpora at scale (issue 17): the token cache across processes, its corruption checks, and memory per token."
import functools, json, os, shutil, subprocess, sys, textwrap
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent/'shared'/'data'
GPT2 = DATA/'tokenizers'/'gpt2'
pytestmark = pytest.mark.skipif(not (DATA/'wikitext2'/'raw'/'wiki.test.raw').exists() or not GPT2.exists(), reason='needs ../shared/data')

CHILD = textwrap.dedent('''
    import json, sys, warnings
    from transformers import AutoTokenizer
    import fasthf.lm as lm
    corpus, cache, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == 'cached':  # a second process must find everything in the cache: tokenising would fail
        def _no_tokenising(*a, **k): raise AssertionError('re-tokenised')
        lm._write_cache = _no_tokenising
    tok = AutoTokenizer.from_pretrained(sys.argv[4])
    def hwm(): return int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) * 1024
    base = hwm()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        dls = lm.HFLMDataLoaders.from_files(corpus, tok, seq_len=256, bs=16, seed=0, cache_dir=cache, device='cpu')
    for i, b in enumerate(dls.train):
        if i == 200: break
    print(json.dumps({'tokens': dls.train.n_tokens + dls.valid.n_tokens, 'path': str(dls.train.tokens.path), 'base': base, 'peak': hwm(),
                      'warnings': [str(o.message) for o in w if 'token cache' in str(o.message)], 'x': dls.valid.one_batch()[0]['input_ids'][0, :8].tolist()}))
''')

def run(corpus, cache, mode='build'):
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'TRANSFORMERS_OFFLINE': '1', 'HF_DATASETS_OFFLINE': '1', 'OMP_NUM_THREADS': '1'}
    p = subprocess.run([sys.executable, '-c', CHILD, str(corpus), str(cache), mode, str(GPT2)], capture_output=True, text=True, env=env, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout.strip().splitlines()[-1])

def corpus(folder:Path, copies:int)->Path:
    "WikiText-2's test set repeated `copies` times, each copy's paragraphs marked so none repeats."
    paras = [p for p in (DATA/'wikitext2'/'raw'/'wiki.test.raw').read_text().split('\n\n') if p.strip()]
    f = folder/f'corpus{copies}.txt'
    f.write_text(''.join(f"{p.strip()} (copy {k})\n\n" for k in range(copies) for p in paras))
    return f

def test_cache_across_processes(tmp_path):
    f, cache = corpus(tmp_path, 1), tmp_path/'cache'
    first = run(f, cache)
    second = run(f, cache, 'cached')                 # another process: hashes the texts, maps the files, tokenises nothing
    assert second['path'] == first['path'] and second['tokens'] == first['tokens'] and second['x'] == first['x']
    meta = json.loads(Path(first['path']).read_text())
    ids = Path(first['path']).with_suffix('.ids')
    assert ids.stat().st_size == meta['files']['ids']['size'] == 2 * meta['n_tokens']  # uint16: 2 bytes a token
    ids.write_bytes(ids.read_bytes()[:-100])         # truncated (a crash, a full disk): detected and rebuilt
    third = run(f, cache)
    assert any('truncated' in w for w in third['warnings']) and third['x'] == first['x']
    assert ids.stat().st_size == meta['files']['ids']['size']

def test_memory_per_token(tmp_path):
    "Peak RSS grows by a few bytes per corpus token (the old loader: about 50)."
    small, large = run(corpus(tmp_path, 1), tmp_path/'c1'), run(corpus(tmp_path, 5), tmp_path/'c5')
    per_token = (large['peak'] - small['peak']) / (large['tokens'] - small['tokens'])
    assert large['tokens'] > 4 * small['tokens']
    assert per_token <= 8, per_token

@functools.cache
def gpt2_and_paragraphs()->tuple:
    from transformers import AutoTokenizer
    paras = [p for p in (DATA/'wikitext2'/'raw'/'wiki.test.raw').read_text().split('\n\n') if len(p.strip()) > 40][:300]
    return AutoTokenizer.from_pretrained(GPT2), paras

def stream_learner(seed:int, tmp:Path):
    "A tiny GPT-2 (dropout on) learning from a stream of WikiText-2 paragraphs: 4 steps of 4 blocks an epoch, shuffled in a buffer."
    from transformers import GPT2Config, GPT2LMHeadModel
    from fastai.torch_core import set_seed
    from fasthf.lm import HFLMDataLoaders, hf_lm_learner
    set_seed(seed)
    tok, paras = gpt2_and_paragraphs()
    dls = HFLMDataLoaders.from_stream(lambda: iter(paras), tok, valid_docs=10, seq_len=32, steps=4, bs=4, shuffle_buffer=16, seed=0,
                                      device='cpu', path=tmp)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=len(tok), n_embd=16, n_layer=1, n_head=2, n_positions=32))
    return hf_lm_learner(dls, model, pretrained=False, metrics=[])

def test_stream_resume_is_exact(tmp_path, fit_recorded):
    "Training on a stream interrupted after epoch 1 (or mid-epoch 2) and resumed ends as an uninterrupted run; without the stream's position it does not."
    import torch
    from fastai.callback.core import Callback
    from fasthf.checkpoint import CheckpointCallback, load_checkpoint
    class Crash(Callback):
        def __init__(self, at): self.at = at
        def after_batch(self):
            if self.training and self.train_iter == self.at: raise RuntimeError('crash')
    a = stream_learner(0, tmp_path); ref = fit_recorded(a)[0]
    assert len(ref) == 8 and not torch.equal(ref[0], ref[4])
    wa = a.model.state_dict()
    for crash_at, every, pos in ((5, None, (1, 0)), (7, 2, (1, 2))):   # after epoch 1's checkpoint; mid-epoch 2
        ck = tmp_path/f'ck{crash_at}.safetensors'
        b = stream_learner(0, tmp_path)
        try: fit_recorded(b, [CheckpointCallback(ck, every=every), Crash(crash_at)])
        except RuntimeError: pass
        meta = load_checkpoint(ck)[1]
        assert (meta['epoch'], meta['batch']) == pos and 'loader' in meta
        ck2 = shutil.copy(ck, tmp_path/f'copy{crash_at}.safetensors')    # the resumed run below overwrites `ck` with its own checkpoints
        c = stream_learner(1, tmp_path)                                   # other weights and seed: everything comes from the checkpoint
        seen = fit_recorded(c, [CheckpointCallback(ck, resume=True)])[0]
        assert len(seen) == 8 - 4 * pos[0] - pos[1]
        assert all(torch.equal(u, v) for u, v in zip(seen, ref[8 - len(seen):]))    # the same batches as the uninterrupted run
        assert all(torch.allclose(v, c.model.state_dict()[k], atol=0, rtol=0) for k, v in wa.items())  # bit-identical weights
        assert c.dls.train.state_dict()['rows'] == a.dls.train.state_dict()['rows']
        d = stream_learner(1, tmp_path)
        d.dls.train.load_state_dict = lambda st: None                       # resuming without the stream's position:
        seen = fit_recorded(d, [CheckpointCallback(ck2, resume=True)])[0]
        assert len(seen) == 8 - 4 * pos[0] - pos[1]
        assert not all(torch.equal(u, v) for u, v in zip(seen, ref[8 - len(seen):]))  # other batches,
        assert not all(torch.equal(v, d.model.state_dict()[k]) for k, v in wa.items())   # other weights
