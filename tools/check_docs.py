"""Render the docs offline and look at them in headless Chromium, as a reader would.

`nbdev-proc-nbs` writes the processed notebooks to `_proc/` (the `show_doc` cells rendered to markdown, directives
applied), nbconvert turns the chosen pages into HTML, and Chromium (through selenium and the Debian packages
`chromium` + `chromium-driver`) opens each page, takes a screenshot of its top and of the elements checked, and checks
that a reader sees what the page promises: the rendered `show_doc` signature of an exported function or class (a
class as `class Name(`) with a source link to its line, a `show_batch` table, and on each task chapter (`CHAPTERS`)
fastai's HTML training table and a plot. Every page must render, and every exported symbol of every page must have a
rendered `show_doc` (its heading in the page `nbdev-proc-nbs` wrote). Quarto, which builds the real site, cannot be installed offline; this is the offline stand-in.
The last stdout line is a JSON report; the exit code is 1 if a check fails.

    python tools/check_docs.py                                  # the index, every task chapter and two API pages
    python tools/check_docs.py --pages index 10_ner --out /tmp/shots

`--outputs` checks instead, with no browser and without executing anything, the outputs saved in the notebooks: what a
reader sees must have been made by a real Jupyter kernel (`tools/run_nb.py`), so it must not hold stderr streams,
console progress bars (`\\r` frames, `|█` bars, `it/s]`), printed blank lines (a console bar's leftovers), warnings, error tracebacks, local paths (`/work/`, `/root/`,
`/home/`, `/tmp/`, `site-packages`, the checkout's own path), or a cell that shows something (`show_batch(...)`, a bare
name…) with no output saved; nor may a cell a reader sees only test (`test_eq`, `assert`…: tests go in `#| hide` cells),
nor may a cell that `nbdev-proc-nbs` runs on its own to render the docs (an export cell, any cell holding an import, a
`show_doc` call) read a name that only other cells define. Every notebook (`CLEAN`) must have none of these (the exit
code is 1 if one has); a notebook left out of `CLEAN` would be reported as pending. The report also names exported functions and classes with no `show_doc` cell in
their notebook (for information: nbdev adds one when it renders the page), and, failing the check in every notebook but
those of `DOCMENTS_PENDING`, exported functions, classes and `@patch`ed methods with no docstring and exported parameters
with no docment, and so the public methods defined in an exported class's body (not those overriding a base class's,
fastai's callback events or Transform/loss hooks; in the notebooks of `METHOD_DOCS_PENDING` reported as
`pending_methods` only) (this imports `fasthf`; `--no-api` skips these). The last stdout line is the JSON report.

    python tools/check_docs.py --outputs                        # every notebook
    python tools/check_docs.py --outputs nbs/24_stream.ipynb 22_console --no-api
"""
import argparse, ast, importlib, inspect, json, re, shutil, subprocess, sys, warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# what each page must show: a function whose rendered signature we look for (None: no show_doc on the page)
SIGNATURES = {'index': None, '03_classification': 'hf_classifier_learner', '01_data': 'HFTextBlock', '10_ner': 'hf_ner_learner',
              '11_qa': 'hf_qa_learner', '06_lm': 'hf_lm_learner', '07_ulmfit': 'ulmfit', '12_seq2seq': 'hf_seq2seq_learner',
              '14_distributed': 'HFDistributedDL', '25_showdoc': 'ClassMarkdownRenderer'}
# the task chapters (the course): each must show a reader the data (a `show_batch` table), training (fastai's HTML table)
# and a plot (`lr_find`, a confusion matrix...)
def sidebar_chapters()->list:
    "The notebooks of the sidebar's first section (`nbs/sidebar.yml`, written by hand): the task chapters."
    import yaml
    items = yaml.safe_load((ROOT/'nbs'/'sidebar.yml').read_text())['website']['sidebar']['contents']
    return [Path(f).stem for f in next(i for i in items if isinstance(i, dict))['contents']]
CHAPTERS = sidebar_chapters()
PAGES = ['index', *CHAPTERS, '14_distributed', '25_showdoc']  # the pages the browser looks at by default

