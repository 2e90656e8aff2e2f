"Language-model corpora at scale (issue 17): the token cache across processes, its corruption checks, and memory per token."
import json, os, subprocess, sys, textwrap
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
