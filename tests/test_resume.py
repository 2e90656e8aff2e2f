"Kill a training process with SIGKILL mid-epoch, resume it, and compare with an uninterrupted run: bit-exact on CPU."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import torch
from safetensors import safe_open
from safetensors.torch import load_file

JOB = Path(__file__).parent/'resume_job.py'

def job(ck, out, seed, delay=0.0):
    return [sys.executable, str(JOB), str(ck), str(out), str(seed), str(delay)]

def ck_position(ck):
    "(epoch, batch) of a checkpoint file, or None while there is none (or it is being replaced)."
    try:
        with safe_open(str(ck), 'pt') as f: m = json.loads(f.metadata()['state'])
        return m['epoch'], m['batch']
    except Exception: return None

def test_sigkill_then_resume_is_bit_exact(tmp_path):
    ref = subprocess.run(job(tmp_path/'ref.safetensors', tmp_path/'ref_w.safetensors', 0), capture_output=True, text=True, timeout=600)
    assert ref.returncode == 0, ref.stderr[-3000:]
    ck = tmp_path/'ck.safetensors'
    p = subprocess.Popen(job(ck, tmp_path/'never.safetensors', 0, 0.3), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t0, pos = time.time(), None
    while time.time() - t0 < 300:
        pos = ck_position(ck)
        if pos is not None and pos[0] == 1 and pos[1] >= 4: break   # mid second epoch
        if p.poll() is not None: break
        time.sleep(0.05)
    assert p.poll() is None, "the job ended before it could be killed"
    os.kill(p.pid, signal.SIGKILL); p.wait()
    assert p.returncode == -signal.SIGKILL and not (tmp_path/'never.safetensors').exists()
    pos = ck_position(ck)
    assert pos[0] == 1 and 0 < pos[1] < 12, pos                        # a mid-epoch checkpoint survived the kill
    res = subprocess.run(job(ck, tmp_path/'res_w.safetensors', 1), capture_output=True, text=True, timeout=600)  # another seed: all state comes from the checkpoint
    assert res.returncode == 0, res.stderr[-3000:]
    a, b = load_file(tmp_path/'ref_w.safetensors'), load_file(tmp_path/'res_w.safetensors')
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert ref.stdout.strip().splitlines()[-1] == res.stdout.strip().splitlines()[-1]   # same final losses and metrics
