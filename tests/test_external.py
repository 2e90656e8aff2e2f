"fasthf.external offline: a local HTTP server on 127.0.0.1 stands in for the datasets' public origins."
import hashlib, threading
from functools import partial
from http.server import ThreadingHTTPServer, SimpleHTTPRequestHandler
from pathlib import Path
import pytest
from fasthf.core import HFDataError
from fasthf.external import DATASETS, DataSet, Origin, copy_cut, check_data, clear_data, get_data

BODY = ''.join(f'line {i}: the quick brown fox\n' for i in range(3000)).encode()
SHA = hashlib.sha256(BODY).hexdigest()
TINY = DataSet({'input.txt': Origin('http://unused/input.txt', SHA)}, {'text/input.txt': SHA},
               partial(copy_cut, files={'text/input.txt': 'input.txt'}), 'made up', 'a test file')

class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args): pass

class Cut(Quiet):
    "Announces the whole file, sends half of it, and closes the connection."
    def do_GET(self):
        data = Path(self.translate_path(self.path)).read_bytes()
        self.send_response(200); self.send_header('Content-Length', str(len(data))); self.end_headers()
        self.wfile.write(data[:len(data)//2]); self.wfile.flush(); self.close_connection = True

class Counting(Quiet):
    hits = 0
    def do_GET(self): type(self).hits += 1; super().do_GET()

@pytest.fixture
def origin(tmp_path):
    (tmp_path/'origin').mkdir(); (tmp_path/'origin'/'input.txt').write_bytes(BODY)
    return tmp_path/'origin'

@pytest.fixture
def server(origin):
    "Start a server on `origin` with a handler class; every server is stopped at the end."
    srvs = []
    def start(handler=Quiet):
        srv = ThreadingHTTPServer(('127.0.0.1', 0), partial(handler, directory=str(origin)))
        threading.Thread(target=srv.serve_forever, daemon=True).start(); srvs.append(srv)
        return srv, {'tiny': TINY.with_base(f'http://127.0.0.1:{srv.server_address[1]}')}
    yield start
    for s in srvs: s.shutdown(); s.server_close()

@pytest.fixture
def no_env(monkeypatch, tmp_path):
    monkeypatch.delenv('FASTHF_DATA', raising=False); monkeypatch.delenv('FASTHF_CACHE', raising=False)
    return tmp_path/'no-mirror'

def test_download_checksum_and_cache_hit(tmp_path, server, no_env):
    srv, reg = server(Counting)
    p = get_data('tiny', cache=tmp_path/'cache', mirror=no_env, datasets=reg)
    assert p == tmp_path/'cache'/'tiny' and (p/'text'/'input.txt').read_bytes() == BODY and (p/'SOURCE.md').exists()
    assert Counting.hits == 1
    srv.shutdown(); srv.server_close()
    assert get_data('tiny', cache=tmp_path/'cache', mirror=no_env, datasets=reg) == p  # no server: the cache answers
    assert Counting.hits == 1

def test_cache_env_var(tmp_path, server, no_env, monkeypatch):
    _, reg = server()
    monkeypatch.setenv('FASTHF_CACHE', str(tmp_path/'envcache'))
    assert get_data('tiny', mirror=no_env, datasets=reg) == tmp_path/'envcache'/'tiny'
    clear_data('tiny')
    assert not (tmp_path/'envcache'/'tiny').exists() and not (tmp_path/'envcache'/'.downloads'/'tiny').exists()

def test_checksum_mismatch_refused(tmp_path, server, no_env):
    _, reg = server()
    bad = {'tiny': reg['tiny']._replace(origins={'input.txt': reg['tiny'].origins['input.txt']._replace(sha256='0'*64)})}
    with pytest.raises(HFDataError, match='is not the expected') as e:
        get_data('tiny', cache=tmp_path/'cache', mirror=no_env, datasets=bad)
    assert '\n' not in str(e.value)
    assert not list((tmp_path/'cache'/'.downloads'/'tiny').iterdir()) and not (tmp_path/'cache'/'tiny').exists()

def test_cut_mismatch_refused(tmp_path, server, no_env):
    "An origin without its own checksum is checked through the cut's files; a mismatch removes the download too."
    _, reg = server()
    ds = reg['tiny']._replace(origins={'input.txt': Origin(reg['tiny'].origins['input.txt'].url)}, files={'text/input.txt': '0'*64})
    with pytest.raises(HFDataError, match="text/input.txt cut from the downloaded origin"):
        get_data('tiny', cache=tmp_path/'cache', mirror=no_env, datasets={'tiny': ds})
    assert not (tmp_path/'cache'/'.downloads'/'tiny'/'input.txt').exists() and not (tmp_path/'cache'/'tiny').exists()

def test_cut_connection_then_redone(tmp_path, server, no_env):
    _, cut = server(Cut)
    with pytest.raises(HFDataError, match='could not be downloaded .*ContentTooShortError'):
        get_data('tiny', cache=tmp_path/'cache', mirror=no_env, datasets=cut)
    assert not list((tmp_path/'cache'/'.downloads'/'tiny').iterdir())  # no half file kept
    _, reg = server()
    assert (get_data('tiny', cache=tmp_path/'cache', mirror=no_env, datasets=reg)/'text'/'input.txt').read_bytes() == BODY

def test_half_file_in_cache_redone(tmp_path, server, no_env):
    _, reg = server()
    dl = tmp_path/'cache'/'.downloads'/'tiny'; dl.mkdir(parents=True)
    (dl/'input.txt').write_bytes(BODY[:100]); (dl/'input.txt.part').write_bytes(BODY[:50])
    (tmp_path/'cache'/'tiny'/'text').mkdir(parents=True); (tmp_path/'cache'/'tiny'/'text'/'input.txt').write_bytes(BODY[:10])
    p = get_data('tiny', cache=tmp_path/'cache', mirror=no_env, datasets=reg)
    assert (p/'text'/'input.txt').read_bytes() == BODY and (dl/'input.txt').read_bytes() == BODY and not (dl/'input.txt.part').exists()

def test_mirror_first(tmp_path, server, no_env, monkeypatch):
    _, reg = server()
    get_data('tiny', cache=tmp_path/'cache', mirror=no_env, datasets=reg)
    m = tmp_path/'mirror'; (m/'tiny'/'text').mkdir(parents=True); (m/'tiny'/'text'/'input.txt').write_bytes(b'mirror copy')
    monkeypatch.setenv('FASTHF_DATA', str(m))
    assert get_data('tiny', cache=tmp_path/'cache', datasets=reg) == m/'tiny'  # the variable beats the cache
    monkeypatch.setenv('FASTHF_DATA', str(tmp_path/'origin'))               # a mirror without the dataset
    assert get_data('tiny', cache=tmp_path/'cache', datasets=reg) == tmp_path/'cache'/'tiny'

def test_offline_one_line(tmp_path, server, no_env):
    srv, reg = server(); srv.shutdown(); srv.server_close()
    with pytest.raises(HFDataError) as e: get_data('tiny', cache=tmp_path/'cache', mirror=no_env, datasets=reg)
    msg = str(e.value)
    assert '\n' not in msg and "'tiny'" in msg and 'FASTHF_DATA' in msg and 'connect to the internet' in msg, msg
    with pytest.raises(HFDataError, match="unknown dataset 'nope'"): get_data('nope')

def test_registry_matches_shared(shared):
    "The registry's sha256 are those of the files the tests read (a mirror, or what get_data downloaded)."
    for name,ds in DATASETS.items(): assert check_data(shared/name, ds) == [], name