def render(pages, out:Path)->dict:
    "Processed notebooks → standalone HTML files in `out`."
    import yaml
    from nbconvert import HTMLExporter
    import nbformat
    from nbconvert.preprocessors import TagRemovePreprocessor
    exp, res = HTMLExporter(template_name='lab'), {}
    exp.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}), enabled=True)  # as Quarto's `echo: false`
    for p in pages:
        nb = nbformat.read(ROOT/'_proc'/f'{p}.ipynb', as_version=4)
        for c in nb.cells:
            if c.cell_type == 'raw' and c.source.startswith('---'):  # Quarto front matter → the page's title and description
                meta = yaml.safe_load(c.source.strip().strip('-')) or {}
                c.cell_type, c.source = 'markdown', f"# {meta.get('title', p)}\n\n> {meta.get('description', '')}"
            for o in c.get('outputs', []):  # Quarto's link attributes (`[source](…){target="_blank" …}`) mean nothing to nbconvert
                md = o.get('data', {}).get('text/markdown')
                if md: o['data']['text/markdown'] = re.sub(r'\{target="_blank"[^}]*\}', '', md if isinstance(md, str) else ''.join(md))
        for c in nb.cells:  # nbdev's processing leaves private keys (e.g. `has_sd`, timings) that the notebook schema rejects
            for k in set(c) - {'cell_type', 'metadata', 'source', 'outputs', 'execution_count', 'id', 'attachments'}: del c[k]
            c.metadata = {'tags': ['remove_input']} if c.cell_type == 'code' and '#| echo: false' in c.source else {}
        title = next((l[2:] for c in nb.cells if c.cell_type == 'markdown' for l in c.source.splitlines() if l.startswith('# ')), p)
        html, _ = exp.from_notebook_node(nb, resources={'metadata': {'name': f'{title} – fasthf'}})
        (out/f'{p}.html').write_text(html, encoding='utf-8'); res[p] = out/f'{p}.html'
    return res

def missing_rendered_docs(page:str)->list:
    """The exported symbols of `nbs/<page>` with no `show_doc` heading (`### name`) in the page nbdev rendered (`_proc/<page>`);
    not multiple-dispatch functions (fastcore's `@typedispatch`, e.g. `show_batch`), which nbdev's `show_doc` does not
    render: their page documents them in prose."""
    import nbformat
    cells = nbformat.read(nb_path(page), as_version=4).cells
    mod = default_exp(cells)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore'); m = importlib.import_module(f'fasthf.{mod}') if mod else None
    heads = set()
    for c in nbformat.read(ROOT/'_proc'/f'{page}.ipynb', as_version=4).cells:
        for o in c.get('outputs', []):
            md = o.get('data', {}).get('text/markdown', '')
            heads |= set(re.findall(r'^#+ (\S+)', md if isinstance(md, str) else ''.join(md), re.M))
    return [s for s in exported_symbols(cells) if s not in heads and not is_dispatch(getattr(m, s, None))]

def browser():
    "Headless Chromium driven by selenium (Debian's chromium and chromium-driver)."
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1280,1600'): opts.add_argument(a)
    opts.binary_location = shutil.which('chromium') or shutil.which('chromium-browser') or opts.binary_location
    return webdriver.Chrome(service=Service(shutil.which('chromedriver') or '/usr/bin/chromedriver'), options=opts)

def table_head(t)->list:
    "The header cells' texts of a table element."
    from selenium.webdriver.common.by import By
    return [th.text for th in t.find_elements(By.TAG_NAME, 'th')]

