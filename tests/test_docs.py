"The docs render and read right: every notebook to HTML, headless Chromium looks at the index, every task chapter and API pages, and the saved outputs hold no console noise."
import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'tools'))
import check_docs

def test_pages_render_and_show_what_they_promise(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'check_docs.py'), '--out', str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, (r.stdout[-3000:], r.stderr[-3000:])
    n = len(list((ROOT/'nbs').glob('*.ipynb')))
    assert len(list(tmp_path.glob('*.html'))) == n                                # every notebook rendered
    res = {p['page']: p for p in json.loads(r.stdout.strip().splitlines()[-1])}
    assert res['03_classification']['signature_text'] == 'def hf_classifier_learner('  # show_doc's rendered signature
    assert res['03_classification']['table_header'][1:3] == ['text', 'category']         # a show_batch table
    assert res['index']['table_header'] == ['what', 'fasthf', 'baseline']                 # the results table
    assert res['14_distributed']['signature_text'] == 'class HFDistributedDL('            # a class reads as a class
    assert res['03_classification']['source_links'] >= 1                                 # links to a line (`#L12`), checked in `signature`
    for c in check_docs.CHAPTERS:                                                      # every task chapter: data, training, a plot
        assert res[c]['ok'] and res[c]['table'] and res[c]['training'] and res[c]['plot'], res[c]
    for p in res.values():                                                             # real screenshots, not empty files
        for k in ('screenshot', 'signature_shot', 'table_shot', 'training_shot', 'plot_shot'):
            if k in p: assert Path(p[k]).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' and Path(p[k]).stat().st_size > 5000


# ---- saved outputs (tools/check_docs.py --outputs): static, no browser, no kernel ----


def test_clean_notebooks_have_clean_outputs():
    "Every notebook (`CLEAN`, the ratchet that reached them all) saves only what a reader should see (the check's CLI, as CI runs it)."
    assert check_docs.CLEAN == sorted(p.stem for p in (ROOT/'nbs').glob('*.ipynb'))
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'check_docs.py'), '--outputs', *check_docs.CLEAN, '--no-api'],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-3000:]
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    assert rep['ok'] and [n['notebook'] for n in rep['notebooks']] == check_docs.CLEAN
    assert all(n['status'] == 'ok' and n['output_problems'] == 0 for n in rep['notebooks'])

def test_output_check_finds_each_problem(tmp_path):
    "A notebook holding each kind of noise is reported for each, and fails once it is listed as clean."
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output
    cells = [new_code_cell('import torch', outputs=[new_output('stream', name='stderr', text='loading…\n')]),
             new_code_cell('learn.fit(1)', outputs=[new_output('stream', name='stdout', text='\repoch 0  [1/2 00:01<00:01]\r')]),
             new_code_cell('x = f()', outputs=[new_output('stream', name='stdout', text='UserWarning: this is deprecated\n')]),
             new_code_cell('print(path)', outputs=[new_output('stream', name='stdout', text='/work/x\n')]),
             new_code_cell('learn.show_batch()'),                                                  # shows nothing
             new_code_cell('tok = train_tokenizer(texts)', outputs=[new_output('stream', name='stdout', text='\n\n\n')]),  # blank lines
             new_code_cell('test_eq(y, 2)'),                                                      # a test in the story
             new_code_cell('from math import pi\nz = y * pi'),                # nbdev-proc-nbs runs it alone: `y` is unknown there
             new_code_cell('#| hide\ntest_eq(1, 1)'), new_code_cell('y = 2'), new_code_cell('learn.show_batch();'),  # fine
             new_code_cell('from math import tau'), new_code_cell('w = tau * 2\nimport os')]  # fine: `tau` from a cell it runs
    nb = tmp_path/'99_noise.ipynb'
    nbformat.write(new_notebook(cells=cells), nb)
    r = check_docs.check_notebook(nb, api=False, clean=[])
    assert r['status'] == 'pending'
    assert r['counts'] == {'stderr': 1, 'progress': 1, 'warning': 1, 'local_path': 1, 'empty_display': 1, 'blank_stream': 1, 'visible_test': 1, 'proc_alone': 1}, r
    assert r['examples']['empty_display'] == ['cell 4: learn.show_batch()'] and r['examples']['local_path'][0].startswith('cell 3: ')
    assert r['examples']['visible_test'] == ['cell 6: test_eq(y, 2)'] and r['examples']['proc_alone'] == [
        'cell 7: reads y (move its imports to a cell of their own)']
    rep = check_docs.check_outputs([nb], api=False, clean=['99_noise'])
    assert not rep['ok'] and rep['notebooks'][0]['status'] == 'FAILED'

def _api_nb(tmp_path, pkg:str, src:str)->Path:
    "A notebook exporting `src` to module `mod` of a new package `pkg` under `tmp_path`, and that module as `nbdev-export` writes it."
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook
    (tmp_path/pkg).mkdir(); (tmp_path/pkg/'__init__.py').write_text('')
    (tmp_path/pkg/'mod.py').write_text(src)
    nb = tmp_path/f'99_{pkg}.ipynb'
    nbformat.write(new_notebook(cells=[new_code_cell('#| default_exp mod'), new_code_cell('#| export\n' + src)]), nb)
    return nb

