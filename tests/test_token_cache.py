"""The on-disk token cache of the classification data layer (issue 17): `HFDataLoaders.from_*(..., cache_dir=)`, the default for files.

A second process on the same texts, tokenizer and settings reads the Arrow file and never calls the tokenizer; any
change of texts, tokenizer or settings is another key; a damaged file is rebuilt; clearing deletes only the cache's files.
"""
import inspect, json, os, subprocess, sys, warnings
from pathlib import Path
import numpy as np, pandas as pd
import pytest

def summary(csv, tok, cache_dir)->dict:
    "Build DataLoaders from `csv`; a digest of every item's ids and label, and the first validation batch."
    import hashlib
    from fasthf.data import HFDataLoaders
    dls = HFDataLoaders.from_file(csv, tok, valid_col='is_valid', max_len=64, bs=8, seed=0, cache_dir=cache_dir)
    h = hashlib.blake2b(digest_size=16)
    for ds in (dls.train_ds, dls.valid_ds):
        for x, y in ds:
            for k, v in x.items(): h.update(k.encode()); h.update(v.tobytes())
            h.update(str(int(y)).encode())
    xb, yb = dls.valid.one_batch()
    return {'ids': h.hexdigest(), 'batch': {k: v.tolist() for k, v in xb.items()}, 'y': yb.tolist()}

# `summary` in a fresh process, printing also how often the tokenizer ran; with `raise` it raises if called at all.
SCRIPT = inspect.getsource(summary) + '''
import json, sys
from transformers import AutoTokenizer
from transformers.tokenization_utils_base import PreTrainedTokenizerBase
csv, model, cache_dir, mode = sys.argv[1:]
calls, call = [0], PreTrainedTokenizerBase.__call__
def counted(self, *a, **k):
    if mode == 'raise': raise AssertionError('the tokenizer was called')
    calls[0] += 1; return call(self, *a, **k)
PreTrainedTokenizerBase.__call__ = counted
tok = AutoTokenizer.from_pretrained(model)
print(json.dumps({**summary(csv, tok, None if cache_dir == '-' else cache_dir), 'calls': calls[0]}))
'''

def build(csv, model, cache_dir, mode='count')->dict:
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'TRANSFORMERS_OFFLINE': '1', 'HF_DATASETS_OFFLINE': '1'}
    r = subprocess.run([sys.executable, '-c', SCRIPT, str(csv), str(model), str(cache_dir), mode], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])

@pytest.fixture(scope='module')
def imdb(shared, tmp_path_factory):
    "400 reviews of the IMDb sample (200 training, 200 validation) as a CSV."
    df = pd.read_csv(shared/'imdb_sample'/'texts.csv').iloc[-400:]
    p = tmp_path_factory.mktemp('imdb')/'imdb.csv'; df.to_csv(p, index=False)
    return p

@pytest.fixture
def tok(minilm):
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(minilm)

def test_second_process_reads_the_cache(imdb, minilm, tok, tmp_path):
    "First process tokenises and writes; a second one, whose tokenizer raises if called, reads the same ids; both equal the in-memory ids."
    first = build(imdb, minilm, tmp_path)
    assert first['calls'] > 0 and len(list(tmp_path.glob('*.arrow'))) == 1
    second = build(imdb, minilm, tmp_path, 'raise')
    mem = summary(imdb, tok, None)  # the in-memory default, in this process
    assert second['ids'] == first['ids'] == mem['ids']
    assert second['batch'] == first['batch'] == mem['batch'] and second['y'] == mem['y']

def test_key_changes(tok, minilm):
    "Changed texts, max length, truncation, prefix, tokenizer settings or vocabulary: another key; a fresh load of the tokenizer: the same."
    import copy
    from transformers import AutoTokenizer
    from fasthf.data import HFTokenize, TokenCache
    texts, tc = ['a good film', 'a bad one', 'so-so'], TokenCache('unused')
    key = tc.key(HFTokenize(tok, 32), texts)
    assert tc.key(HFTokenize(AutoTokenizer.from_pretrained(minilm), 32), texts) == key
    t2 = copy.deepcopy(tok); t2.truncation_side = 'left'
    t3 = copy.deepcopy(tok); t3.add_tokens(['fasthfword'])
    others = [tc.key(HFTokenize(tok, 32), texts[:2] + ['so so']), tc.key(HFTokenize(tok, 32), texts[::-1]),
              tc.key(HFTokenize(tok, 33), texts), tc.key(HFTokenize(tok, 32, truncation='only_first'), texts),
              tc.key(HFTokenize(tok, 32, prefix='review: '), texts), tc.key(HFTokenize(tok, 32, return_special_tokens_mask=True), texts),
              tc.key(HFTokenize(t2, 32), texts), tc.key(HFTokenize(t3, 32), texts), tc.key(HFTokenize(tok, 32), [tuple(texts[:2])])]
    assert len({key, *others}) == len(others) + 1