def check_page(drv, name:str, html:Path, out:Path)->dict:
    "Open one page, screenshot it, and check its show_doc signature and show_batch table."
    from selenium.webdriver.common.by import By
    drv.get(html.as_uri())
    r = {'page': name, 'title': drv.title, 'screenshot': str(out/f'{name}.png')}
    drv.save_screenshot(r['screenshot'])
    fn = SIGNATURES.get(name)
    if fn is not None:  # the h3 heading show_doc writes, and the signature in the code block under it
        heads = [h for h in drv.find_elements(By.TAG_NAME, 'h3') if h.text.strip().startswith(fn)]
        sig = [p for p in drv.find_elements(By.TAG_NAME, 'pre') if f'def {fn}(' in p.text or f'class {fn}(' in p.text]
        links = [a.get_attribute('href') or '' for a in drv.find_elements(By.LINK_TEXT, 'source')]
        r['source_links'] = len(links)
        r['signature'] = bool(heads and sig) and bool(links) and all(re.search(r'\.py#L\d+$', l) for l in links)
        if sig:
            drv.execute_script('arguments[0].scrollIntoView()', sig[0])
            sig[0].screenshot(str(out/f'{name}_signature.png')); r['signature_shot'] = str(out/f'{name}_signature.png')
            r['signature_text'] = sig[0].text.splitlines()[0]
    # a show_batch/show_results table (pandas' `dataframe` class); the index has the results table of its markdown instead
    sel = 'table' if name == 'index' else 'table.dataframe'
    tables = [t for t in drv.find_elements(By.CSS_SELECTOR, sel) if len(t.find_elements(By.TAG_NAME, 'tr')) > 2]
    if name == 'index':  # its results table (headed `what`), not the training tables of its runnable cells
        tables = [t for t in tables if table_head(t)[:1] == ['what']]
    r['table'] = bool(tables)
    if tables:
        drv.execute_script('arguments[0].scrollIntoView()', tables[0])
        tables[0].screenshot(str(out/f'{name}_table.png')); r['table_shot'] = str(out/f'{name}_table.png')
        r['table_header'] = table_head(tables[0])[:6]
    if name in CHAPTERS: r.update(chapter_elements(drv, name, out))
    needs_table = name == 'index' or name in CHAPTERS  # an API page need not show a table
    r['ok'] = (r['table'] or not needs_table) and r.get('signature', True) and r.get('training', True) and r.get('plot', True)
    return r

def chapter_elements(drv, name:str, out:Path)->dict:
    "A task chapter's training table (fastprogress's HTML, `epoch` and `train_loss` columns) and first plot, screenshot."
    from selenium.webdriver.common.by import By
    r = {}
    train = [t for t in drv.find_elements(By.TAG_NAME, 'table') if {'epoch', 'train_loss'} <= set(table_head(t))]
    plots = [i for i in drv.find_elements(By.TAG_NAME, 'img') if (drv.execute_script('return arguments[0].naturalWidth', i) or 0) >= 200]
    r['training'], r['plot'] = bool(train), bool(plots)
    for k, els in (('training', train), ('plot', plots)):
        if els:
            drv.execute_script('arguments[0].scrollIntoView()', els[0])
            els[0].screenshot(str(out/f'{name}_{k}.png')); r[f'{k}_shot'] = str(out/f'{name}_{k}.png')
    return r

# ---- saved outputs: checked statically, no browser, nothing executed ----------------------------------------------------

# the notebooks whose saved outputs must have no output problem: every one (they were re-executed with tools/run_nb.py
# one by one, a ratchet that has reached them all; a new notebook joins with clean outputs)
CLEAN = sorted(p.stem for p in (ROOT/'nbs').glob('*.ipynb'))
OUTPUT_KINDS = ('error', 'stderr', 'progress', 'warning', 'local_path', 'empty_display', 'blank_stream', 'visible_test', 'proc_alone')  # fail a CLEAN notebook
DOC_KINDS = ('no_docstring', 'no_docments')  # fail any notebook not in DOCMENTS_PENDING (with the API report, not `--no-api`)
API_KINDS = ('no_show_doc', *DOC_KINDS, 'pending_methods')  # `no_show_doc` and `pending_methods` are reported only
# notebooks whose exported parameters may still lack docments (or their callables a docstring): being edited, to be
# documented like the others; remove a notebook from here once its report lists no `no_docments`/`no_docstring`
DOCMENTS_PENDING = set()
# notebooks whose exported classes' public methods (see `class_methods`) may still lack a docstring or docments: their
# problems are reported as `pending_methods`, not failing (for a notebook being documented)
METHOD_DOCS_PENDING = set()  # empty: every notebook's class methods are documented
# methods of a class body that implement an API fastai documents (a Transform's or a loss's hooks); fastai's callback
# events (`fastai.callback.core._events`, `before_fit`, `after_batch`…) are left out too, see `method_hooks`
HOOKS = {'encodes', 'decodes', 'activation', 'setups'}
N_EXAMPLES = 3