BARE = '''import json
from fastcore.meta import delegates

def area(
    w:float, # Width
    h:float,
)->float:
    "Area of a `w` by `h` rectangle."
    return w * h

def half(x): return x / 2

@delegates(json.dumps)
def dump(
    o, # What to write
    **kwargs # Passed to `json.dumps` (whose parameters are its own documentation's business)
)->str:
    "`o` as JSON."
    return json.dumps(o, **kwargs)
'''
DOCUMENTED = BARE.replace('    h:float,\n', '    h:float, # Height\n').replace(
    'def half(x): return x / 2', 'def half(\n    x, # A number\n):\n    "`x` halved."\n    return x / 2')

def test_docs_check_fails_on_a_missing_docment(tmp_path, monkeypatch):
    "An exported parameter with no docment, or a function with no docstring, fails the check (unless the notebook is pending); documented, it passes."
    monkeypatch.syspath_prepend(str(tmp_path))
    nb = _api_nb(tmp_path, 'docs_bare', BARE)
    r = check_docs.check_notebook(nb, clean=[], docs_pending=set(), package='docs_bare')
    assert r['status'] == 'FAILED' and r['doc_problems'] == 3, r
    assert r['examples']['no_docments'] == ['area: h', 'half: x'] and r['examples']['no_docstring'] == ['half']  # not `dump`'s `json.dumps` ones
    assert not check_docs.check_outputs([nb], clean=[], docs_pending=set(), package='docs_bare')['ok']
    assert check_docs.check_notebook(nb, clean=[], docs_pending={nb.stem}, package='docs_bare')['status'] == 'pending'  # exempt
    assert check_docs.check_notebook(nb, api=False, clean=[], docs_pending=set())['status'] == 'pending'             # `--no-api`
    nb = _api_nb(tmp_path, 'docs_ok', DOCUMENTED)
    r = check_docs.check_notebook(nb, clean=[nb.stem], docs_pending=set(), package='docs_ok')
    assert r['status'] == 'ok' and r['doc_problems'] == 0 and not set(r['counts']) & {'no_docments', 'no_docstring'}, r
    assert check_docs.check_outputs([nb], clean=[], docs_pending=set(), package='docs_ok')['ok']

METHODS = '''from fastai.callback.core import Callback
from fastai.data.transforms import Transform

class Shape:
    "A shape."
    def __init__(self,
        n:int, # Sides
    ): self.n = n
    def __repr__(self): return f"Shape({self.n})"  # private: not checked
    def scale(self, k:float):
        "The shape scaled by `k`."
        return self
    def edges(self): return self.n
    @property
    def sides(self)->int:
        "How many sides."
        return self.n
    @sides.setter
    def sides(self, v): self.n = v  # a setter: its getter has the docstring

class Saver(Callback):
    "Save at the end of a fit."
    def before_fit(self): pass  # a fastai callback event: fastai documents it
    def after_batch(self, *args): pass
    def __call__(self, event_name): pass
    @property
    def name(self): return 'saver'  # overrides `Callback.name` (a base class\'s): documented there

class Double(Transform):
    "Double an int."
    def encodes(self, x:int): return 2 * x  # a Transform\'s hook (fastai documents it)
'''

def test_docs_check_fails_on_an_undocumented_class_method(tmp_path, monkeypatch):
    "A public method of an exported class with no docstring or a parameter without docment fails the check; private names, overrides, callback events and notebooks in `methods_pending` do not."
    monkeypatch.syspath_prepend(str(tmp_path))
    nb = _api_nb(tmp_path, 'docs_meth', METHODS)
    r = check_docs.check_notebook(nb, clean=[], docs_pending=set(), package='docs_meth', methods_pending=set())
    assert r['status'] == 'FAILED' and r['doc_problems'] == 2, r
    assert r['examples']['no_docments'] == ['Shape.scale: k'] and r['examples']['no_docstring'] == ['Shape.edges'], r
    r = check_docs.check_notebook(nb, clean=[], docs_pending=set(), package='docs_meth', methods_pending={nb.stem})
    assert r['status'] == 'pending' and r['doc_problems'] == 0, r                                   # exempt, but listed
    assert r['examples']['pending_methods'] == ['Shape.edges (no docstring)', 'Shape.scale: k'], r
    documented = METHODS.replace('def scale(self, k:float):', 'def scale(self,\n        k:float, # The factor\n    ):').replace(
        'def edges(self): return self.n', 'def edges(self)->int:\n        "How many edges."\n        return self.n')
    nb = _api_nb(tmp_path, 'docs_meth_ok', documented)
    r = check_docs.check_notebook(nb, clean=[], docs_pending=set(), package='docs_meth_ok', methods_pending=set())
    assert r['status'] == 'pending' and r['doc_problems'] == 0 and not set(r['counts']) & {'no_docments', 'no_docstring'}, r

def test_every_exported_parameter_has_a_docment():
    "Across all notebooks (the check with its API report, as CI runs it): no exported callable lacks a docstring, no exported parameter a docment."
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'check_docs.py'), '--outputs'], capture_output=True, text=True, timeout=300)
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    gaps = {n['notebook']: n['examples'] for n in rep['notebooks'] if n.get('doc_problems')}
    assert not gaps, gaps
    assert r.returncode == 0, r.stdout[-3000:]

def test_sidebar_lists_every_notebook_once():
    "The sidebar is written by hand (task chapters first): a new notebook must be placed in it, and nothing listed twice."
    import yaml
    def files(items): return [f for i in items for f in (files(i['contents']) if isinstance(i, dict) else [i])]
    listed = files(yaml.safe_load((ROOT/'nbs'/'sidebar.yml').read_text())['website']['sidebar']['contents'])
    assert sorted(listed) == sorted(p.name for p in (ROOT/'nbs').glob('*.ipynb'))
