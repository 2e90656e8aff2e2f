"""Render the docs offline and look at them in headless Chromium, as a reader would.

`nbdev-proc-nbs` writes the processed notebooks to `_proc/` (the `show_doc` cells rendered to markdown, directives
applied), nbconvert turns the chosen pages into HTML, and Chromium (through selenium and the Debian packages
`chromium` + `chromium-driver`) opens each page, takes a screenshot of its top and of the elements checked, and checks
that a reader sees what the page promises: the rendered `show_doc` signature of an exported function and a
`show_batch` table. Quarto, which builds the real site, cannot be installed offline; this is the offline stand-in.
The last stdout line is a JSON report; the exit code is 1 if a check fails.

    python tools/check_docs.py                                  # the index and the classification page
    python tools/check_docs.py --pages index 10_ner --out /tmp/shots
"""
import argparse, json, re, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# what each page must show: a function whose rendered signature we look for (None: no show_doc on the page)
SIGNATURES = {'index': None, '03_classification': 'hf_classifier_learner', '01_data': 'HFTextBlock', '10_ner': 'hf_ner_learner',
              '12_seq2seq': 'hf_seq2seq_learner', '14_distributed': 'HFDistributedDL'}

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

def browser():
    "Headless Chromium driven by selenium (Debian's chromium and chromium-driver)."
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1280,1600'): opts.add_argument(a)
    opts.binary_location = shutil.which('chromium') or shutil.which('chromium-browser') or opts.binary_location
    return webdriver.Chrome(service=Service(shutil.which('chromedriver') or '/usr/bin/chromedriver'), options=opts)

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
        r['signature'] = bool(heads and sig)
        if sig:
            drv.execute_script('arguments[0].scrollIntoView()', sig[0])
            sig[0].screenshot(str(out/f'{name}_signature.png')); r['signature_shot'] = str(out/f'{name}_signature.png')
            r['signature_text'] = sig[0].text.splitlines()[0]
    # a show_batch/show_results table (pandas' `dataframe` class); the index has the results table of its markdown instead
    sel = 'table' if name == 'index' else 'table.dataframe'
    tables = [t for t in drv.find_elements(By.CSS_SELECTOR, sel) if len(t.find_elements(By.TAG_NAME, 'tr')) > 2]
    r['table'] = bool(tables)
    if tables:
        drv.execute_script('arguments[0].scrollIntoView()', tables[0])
        tables[0].screenshot(str(out/f'{name}_table.png')); r['table_shot'] = str(out/f'{name}_table.png')
        r['table_header'] = [th.text for th in tables[0].find_elements(By.TAG_NAME, 'th')][:6]
    r['ok'] = r['table'] and r.get('signature', True)
    return r

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument('--pages', nargs='+', default=['index', '03_classification'])
    p.add_argument('--out', default=str(ROOT/'docs_check'))
    a = p.parse_args()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    subprocess.run(['nbdev-proc-nbs'], cwd=ROOT, check=True, capture_output=True)
    every = sorted(f.stem for f in (ROOT/'_proc').glob('*.ipynb'))
    htmls = render(every, out)  # every page must render; the browser then looks at the chosen ones
    print(f"rendered {len(htmls)} pages to HTML: {', '.join(every)}")
    drv = browser()
    try: res = [check_page(drv, n, htmls[n], out) for n in a.pages]
    finally: drv.quit()
    for r in res: print(f"{r['page']}: {'ok' if r['ok'] else 'FAILED'} (signature {r.get('signature', '-')}, table {r['table']})")
    print(json.dumps(res))
    sys.exit(0 if all(r['ok'] for r in res) else 1)

if __name__ == '__main__': main()