PROGRESS = re.compile(r'\r(?!\n)|\|█|it/s\]')  # console frames of tqdm/fastprogress; a real kernel saves HTML instead
WARNING = re.compile(r'Warning:|warnings\.warn|FutureWarning|UserWarning|DeprecationWarning')
# calls whose result, or what they draw, a reader expects to see under the cell
DISPLAY_CALLS = {'show_batch', 'show_results', 'show_doc', 'lr_find', 'display', 'print', 'pprint', 'DataFrame', 'Series',
                 'Markdown', 'HTML', 'fit', 'fit_one_cycle', 'fine_tune', 'fit_flat_cos', 'fit_sgdr', 'plot_loss',
                 'plot_lr_find', 'plot_confusion_matrix', 'most_confused', 'head', 'tail', 'describe', 'predict',
                 'validate', 'summary'}
HIDDEN = {'hide', 'export', 'exports', 'exporti', 'exec_doc'}  # cells a reader does not see run, or whose output nbdev makes

def local_paths(root:Path=ROOT)->re.Pattern:
    "Local paths that must not be in a page: the usual home, temporary and install folders, and the checkout's own path."
    return re.compile('|'.join(map(re.escape, ['/work/', '/root/', '/home/', '/tmp/', 'site-packages', str(root)])))

def nb_path(name)->Path:
    "A notebook from its path or its name in `nbs/` (`24_stream`, `24_stream.ipynb`)."
    p = Path(name)
    if p.suffix == '.ipynb' and p.exists(): return p.resolve()
    return ROOT/'nbs'/f'{p.stem}.ipynb'

def directives(src:str)->dict:
    "The nbdev directives (`#| key: value` lines) of a cell's source."
    res = {}
    for l in src.splitlines():
        m = re.match(r'\s*#\|\s*([\w-]+)\s*:?\s*(.*)', l)
        if m: res[m.group(1)] = m.group(2).strip()
    return res

def parse_cell(src:str):
    "The cell's source as a Python module, IPython magics and shell lines replaced by `pass`; `None` if it does not parse."
    src = '\n'.join(re.sub(r'^(\s*)[%!?].*', r'\1pass', l) for l in src.splitlines())
    try: return ast.parse(src)
    except SyntaxError: return None

def call_name(node)->str:
    "The name a call is made by: `learn.show_batch(...)` → `show_batch`."
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ''

def displays(src:str)->bool:
    "Whether the cell ends with an expression that shows something: a display call (`show_batch(...)`, `print(...)`…), a name, a value."
    code = [l for l in src.splitlines() if l.strip() and not l.strip().startswith('#')]
    if not code or code[-1].rstrip().endswith(';'): return False  # `;` hides the result
    tree = parse_cell(src)
    if tree is None or not tree.body or not isinstance(tree.body[-1], ast.Expr): return False  # assignments, imports, loops…
    v = tree.body[-1].value
    if isinstance(v, ast.Call):
        n = call_name(v)
        if n.startswith('test_'): return False
        return n in DISPLAY_CALLS or n.startswith(('show_', 'plot_'))
    return isinstance(v, (ast.Name, ast.Attribute, ast.Subscript, ast.Constant, ast.JoinedStr, ast.BinOp, ast.Compare,
                          ast.Tuple, ast.List, ast.Dict, ast.Set)) and not (isinstance(v, ast.Constant) and v.value is None)

def output_texts(o)->list:
    "The text a reader can see in one output: stream text, text mime types, an error's name, value and traceback."
    if o.get('output_type') == 'stream': return [o.get('text', '')]
    if o.get('output_type') == 'error': return [o.get('ename', ''), o.get('evalue', ''), *o.get('traceback', [])]
    return [v if isinstance(v, str) else ''.join(v) for k, v in o.get('data', {}).items() if k.startswith('text/')]

def snippet(t:str, m:re.Match, width:int=60)->str:
    "The text around a match, on one line (control characters escaped)."
    s = t[max(0, m.start() - width):m.end() + width]
    return s.encode('unicode_escape').decode('ascii', 'backslashreplace')[:3 * width]

