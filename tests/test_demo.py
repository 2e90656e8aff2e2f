"Demo apps (fasthf.demo) for every task: served on 127.0.0.1 and called with gradio_client, one driven in headless Chromium, a Space run from its own folder, and the CLI's bad inputs."
import json, os, shutil, socket, subprocess, sys, time
from pathlib import Path
import pytest

pytest.importorskip('gradio')
ROOT = Path(__file__).resolve().parent.parent

def tiny_bert(cls, tok, **kw):
    from transformers import BertConfig
    return cls(BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                          max_position_embeddings=32, **kw))

def task_folder(task, path, minilm, tokenizers):
    "A tiny random model saved as fasthf saves a model of `task` (inputs cut or windowed at 32 tokens), with two examples."
    import transformers as tr
    from fasthf.lm import lm_config
    from fasthf.seq2seq import seq2seq_config
    path = Path(path)
    texts = ['What a wonderful film, John loved it.', 'Two hours in Paris I will never get back.']
    settings = {'task': task}
    if task in ('classification', 'multilabel', 'regression', 'ner', 'qa', 'mlm'):
        tok = tr.AutoTokenizer.from_pretrained(minilm)
        labels = {'classification': ['negative', 'positive'], 'multilabel': ['funny', 'sad', 'long'], 'ner': ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC']}.get(task)
        kw = dict(id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)}) if labels else {}
        if task in ('classification', 'multilabel', 'regression'):
            kw['problem_type'] = {'classification': 'single_label_classification', 'multilabel': 'multi_label_classification'}.get(task, 'regression')
            if task == 'regression': kw['num_labels'] = 1
        cls = {'ner': tr.BertForTokenClassification, 'qa': tr.BertForQuestionAnswering, 'mlm': tr.BertForMaskedLM}.get(task, tr.BertForSequenceClassification)
        m = tiny_bert(cls, tok, **kw)
        if task in ('ner', 'qa'): settings['stride'] = 8
        if task == 'qa': texts = [{'question': 'Who loved it?', 'context': texts[0]}, {'question': 'Where?', 'context': texts[1]}]
        if task == 'mlm': texts = [t.replace('film', tok.mask_token) for t in texts[:1]]
    elif task == 'clm':
        tok = tr.AutoTokenizer.from_pretrained(Path(tokenizers)/'gpt2')
        m = tr.AutoModelForCausalLM.from_config(lm_config(tok, causal=True, size='tiny', max_len=64))
    else:
        tok = tr.AutoTokenizer.from_pretrained(Path(tokenizers)/'t5-small')
        m = tr.AutoModelForSeq2SeqLM.from_config(seq2seq_config(tok, 'tiny', max_len=64))
        m.generation_config.max_new_tokens, m.generation_config.num_beams = 8, 2
        settings['prefix'] = 'summarize: ' if task == 'summarization' else ''
    tok.model_max_length = 32
    m.config.fasthf = settings
    m.save_pretrained(path); tok.save_pretrained(path)
    (path/'examples.json').write_text(json.dumps(texts))
    return path

@pytest.fixture(scope='module')
def folders(tmp_path_factory, minilm, shared):
    "name -> a saved folder, made on first use."
    made = {}
    def get(task):
        if task not in made: made[task] = task_folder(task, tmp_path_factory.mktemp(task)/'model', minilm, shared/'tokenizers')
        return made[task]
    return get

def segments(highlighted):
    "`(text, label)` of the labelled segments of a `gr.HighlightedText` value as the client receives it."
    return [(s['token'], s['class_or_confidence']) for s in highlighted if s['class_or_confidence'] is not None]

