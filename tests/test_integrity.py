"""Integrity under real failures (issue 21): processes killed with SIGKILL mid-write, a full disk (a real 64 KiB tmpfs
when root), every single-bit flip of a checkpoint file, and bad data through the console script (one line, exit 2)."""
import json, os, shutil, signal, subprocess, sys, textwrap, time
from pathlib import Path
from types import SimpleNamespace
import numpy as np, pandas as pd
import pytest, torch
from fasthf.core import HFDataError
from fasthf.files import atomic_dir, atomic_write, recover_dir, save_tensors, load_tensors, data_offset, MARKER
from fasthf.checkpoint import save_checkpoint, load_checkpoint

def child(code:str)->subprocess.Popen:
    "A Python process running `code`; it prints 'ready' when it wants to be killed."
    return subprocess.Popen([sys.executable, '-c', textwrap.dedent(code)], stdout=subprocess.PIPE, text=True)

def kill_when_ready(p):
    assert p.stdout.readline().strip() == 'ready', "the child failed before it could be killed"
    os.kill(p.pid, signal.SIGKILL); p.wait()
    assert p.returncode == -signal.SIGKILL

def test_sigkill_inside_atomic_dir_leaves_the_old_folder(tmp_path):
    out = tmp_path/'out'
    with atomic_dir(out) as d: (d/'model.bin').write_bytes(b'run 1'); (d/'config.json').write_text('{}')
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    kill_when_ready(child(f"""
        import time
        from pathlib import Path
        from fasthf.files import atomic_dir
        with atomic_dir({str(out)!r}) as d:
            (d/'model.bin').write_bytes(b'run 2, half')
            print('ready', flush=True); time.sleep(120)
    """))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before          # untouched
    leftovers = [p for p in tmp_path.iterdir() if p.name != 'out']
    assert len(leftovers) == 1 and leftovers[0].name.startswith('.out.tmp-')  # the killed run's temporary folder ...
    with atomic_dir(out) as d: (d/'model.bin').write_bytes(b'run 3')
    assert sorted(p.name for p in tmp_path.iterdir()) == ['out']              # ... removed by the next run
    assert (out/'model.bin').read_bytes() == b'run 3' and not (out/'config.json').exists()

def test_sigkill_inside_atomic_write_leaves_the_old_file(tmp_path):
    f = tmp_path/'model.safetensors'
    atomic_write(f, b'old' * 1000)
    kill_when_ready(child(f"""
        import time
        from fasthf.files import atomic_write
        def slow(p):
            with open(p, 'wb') as fh:
                fh.write(b'new' * 500); fh.flush(); print('ready', flush=True); time.sleep(120)
        atomic_write({str(f)!r}, slow)
    """))
    assert f.read_bytes() == b'old' * 1000
    atomic_write(f, b'next')
    assert sorted(p.name for p in tmp_path.iterdir()) == ['model.safetensors'] and f.read_bytes() == b'next'

def test_swap_killed_between_renames_is_recovered(tmp_path):
    "A process killed after renaming the old folder away but before renaming the new one in: the old one comes back."
    out = tmp_path/'out'
    with atomic_dir(out) as d: (d/'a.txt').write_text('old')
    os.rename(out, tmp_path/f'.out.old-20260101000000-{2**22 + 3}-abcdef')   # a pid no process can have
    recover_dir(out)
    assert (out/'a.txt').read_text() == 'old' and sorted(p.name for p in tmp_path.iterdir()) == ['out']

def fake_learner(n=2000):
    "Just what `save_checkpoint` reads: a model, an optimizer that has stepped, no loaders."
    torch.manual_seed(0)
    model = torch.nn.Linear(n, 4)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.ones(1, n)).sum().backward(); opt.step()
    return SimpleNamespace(model=model, opt=opt, dls=None)

META = {'n_epoch': 2, 'epoch': 1, 'batch': 3, 'train_iter': 15, 'smooth_loss': [3, 0.5], 'fingerprint': {'data': 'sha256:00'}}

def mount(*args):
    if os.geteuid() != 0: pytest.skip("needs root to mount a small tmpfs (a real full disk)")
    r = subprocess.run(['mount', *args], capture_output=True, text=True)
    if r.returncode: pytest.skip(f"mount failed: {r.stderr.strip()}")

@pytest.fixture
def small_disk(tmp_path):
    "A real 64 KiB file system: writes past it fail with ENOSPC."
    d = tmp_path/'disk'; d.mkdir()
    mount('-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', str(d))
    yield d
    subprocess.run(['umount', str(d)], capture_output=True)

def test_full_disk_keeps_the_last_good_checkpoint(small_disk):
    ck = small_disk/'checkpoints'/'phase0.safetensors'
    save_checkpoint(fake_learner(500), ck, META)                     # ~24 KiB: fits
    good = ck.read_bytes()
    with pytest.raises(HFDataError) as e: save_checkpoint(fake_learner(2000), ck, META)   # ~96 KiB: does not
    msg = str(e.value)
    assert msg == f"cannot write {ck}: No space left on device (ENOSPC); the disk is full: free some space or choose a folder on another disk"
    assert ck.read_bytes() == good and sorted(p.name for p in ck.parent.iterdir()) == ['phase0.safetensors']
    assert load_checkpoint(ck)[1]['batch'] == 3                      # still loads, checksum verified