def output_problems(cells:list, root:Path=ROOT)->dict:
    "Per kind of output problem, one line per problem found in the cells' saved outputs: `cell N: what`."
    res, paths = {k: [] for k in OUTPUT_KINDS}, local_paths(root)
    for i, c in enumerate(cells):
        if c.get('cell_type') != 'code': continue
        src, outs = ''.join(c.get('source', '')), c.get('outputs', [])
        d = directives(src)
        for o in outs:
            if o.get('output_type') == 'error': res['error'].append(f"cell {i}: {o.get('ename')}: {o.get('evalue', '')[:120]}")
            if o.get('output_type') == 'stream' and not ''.join(o.get('text', '')).strip(): res['blank_stream'].append(f"cell {i}: {o.get('name')}")
            if o.get('output_type') == 'stream' and o.get('name') == 'stderr':
                res['stderr'].append(f"cell {i}: {o.get('text', '')[:120].encode('unicode_escape').decode('ascii')}")
            for t in output_texts(o):
                for kind, pat in (('progress', PROGRESS), ('warning', WARNING), ('local_path', paths)):
                    if m := pat.search(t): res[kind].append(f"cell {i}: {snippet(t, m)}")
        if not outs and not HIDDEN & set(d) and d.get('eval') != 'false' and d.get('output') != 'false' and displays(src):
            res['empty_display'].append(f"cell {i}: {src.strip().splitlines()[-1][:120]}")
    res['visible_test'], res['proc_alone'] = visible_tests(cells), proc_alone(cells)
    return res

TEST_CALL = re.compile(r'\btest_(eq|fail|close|ne|is|warns|stdout|eq_type)\b|^\s*assert\b|@given', re.M)

def visible_tests(cells:list)->list:
    "Cells a reader sees that only test (a `test_*` call or `assert`, nothing shown): tests belong in `#| hide` cells."
    res = []
    for i, c in enumerate(cells):
        src = ''.join(c.get('source', ''))
        if c.get('cell_type') != 'code' or c.get('outputs') or HIDDEN & set(directives(src)): continue
        if TEST_CALL.search(src): res.append(f"cell {i}: {src.strip().splitlines()[-1][:100]}")
    return res

def cell_names(src:str)->tuple:
    "The names a cell's top level binds, and those it reads that it does not bind (both empty if it does not parse)."
    import symtable
    code = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!')))
    try: syms = symtable.symtable(code, 'cell', 'exec').get_symbols()
    except SyntaxError: return set(), set()
    bound = {s.get_name() for s in syms if s.is_assigned() or s.is_imported()}
    return bound, {s.get_name() for s in syms if s.is_referenced()} - bound

def proc_alone(cells:list)->list:
    """Cells that `nbdev-proc-nbs` executes to render the docs (export cells, any cell holding an import, `show_doc` calls)
    and that read a name no such cell before them binds: the docs build (and CI) fails on them. Keep imports in cells
    of their own."""
    import builtins
    known, res = set(dir(builtins)) | {'show_doc', 'get_ipython'}, []
    for i, c in enumerate(cells):
        src = ''.join(c.get('source', ''))
        d = directives(src)
        if c.get('cell_type') != 'code' or str(d.get('eval', '')).lower() == 'false' or (tree := parse_cell(src)) is None: continue
        runs = ({'export', 'exports', 'exporti', 'exec_doc'} & set(d) or any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree))
                or any(isinstance(n, ast.Expr) and isinstance(n.value, ast.Call) and call_name(n.value) == 'show_doc' for n in tree.body))
        if not runs: continue
        bound, reads = cell_names(src)
        if missing := sorted(reads - known): res.append(f"cell {i}: reads {', '.join(missing)} (move its imports to a cell of their own)")
        known |= bound
    return res

def patched_name(node)->str|None:
    "`Class.meth` for a function `@patch`ed onto a class (the annotation of its first parameter), else `None`."
    if not any((d.id if isinstance(d, ast.Name) else call_name(d) if isinstance(d, ast.Call) else '') in ('patch', 'patch_to')
               for d in node.decorator_list): return None
    a = node.args.args[0].annotation if node.args.args else None
    if isinstance(a, ast.Subscript): a = a.value  # `self:type[Cls]`
    return f"{a.id}.{node.name}" if isinstance(a, ast.Name) else None

