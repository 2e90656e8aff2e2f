"The docs render and read right: every notebook to HTML, and headless Chromium looks at the index and a task page."
import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def test_pages_render_and_show_what_they_promise(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'check_docs.py'), '--out', str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, (r.stdout[-3000:], r.stderr[-3000:])
    n = len(list((ROOT/'nbs').glob('*.ipynb')))
    assert len(list(tmp_path.glob('*.html'))) == n                                # every notebook rendered
    res = {p['page']: p for p in json.loads(r.stdout.strip().splitlines()[-1])}
    assert res['03_classification']['signature_text'] == 'def hf_classifier_learner('  # show_doc's rendered signature
    assert res['03_classification']['table_header'][1:3] == ['text', 'category']         # a show_batch table
    assert res['index']['table_header'] == ['what', 'fasthf', 'baseline']                 # the results table
    for p in res.values():                                                             # real screenshots, not empty files
        for k in ('screenshot', 'signature_shot', 'table_shot'):
            if k in p: assert Path(p[k]).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' and Path(p[k]).stat().st_size > 5000