def small(shared, n=60): return pd.read_csv(shared/'imdb_sample'/'texts.csv').groupby('is_valid').head(n // 2)

def files(d): return sorted(f.name for f in Path(d).iterdir())

@pytest.mark.parametrize('damage', ['truncate', 'flip', 'sidecar'])
def test_damaged_file_is_rebuilt(shared, tok, tmp_path, damage):
    "A truncated Arrow file, one with a flipped byte, or an unreadable sidecar: a warning, then the file is rebuilt and the ids are right."
    from fasthf.data import HFDataLoaders
    df, kw = small(shared), dict(valid_col='is_valid', max_len=64, bs=8, seed=0)
    ref = HFDataLoaders.from_df(df, tok, cache_dir=tmp_path, **kw)
    arrow = next(tmp_path.glob('*.arrow')); size = arrow.stat().st_size
    if damage == 'truncate':
        with open(arrow, 'r+b') as f: f.truncate(size - 100)
    elif damage == 'flip':
        b = bytearray(arrow.read_bytes()); b[-200] ^= 0xFF; arrow.write_bytes(bytes(b))
    else: arrow.with_suffix('.json').write_text('{not json')
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always'); dls = HFDataLoaders.from_df(df, tok, cache_dir=tmp_path, **kw)
    assert any('rebuilding the token cache' in str(x.message) for x in w)
    assert arrow.stat().st_size == size and files(tmp_path) == [arrow.name, arrow.with_suffix('.json').name]
    for a, b in zip(ref.valid_ds, dls.valid_ds): assert np.array_equal(a[0]['input_ids'], b[0]['input_ids'])

def test_clear_deletes_only_its_files(shared, tok, tmp_path):
    "`clear_token_cache(cache_dir)` deletes the key-named files (and temporaries), not a user's files; without `cache_dir`, nothing on disk."
    from fasthf.data import HFDataLoaders, clear_token_cache
    HFDataLoaders.from_df(small(shared), tok, valid_col='is_valid', max_len=64, bs=8, cache_dir=tmp_path)
    mine = ['notes.txt', 'data.arrow', '0123abcd.json', 'f' * 32 + '.parquet']
    for n in mine: (tmp_path/n).write_text('x')
    (tmp_path/('.' + 'e' * 32 + '.arrow.tmp-20260101000000-1-abcdef')).write_text('x')  # a killed build's leftover
    assert clear_token_cache() == 0 and len(files(tmp_path)) == 7
    assert clear_token_cache(tmp_path) == 3
    assert files(tmp_path) == sorted(mine)

def test_sources_and_default_folder(shared, tok, tmp_path, monkeypatch):
    "`from_file`, `from_dataset` and `from_folder` take `cache_dir`; `True` means `$HF_DATASETS_CACHE/fasthf/tokens`."
    import datasets, datasets.config
    from fasthf.data import HFDataLoaders, token_cache_dir
    monkeypatch.setattr(datasets.config, 'HF_DATASETS_CACHE', str(tmp_path/'hf'))
    assert token_cache_dir() == token_cache_dir(True) == tmp_path/'hf'/'fasthf'/'tokens'
    df = small(shared); df.to_csv(tmp_path/'d.csv', index=False)
    HFDataLoaders.from_file(tmp_path/'d.csv', tok, valid_col='is_valid', max_len=64, cache_dir=True)
    assert len(list(token_cache_dir().glob('*.arrow'))) == 1
    HFDataLoaders.from_dataset(datasets.Dataset.from_pandas(df, preserve_index=False), tok, valid_col='is_valid', max_len=64, cache_dir=tmp_path/'c')
    assert len(list((tmp_path/'c').glob('*.arrow'))) == 1
    for i, r in df.iterrows():
        f = tmp_path/'f'/('valid' if r.is_valid else 'train')/r.label/f'{i}.txt'; f.parent.mkdir(parents=True, exist_ok=True); f.write_text(r.text)
    HFDataLoaders.from_folder(tmp_path/'f', tok, max_len=64, cache_dir=tmp_path/'c')
    assert len(list((tmp_path/'c').glob('*.arrow'))) == 2

@pytest.mark.skipif(hasattr(os, 'geteuid') and os.geteuid() == 0, reason='root writes anywhere')
def test_unwritable_folder(shared, tok, tmp_path):
    from fasthf.core import HFDataError
    from fasthf.data import HFDataLoaders
    ro = tmp_path/'ro'; ro.mkdir(); ro.chmod(0o500)
    try:
        with pytest.raises(HFDataError, match='token cache folder') as e:
            HFDataLoaders.from_df(small(shared), tok, valid_col='is_valid', max_len=64, cache_dir=ro/'tokens')
        assert '\n' not in str(e.value)
    finally: ro.chmod(0o700)

def test_defaults_follow_datasets(shared, tok, tmp_path, monkeypatch):
    "Files and file-backed Datasets are cached on disk by default, a DataFrame or an in-memory Dataset stay in memory (as `datasets` caches `map`); an unusable default folder: a warning and ids in memory; an unusable folder you name: one error line."
    import datasets, datasets.config
    from fasthf.core import HFDataError
    from fasthf.data import HFDataLoaders, token_cache_dir
    monkeypatch.setattr(datasets.config, 'HF_DATASETS_CACHE', str(tmp_path/'hf'))
    df = small(shared); df.to_csv(tmp_path/'d.csv', index=False)
    kw = dict(valid_col='is_valid', max_len=64, bs=8, seed=0)
    HFDataLoaders.from_df(df, tok, **kw); HFDataLoaders.from_dataset(datasets.Dataset.from_pandas(df, preserve_index=False), tok, **kw)
    assert not token_cache_dir().exists()
    ref = HFDataLoaders.from_file(tmp_path/'d.csv', tok, **kw)
    assert len(list(token_cache_dir().glob('*.arrow'))) == 1
    datasets.Dataset.from_pandas(df, preserve_index=False).save_to_disk(tmp_path/'ds')
    HFDataLoaders.from_dataset(datasets.load_from_disk(tmp_path/'ds'), tok, **{**kw, 'max_len': 63})
    assert len(list(token_cache_dir().glob('*.arrow'))) == 2
    (tmp_path/'afile').write_text('x')  # a folder under a file cannot be made, even by root
    monkeypatch.setattr(datasets.config, 'HF_DATASETS_CACHE', str(tmp_path/'afile'/'hf'))
    with pytest.warns(UserWarning, match='token cache folder.*tokenising in memory instead'):
        dls = HFDataLoaders.from_file(tmp_path/'d.csv', tok, **kw)
    for a, b in zip(ref.valid_ds, dls.valid_ds): assert np.array_equal(a[0]['input_ids'], b[0]['input_ids'])
    with pytest.raises(HFDataError, match='token cache folder') as e:
        HFDataLoaders.from_file(tmp_path/'d.csv', tok, cache_dir=tmp_path/'afile'/'tokens', **kw)
    assert '\n' not in str(e.value)

def test_concurrent_builds_of_one_key(imdb, minilm, tmp_path):
    "Three processes building the same data into one cache folder at once (parallel notebooks, two runs on one dataset): all succeed, with the same ids."
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'TRANSFORMERS_OFFLINE': '1', 'HF_DATASETS_OFFLINE': '1'}
    ps = [subprocess.Popen([sys.executable, '-c', SCRIPT, str(imdb), str(minilm), str(tmp_path), 'count'], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=env) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in ps]
    assert all(p.returncode == 0 for p in ps), [o[1][-1500:] for o in outs]
    res = [json.loads(o[0].strip().splitlines()[-1]) for o in outs]
    assert len({r['ids'] for r in res}) == 1 and len(list(tmp_path.glob('*.arrow'))) == 1

def test_num_proc_build(shared, tok, tmp_path):
    "`num_proc=2` tokenises with `Dataset.map` on two processes into the same key: the ids equal the in-memory ones."
    from fasthf.data import HFDataLoaders
    df, kw = small(shared), dict(valid_col='is_valid', max_len=64, bs=8, seed=0)
    mem = HFDataLoaders.from_df(df, tok, **kw)
    par = HFDataLoaders.from_df(df, tok, cache_dir=tmp_path, num_proc=2, **kw)
    assert len(list(tmp_path.glob('*.arrow'))) == 1
    for a, b in zip(mem.train_ds, par.train_ds): assert all(np.array_equal(a[0][k], b[0][k]) for k in a[0])