def exported_defs(cells:list)->list:
    "`(name, node)` of the public functions and classes of a notebook's `#| export` cells (`Class.meth` for `@patch`ed ones); `(name, None)` for its `_all_` names."
    res = []
    for c in cells:
        if c.get('cell_type') != 'code': continue
        src = ''.join(c.get('source', ''))
        if not {'export', 'exports'} & set(directives(src)): continue
        tree = parse_cell(src)
        for n in (tree.body if tree else []):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = (patched_name(n) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) else None) or n.name
                if not name.split('.')[-1].startswith('_'): res.append((name, n))
            elif isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == '_all_' for t in n.targets):
                try: res += [(o, None) for o in ast.literal_eval(n.value) if isinstance(o, str)]
                except ValueError: pass
    return res

def exported_symbols(cells:list)->list:
    "The public functions and classes of a notebook's `#| export` cells (`Class.meth` for `@patch`ed ones), and its `_all_` names."
    return list(dict.fromkeys(name for name, _ in exported_defs(cells)))

def missing_docstrings(cells:list)->list:
    "The exported functions, classes and `@patch`ed methods defined in the notebook with no docstring (read from the source)."
    return list(dict.fromkeys(name for name, n in exported_defs(cells) if n is not None and ast.get_docstring(n) is None))

def show_doc_names(cells:list)->set:
    "The names that the notebook's cells pass to `show_doc`."
    return {m for c in cells if c.get('cell_type') == 'code' for m in re.findall(r'show_doc\(\s*([\w.]+)', ''.join(c.get('source', '')))}

def default_exp(cells:list)->str|None:
    "The module a notebook exports to (`#| default_exp`)."
    return next((directives(''.join(c.get('source', ''))).get('default_exp') for c in cells if c.get('cell_type') == 'code'
                 and 'default_exp' in directives(''.join(c.get('source', '')))), None)

def code_params(f)->tuple:
    "The parameters `f`'s code defines (whatever `__signature__` `@delegates` gave it), `*args` and `**kwargs` included."
    c = getattr(inspect.unwrap(f), '__code__', None)  # a `functools.wraps` wrapper: the function it wraps
    if c is None: return ()
    return c.co_varnames[:c.co_argcount + c.co_kwonlyargcount + bool(c.co_flags & inspect.CO_VARARGS) + bool(c.co_flags & inspect.CO_VARKEYWORDS)]

def own_params(f, package:str='fasthf')->set|None:
    """The parameters that `package`'s code defines for `f`: its own and those of the `package` functions it takes
    parameters from with `@delegates` (`__delwrap__`); another library's (e.g. fastai's) are that library's to document.
    `None` (every parameter is checked) where `f` is not `package`'s own code."""
    pkg = lambda o: (getattr(o, '__module__', None) or '').split('.')[0]
    if pkg(f) != package or not code_params(f): return None
    res, s = set(), f
    while s is not None:
        if pkg(s) == package: res |= set(code_params(s))
        s = getattr(s, '__delwrap__', None)
    return res

def is_dispatch(obj)->bool:
    "Whether `obj` is a multiple-dispatch function (fastcore's `@typedispatch`/`@dispatch`, built on `plum`)."
    return type(obj).__module__.split('.')[0] == 'plum'

def implementations(obj, module:str)->list:
    "The callables to check for exported `obj`: itself, or, for a multiple-dispatch function (fastcore's `@dispatch`), the methods `module` defines."
    if not is_dispatch(obj): return [obj]
    return list({id(f): f for f in (m.implementation for m in obj.methods) if getattr(f, '__module__', None) == module}.values())

def missing_docments(obj, package:str='fasthf')->list:
    """The parameters of a function (a class: its own `__init__`) that have no docment; `self`, `cls`, the return, and
    parameters delegated to another library's function (see `own_params`) left out."""
    from dataclasses import is_dataclass
    from fastcore.docments import docments
    if isinstance(obj, type) and '__init__' not in vars(obj) or not callable(obj): return []  # an inherited `__init__`
    own = set(vars(obj).get('__annotations__', {})) if is_dataclass(obj) else None  # a dataclass: its own fields, not its bases'
    if isinstance(obj, type) and not is_dataclass(obj): obj = obj.__init__
    if own is None: own = own_params(obj, package)
    try: docs = docments(obj, full=True, args_kwargs=True)
    except OSError: return ['(source not found)']
    return [k for k, v in docs.items() if k not in ('self', 'cls', 'return') and v.docment is None and (own is None or k in own)]