LONG = 'word ' * 3000  # ~3,000 tokens, with a window or truncation length of 32
# task -> (API arguments, the predictor's item and options, how the app's answer is compared with the predictor's)
CASES = {
    'classification': (['What a wonderful film.'], {}, lambda out, r: {c['label']: c['confidence'] for c in out['confidences']} == pytest.approx(r['probs'])),
    'multilabel': (['What a wonderful film.'], {}, lambda out, r: {c['label']: c['confidence'] for c in out['confidences']} == pytest.approx(r['scores'])),
    'regression': (['What a wonderful film.'], {}, lambda out, r: out == pytest.approx(r['score'])),
    'ner': (['John lives in Paris.'], {}, lambda out, r: segments(out) == [('John lives in Paris.'[e['start']:e['end']], e['entity_group']) for e in r]),
    'qa': (['Where does John live?', 'John lives in Paris.'], {},
           lambda out, r: out[0] == r['answer'] and out[1] == pytest.approx(r['score']) and segments(out[2]) == [(r['answer'], 'answer')]),
    'mlm': (['Paris is the [MASK] of France.', 3], {'top_k': 3}, lambda out, r: {c['label']: c['confidence'] for c in out['confidences']} == pytest.approx({x['token_str']: x['score'] for x in r})),
    'clm': (['Once upon a time', 6, 0.], {'max_new_tokens': 6, 'temperature': 0.}, lambda out, r: out == r['generated_text']),
    'summarization': (['A long story about a cat who went to Paris.', 2], {'num_beams': 2}, lambda out, r: out == r['summary_text']),
    'translation': (['A house in the woods.', 1], {'num_beams': 1}, lambda out, r: out == r['translation_text']),
}

@pytest.mark.parametrize('task', list(CASES))
def test_app_over_api(folders, task):
    "Each task's app, called through its `/predict` endpoint, answers what the predictor answers; bad inputs are one message."
    from gradio_client import Client
    from gradio_client.exceptions import AppError
    from fasthf.demo import launch_demo, free_port
    from fasthf.tasks import load_predictor
    f = folders(task)
    p = load_predictor(f)
    args, kw, same = CASES[task]
    item = {'question': args[0], 'context': args[1]} if task == 'qa' else args[0]
    app = launch_demo(f, port=free_port(), block=False)
    try:
        assert app.local_url.startswith('http://127.0.0.1:')
        c = Client(app.local_url, verbose=False)
        assert same(c.predict(*args, api_name='/predict'), p.predict([item], **kw)[0])
        with pytest.raises(AppError, match='is empty'): c.predict(*(['  '] + args[1:]), api_name='/predict')
        long = [args[0], 'John lives in Paris. ' * 400] if task == 'qa' else ['[MASK] ' + LONG if task == 'mlm' else LONG, *args[1:]]
        out = c.predict(*long, api_name='/predict')  # truncated or windowed as in training: an answer, not an index error
        assert out is not None
        if task == 'mlm':  # a mask beyond the length the model reads: the predictor's own one-line reason
            with pytest.raises(AppError, match='cut off by truncation'): c.predict(LONG + '[MASK]', 3, api_name='/predict')
            with pytest.raises(AppError, match='has no mask token'): c.predict('no mask here', 3, api_name='/predict')
    finally: app.close()
    with socket.socket() as s:  # closed: nothing listens on the port any more (connections may linger in TIME_WAIT)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('127.0.0.1', int(app.local_url.rstrip('/').rsplit(':', 1)[1])))

def chromium():
    "A headless Chromium driven by selenium, or the reason there is none."
    if not (shutil.which('chromium') or shutil.which('chromium-browser')) or not shutil.which('chromedriver'):
        pytest.skip('chromium and chromedriver are not installed (apt-get install -y chromium chromium-driver)')
    webdriver = pytest.importorskip('selenium.webdriver')
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1100,560'): opts.add_argument(a)
    opts.binary_location = shutil.which('chromium') or shutil.which('chromium-browser')
    return webdriver.Chrome(service=Service(shutil.which('chromedriver')), options=opts)