def test_full_disk_inside_atomic_dir(small_disk):
    out = small_disk/'out'
    with atomic_dir(out) as d: (d/'model.bin').write_bytes(b'x' * 10_000)
    with pytest.raises(HFDataError) as e:
        with atomic_dir(out, '--out') as d: (d/'model.bin').write_bytes(os.urandom(200_000))
    assert len(str(e.value).splitlines()) == 1 and 'No space left on device (ENOSPC)' in str(e.value)
    assert (out/'model.bin').read_bytes() == b'x' * 10_000 and sorted(p.name for p in small_disk.iterdir()) == ['out']

def test_every_bit_flip_is_refused(tmp_path):
    "Flip one bit at each of ~1500 places (header length, JSON header, metadata, tensor data): no flipped file loads."
    ck = save_checkpoint(fake_learner(64), tmp_path/'ck.safetensors', META)
    raw, start = ck.read_bytes(), data_offset(ck)
    places = sorted({*range(0, start, max(1, start // 700)), *range(start, len(raw), max(1, (len(raw) - start) // 800))})
    bad = tmp_path/'bad.safetensors'
    loaded = []
    for i in places:
        b = bytearray(raw); b[i] ^= 1 << (i % 8); bad.write_bytes(b)
        try: load_checkpoint(bad); loaded.append(i)
        except HFDataError as e: assert len(str(e).splitlines()) == 1
    assert not loaded, f"flips at {loaded[:10]} loaded"
    assert len(places) > 1000

def test_tensor_files_for_other_writers(tmp_path):
    "What `save_encoder` and other writers use: a checksum in the metadata, verified on load."
    p = save_tensors({'emb': torch.randn(10, 4)}, tmp_path/'encoder.safetensors', {'fasthf': 'encoder'})
    ts, md = load_tensors(p, 'encoder file', require=True)
    assert md['fasthf'] == 'encoder' and ts['emb'].shape == (10, 4)
    b = bytearray(p.read_bytes()); b[data_offset(p)] ^= 0x80; p.write_bytes(b)
    with pytest.raises(HFDataError, match=r"encoder file .* is corrupt \(checksum mismatch\)"): load_tensors(p, 'encoder file')

# --- bad data through the console script: one line, exit code 2, before any training

from fasthf.cli import fasthf_train

@pytest.fixture
def train_err(capsys, tmp_path, tiny_model):
    "The one-line error of `fasthf-train` on DataFrame `df` written as CSV (no training)."
    def f(df):
        df.to_csv(tmp_path/'d.csv', index=False)
        capsys.readouterr()
        with pytest.raises(SystemExit) as e:
            fasthf_train(model=str(tiny_model), data=str(tmp_path/'d.csv'), out=str(tmp_path/'o'), epochs=0, max_len=32)
        assert e.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith('fasthf-train: error: '), err[-5:]
        return err[-1][len('fasthf-train: error: '):]
    return f

@pytest.fixture
def sample(small_csv): return pd.read_csv(small_csv)

def test_cli_invisible_text(train_err, sample, tmp_path):
    d = sample.copy(); d.loc[3, 'text'] = '\u200b\u200b'
    assert train_err(d) == f"empty text at row 3 (column 'text') of {tmp_path/'d.csv'}: '\\u200b\\u200b' (only invisible characters: whitespace, format or control)"

def test_cli_mixed_label_spellings(train_err, sample):
    d = sample.assign(label=['1', '0', '1.0', 'True', '0', '1'] * 10)
    assert "spells one class several ways ('1' at row 0, '1.0' at row 2, 'True' at row 3)" in train_err(d)

def test_cli_is_valid_strings(train_err, sample, tmp_path):
    msg = train_err(sample.assign(is_valid=['maybe'] + ['no'] * 50 + ['yes'] * 9))
    assert msg == f"column 'is_valid' of {tmp_path/'d.csv'} marks the validation rows but holds 'maybe' at row 0: use True/False, yes/no or 1/0"

def test_is_valid_strings_split_as_written(sample, minilm):
    "'yes'/'no' strings from a CSV split as they say (astype(bool) made every row a validation row)."
    from transformers import AutoTokenizer
    from fasthf.data import HFDataLoaders
    yn = sample.assign(is_valid=np.where(sample.is_valid, 'yes', 'no'))
    dls = HFDataLoaders.from_df(yn, AutoTokenizer.from_pretrained(minilm), max_len=32, bs=8)
    assert (len(dls.train_ds), len(dls.valid_ds)) == ((~sample.is_valid).sum(), sample.is_valid.sum())

# --- file faults through the console scripts: one line, exit code 2, earlier output untouched

from fasthf.cli import fasthf_predict

def snapshot(d:Path)->dict:
    "Every file under `d` with its bytes (to show a failed run changed nothing)."
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(Path(d).rglob('*')) if p.is_file()}

from test_bad_inputs import error as cli_error  # the one-line error (exit 2) of a console-script function, without its prefix

@pytest.fixture(scope='module')
def trained(tmp_path_factory, tiny_model, small_csv):
    "One finished `fasthf-train` run (one epoch, tiny model): its --out folder with model/ and checkpoints/."
    out = tmp_path_factory.mktemp('run')/'out'
    fasthf_train(model=str(tiny_model), data=str(small_csv), out=str(out), epochs=1, freeze_epochs=0, max_len=32)
    assert (out/'model'/'model.safetensors').is_file() and any((out/'checkpoints').iterdir())
    return out

@pytest.fixture
def flags(tiny_model, small_csv): return dict(model=str(tiny_model), data=str(small_csv), epochs=1, freeze_epochs=0, max_len=32)

def test_out_is_a_file(capsys, tmp_path, flags):
    (tmp_path/'out').write_text('my notes')
    assert cli_error(capsys, fasthf_train, out=str(tmp_path/'out'), **flags) == f"--out {tmp_path/'out'} is a file, not a folder: choose another path"
    assert (tmp_path/'out').read_text() == 'my notes'

@pytest.fixture
def read_only(tmp_path):
    "A read-only folder holding one file: a read-only tmpfs when root (root ignores permissions), else a chmod 555 folder."
    d = tmp_path/'ro'; d.mkdir()
    if os.geteuid() == 0:
        mount('-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', str(d))
        (d/'keep.txt').write_text('earlier output'); (d/'empty').mkdir()
        r = subprocess.run(['mount', '-o', 'remount,ro', str(d)], capture_output=True, text=True)
        if r.returncode: subprocess.run(['umount', str(d)]); pytest.skip(f"remount read-only failed: {r.stderr.strip()}")
    else: (d/'keep.txt').write_text('earlier output'); (d/'empty').mkdir(); (d/'empty').chmod(0o555); d.chmod(0o555)
    yield d
    if os.geteuid() == 0: subprocess.run(['umount', str(d)], capture_output=True)
    else: d.chmod(0o755); (d/'empty').chmod(0o755)

@pytest.mark.parametrize('sub', ['new', 'empty'])
def test_out_read_only(capsys, read_only, flags, sub):
    "Refused before any model is loaded, whether --out is to be created in a read-only folder or is an empty read-only folder."
    out = read_only/sub
    msg = cli_error(capsys, fasthf_train, out=str(out), **flags)
    assert msg.startswith(f"cannot write --out {out}: ") and ('(EROFS)' in msg or '(EACCES)' in msg), msg
    assert snapshot(read_only) == {'keep.txt': b'earlier output'} and not (read_only/'new').exists()

def broken_model(trained, tmp_path, fault):
    "A copy of the trained model folder with one fault; what the message must say."
    m = tmp_path/'m'
    if fault == 'pickle only':
        m.mkdir(); shutil.copy(trained/'learner.pkl', m/'learner.pkl')
        return m, f"no HF model folder (config.json) in {m}"
    shutil.copytree(trained/'model', m)
    if fault == 'corrupt config.json':
        (m/'config.json').write_text('{"model_type": "bert", ')
        return m, f"{m/'config.json'} cannot be read: "
    b = (m/'model.safetensors').read_bytes(); (m/'model.safetensors').write_bytes(b[:len(b) // 2])
    return m, f"{m} cannot be loaded as a classification model: "

@pytest.mark.parametrize('fault', ['corrupt config.json', 'truncated model.safetensors', 'pickle only'])
def test_predict_broken_model_folder(capsys, trained, tmp_path, small_csv, fault):
    m, want = broken_model(trained, tmp_path, fault)
    before = snapshot(m)
    assert cli_error(capsys, fasthf_predict, model=str(m), data=str(small_csv)).startswith(want)
    assert capsys.readouterr().out == '' and snapshot(m) == before  # no partial JSON on stdout, nothing written

def test_resume_with_other_data(capsys, trained, tmp_path, tiny_model, small_csv):
    "--resume with another data file: one line saying what differs; the interrupted run's folder is untouched."
    other = tmp_path/'other.csv'; pd.read_csv(small_csv).assign(text=lambda d: d.text + ' !').to_csv(other, index=False)
    before = snapshot(trained)
    msg = cli_error(capsys, fasthf_train, model=str(tiny_model), data=str(other), resume=str(trained), epochs=1, freeze_epochs=0, max_len=32)
    assert msg.startswith(f"cannot resume from {trained/'checkpoints'}") and 'it was written by a run with other settings (data: ' in msg, msg
    assert 'resume with the same data and settings' in msg
    after = snapshot(trained)
    # every file keeps its bytes; the .fasthf marker is rewritten by the refused run (listed differently), still covering every file
    assert {k: v for k, v in after.items() if k != MARKER} == {k: v for k, v in before.items() if k != MARKER}
    from fasthf.files import foreign_files
    assert foreign_files(trained) == []