def method_hooks()->set:
    "Method names a class defines for fastai to call, documented by fastai: its callback events (`before_fit`…) and `HOOKS`."
    try: from fastai.callback.core import _events
    except ImportError: _events = []
    return set(_events) | HOOKS

def class_methods(cells:list)->list:
    """`(Class.meth, node)` of the public methods (properties, static and class methods included) defined in the body of
    the exported classes of a notebook's `#| export` cells: names starting with `_` and fastai's hooks (`method_hooks`)
    left out; `api_problems` also leaves out those overriding a base class's method."""
    hooks = method_hooks()
    return [(f"{name}.{m.name}", m) for name, n in exported_defs(cells) if isinstance(n, ast.ClassDef)
            for m in n.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))
            and not m.name.startswith('_') and m.name not in hooks and not any(  # a property's setter: its getter has the docstring
                isinstance(d, ast.Attribute) and d.attr in ('setter', 'deleter') for d in m.decorator_list)]

def overrides(cls, name:str)->bool:
    "Whether `name` overrides an attribute of one of `cls`'s base classes (documented there)."
    return any(name in vars(b) for b in cls.__mro__[1:])

def method_function(cls, name:str):
    "The function `cls` defines as `name` (the getter of a property, the function of a static or class method), else `None`."
    from functools import cached_property
    v = vars(cls).get(name)
    if isinstance(v, (staticmethod, classmethod)): v = v.__func__
    elif isinstance(v, property): v = v.fget
    elif isinstance(v, cached_property): v = v.func
    return v if callable(v) else None

def method_problems(cells:list, m, package:str='fasthf')->dict:
    "The public methods of module `m`'s exported classes (see `class_methods`) with no docstring, and their parameters without a docment."
    res = {'no_docstring': [], 'no_docments': []}
    for s, node in class_methods(cells):
        cname, meth = s.rsplit('.', 1)
        cls = getattr(m, cname, None)
        if not isinstance(cls, type) or overrides(cls, meth): continue
        if ast.get_docstring(node) is None: res['no_docstring'].append(s)
        f = method_function(cls, meth)
        miss = missing_docments(f, package) if f is not None else []
        if miss: res['no_docments'].append(f"{s}: {', '.join(miss)}")
    return res

def api_problems(cells:list, package:str='fasthf', methods_pending:bool=False)->dict:
    """Exported symbols with no `show_doc` cell in the notebook, with no docstring, and exported parameters without a
    docment, the public methods of exported classes included (imports `<package>.<module>`); with `methods_pending` the
    methods' problems are listed as `pending_methods` instead."""
    syms, shown, res = exported_symbols(cells), show_doc_names(cells), {k: [] for k in API_KINDS}
    res['no_show_doc'] = [s for s in syms if s not in shown]
    res['no_docstring'] = missing_docstrings(cells)
    mod = default_exp(cells)
    if not (mod and syms): return res
    try:
        with warnings.catch_warnings():  # the libraries' import-time warnings are not this report's business
            warnings.simplefilter('ignore'); m = importlib.import_module(f'{package}.{mod}')
    except Exception as e:
        res['no_docments'].append(f"{package}.{mod} could not be imported: {type(e).__name__}: {e}")
        return res
    for s in syms:
        obj = m
        for part in s.split('.'): obj = getattr(obj, part, None)
        if obj is None: continue
        miss = list(dict.fromkeys(k for f in implementations(obj, m.__name__) for k in missing_docments(f, package)))
        if miss: res['no_docments'].append(f"{s}: {', '.join(miss)}")
    meths = method_problems(cells, m, package)
    if methods_pending: res['pending_methods'] = [f"{e} (no docstring)" for e in meths['no_docstring']] + meths['no_docments']
    else:
        for k in DOC_KINDS: res[k] += meths[k]
    return res