def test_app_in_chromium(tmp_path, minilm, shared):
    "Type a text, press Submit and read the label a person would see; the screenshot goes to the docs (nbs/images/demo.png)."
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    from fasthf.demo import launch_demo, free_port
    from fasthf.tasks import load_predictor
    drv = chromium()
    f = task_folder('classification', tmp_path/'imdb-sentiment'/'model', minilm, shared/'tokenizers')
    app = launch_demo(f, port=free_port(), block=False)
    try:
        drv.get(app.local_url)
        box = WebDriverWait(drv, 120).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="textbox"]'))[0]
        box.send_keys('What a wonderful film, John loved it.')
        next(b for b in drv.find_elements(By.TAG_NAME, 'button') if b.text.strip() == 'Submit').click()
        shown = WebDriverWait(drv, 120).until(lambda d: [e.text for e in d.find_elements(By.CSS_SELECTOR, '[data-testid="label-output-value"]') if e.text])[0]
        assert shown == load_predictor(f).predict(['What a wonderful film, John loved it.'])[0]['label']
        out = ROOT/'nbs'/'images'/'demo.png'; out.parent.mkdir(exist_ok=True)
        drv.execute_script('window.scrollTo(0, 0)')
        drv.save_screenshot(str(out))
        assert out.stat().st_size > 10_000
    finally:
        drv.quit(); app.close()

def wait_port(port, proc, timeout=300):
    "Wait until something listens on `port` (or `proc` has died)."
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None: return False
        with socket.socket() as s:
            if s.connect_ex(('127.0.0.1', port)) == 0: return True
        time.sleep(1)
    return False

def test_space_runs_from_its_folder(folders, tmp_path):
    "`fasthf-demo DIR --space OUT` writes a folder whose app.py serves the same app from the model copied next to it."
    from gradio_client import Client
    from huggingface_hub import SpaceCard
    from fasthf.demo import free_port
    from fasthf.tasks import load_predictor
    f, space = folders('ner'), tmp_path/'space'
    script = tmp_path/'fasthf-demo'  # what the console script `fasthf-demo = fasthf.demo:fasthf_demo` runs
    script.write_text('import sys\nfrom fasthf.demo import fasthf_demo\nsys.exit(fasthf_demo())\n')
    r = subprocess.run([sys.executable, str(script), str(f.parent), '--space', str(space)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert sorted(x.name for x in space.iterdir()) == ['README.md', 'app.py', 'model', 'requirements.txt']
    card = SpaceCard.load(space/'README.md').data.to_dict()
    assert (card['sdk'], card['app_file']) == ('gradio', 'app.py') and 'token-classification' in card['tags']
    port = free_port()
    env = {**os.environ, 'GRADIO_SERVER_PORT': str(port), 'GRADIO_SERVER_NAME': '127.0.0.1', 'GRADIO_ANALYTICS_ENABLED': 'False'}
    proc = subprocess.Popen([sys.executable, 'app.py'], cwd=space, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_port(port, proc), proc.stdout.read()[-3000:] if proc.poll() is not None else 'app.py did not start'
        out = Client(f'http://127.0.0.1:{port}/', verbose=False).predict('John lives in Paris.', api_name='/predict')
        ents = load_predictor(f).predict(['John lives in Paris.'])[0]
        assert segments(out) == [('John lives in Paris.'[e['start']:e['end']], e['entity_group']) for e in ents]
    finally:
        proc.terminate(); proc.wait(timeout=60)

def test_cli_bad_inputs(folders, tmp_path, capsys):
    "Not a fasthf model, a busy port, an occupied Space folder: one line on stderr and exit code 2 each."
    from fasthf.demo import fasthf_demo
    plain = tmp_path/'plain'; plain.mkdir(); (plain/'config.json').write_text(json.dumps({'model_type': 'bert'}))
    full = tmp_path/'full'; full.mkdir(); (full/'x').write_text('x')
    clf = str(folders('classification'))
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); s.listen(); busy = s.getsockname()[1]
        cases = [((str(tmp_path/'missing'),), {}, 'no HF model folder'), ((str(plain),), {}, 'holds no fasthf task'),
                 ((clf,), {'port': busy}, f'port {busy} is busy'), ((clf,), {'space': str(full)}, 'is not an empty folder'),
                 ((clf,), {'port': 70000}, 'between 1 and 65535')]
        for args, kw, msg in cases:
            capsys.readouterr()
            with pytest.raises(SystemExit) as e: fasthf_demo(*args, **kw)
            err = capsys.readouterr().err.strip().splitlines()  # (loading a model may draw transformers' progress bars first)
            ours = [l for l in err if 'error' in l.lower()]
            assert e.value.code == 2 and len(ours) == 1 and ours[0] == err[-1], err
            assert err[-1].startswith('fasthf-demo: error: ') and msg in err[-1], err