def check_notebook(path:Path, api:bool=True, clean=None, docs_pending=None, package:str='fasthf', methods_pending=None)->dict:
    """One notebook's report: its status, a count and the first few examples of each problem. FAILED: an output problem
    in a `clean` notebook, or (with `api`) a missing docstring or docment in one not in `docs_pending` (a class's method's
    not in `methods_pending` either: reported as `pending_methods`); else ok if it is `clean`, pending if not."""
    import nbformat
    clean = CLEAN if clean is None else clean
    docs_pending = DOCMENTS_PENDING if docs_pending is None else docs_pending
    methods_pending = METHOD_DOCS_PENDING if methods_pending is None else methods_pending
    cells = nbformat.read(path, as_version=4).cells
    probs = output_problems(cells)
    if api: probs.update(api_problems(cells, package, methods_pending=path.stem in methods_pending))
    n_out = sum(len(probs[k]) for k in OUTPUT_KINDS)
    n_doc = 0 if path.stem in docs_pending else sum(len(probs.get(k, [])) for k in DOC_KINDS)
    listed = path.stem in clean
    failing = [k for k in OUTPUT_KINDS if listed and probs[k]] + [k for k in DOC_KINDS if n_doc and probs.get(k)]
    return {'notebook': path.stem, 'status': 'FAILED' if failing else 'ok' if listed else 'pending', 'output_problems': n_out,
            'doc_problems': n_doc, 'failing': failing,
            'counts': {k: len(v) for k, v in probs.items() if v}, 'examples': {k: v[:N_EXAMPLES] for k, v in probs.items() if v}}

def check_outputs(names=None, api:bool=True, clean=None, docs_pending=None, package:str='fasthf', methods_pending=None)->dict:
    "The report of the notebooks `names` (default every notebook): ok unless a `CLEAN` one has an output problem, or one has a docs problem."
    clean = CLEAN if clean is None else clean
    paths = [nb_path(n) for n in names] if names else sorted((ROOT/'nbs').glob('*.ipynb'))
    missing = [str(p) for p in paths if not p.exists()]
    res = [check_notebook(p, api, clean, docs_pending, package, methods_pending) for p in paths if p.exists()]
    return {'ok': not missing and all(r['status'] != 'FAILED' for r in res), 'missing': missing, 'notebooks': res}

def print_outputs_report(rep:dict):
    "A line per notebook, then the JSON report as the last line."
    for r in rep['notebooks']:
        print(f"{r['notebook']}: {r['status']}" + (f" ({', '.join(f'{k} {v}' for k, v in r['counts'].items())})" if r['counts'] else ''))
        if r['status'] == 'FAILED':
            for k in r['failing']:
                for e in r['examples'][k]: print(f"    {k}: {e}")
    for m in rep['missing']: print(f"no such notebook: {m}")
    print(json.dumps(rep))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument('--pages', nargs='+', default=PAGES)
    p.add_argument('--out', default=str(ROOT/'docs_check'))
    p.add_argument('--outputs', nargs='*', metavar='NB', help="check the notebooks' saved outputs only (default: every notebook), no browser")
    p.add_argument('--no-api', action='store_true', help="with --outputs: skip the show_doc and docments report (no fasthf import)")
    a = p.parse_args()
    if a.outputs is not None:
        rep = check_outputs(a.outputs, api=not a.no_api)
        print_outputs_report(rep)
        sys.exit(0 if rep['ok'] else 1)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    subprocess.run(['nbdev-proc-nbs'], cwd=ROOT, check=True, capture_output=True)
    every = sorted(f.stem for f in (ROOT/'_proc').glob('*.ipynb'))
    htmls = render(every, out)  # every page must render; the browser then looks at the chosen ones
    print(f"rendered {len(htmls)} pages to HTML: {', '.join(every)}")
    undocumented = {p: m for p in every if (m := missing_rendered_docs(p))}
    for p, m in undocumented.items(): print(f"{p}: no rendered show_doc for {', '.join(m)}")
    drv = browser()
    try: res = [check_page(drv, n, htmls[n], out) for n in a.pages]
    finally: drv.quit()
    for r in res: print(f"{r['page']}: {'ok' if r['ok'] else 'FAILED'} (signature {r.get('signature', '-')}, table {r['table']}, "
                        f"training {r.get('training', '-')}, plot {r.get('plot', '-')})")
    print(json.dumps(res + [{'page': p, 'ok': False, 'no_rendered_doc': m} for p, m in undocumented.items()]))
    sys.exit(0 if all(r['ok'] for r in res) and not undocumented else 1)

if __name__ == '__main__': main()
