"""Re-execute one notebook in a real Jupyter kernel and save its outputs, as a reader of the docs will see them.

The notebook runs with `nbclient` in the `python3` kernel of the Python that runs this script (so the checkout's virtual
environment), in the notebook's own folder, with the full budget (`IN_TEST` unset) unless `--in-test` sets `IN_TEST=1`.
A real kernel matters: fastprogress then saves its HTML training tables, not the `\\r` frames of a console. When every
cell succeeds the notebook is written back atomically (a temporary file in its folder, then `os.replace`) and cleaned
with `nbdev-clean`; the run time and the saved-outputs report of `tools/check_docs.py` for this notebook are printed,
and the exit code is 1 if that report finds an output problem. When a cell fails the error is printed, the notebook
file is left untouched and the exit code is 1.

    python tools/run_nb.py nbs/24_stream.ipynb
    python tools/run_nb.py nbs/20_external.ipynb --timeout 300 --in-test
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))
from check_docs import OUTPUT_KINDS, check_notebook

def execute(nb, folder:Path, timeout:int, in_test:bool)->float:
    "Run every cell of `nb` in place in a fresh python3 kernel started in `folder`; the seconds it took."
    from nbclient import NotebookClient
    if in_test: os.environ['IN_TEST'] = '1'  # the kernel inherits this process's environment
    else: os.environ.pop('IN_TEST', None)
    client = NotebookClient(nb, timeout=timeout, kernel_name='python3', record_timing=False,
                            extra_arguments=['--IPKernelApp.log_level=ERROR'],  # not its warning about local TCP sockets
                            resources={'metadata': {'path': str(folder)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start

def write_atomic(nb, path:Path):
    "Write `nb` to `path` through a temporary file in the same folder, so a reader never finds half a notebook."
    import nbformat
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.stem}.', suffix='.ipynb.tmp')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f: nbformat.write(nb, f)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

def nbdev_clean(path:Path):
    "Clean the notebook's metadata with `nbdev-clean` (the outputs are kept), as the repository's notebooks are kept."
    exe = Path(sys.executable).parent/'nbdev-clean'
    subprocess.run([str(exe) if exe.exists() else shutil.which('nbdev-clean') or 'nbdev-clean', '--fname', str(path)],
                   cwd=path.parent, check=True)

def run_notebook(path:Path, timeout:int=600, in_test:bool=False)->float:
    "Execute the notebook at `path`, save it with its outputs and clean it; the run time. A cell error raises and writes nothing."
    import nbformat
    nb = nbformat.read(path, as_version=4)
    secs = execute(nb, path.parent, timeout, in_test)
    write_atomic(nb, path)
    nbdev_clean(path)
    return secs

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument('notebook', help='the notebook to run, e.g. nbs/24_stream.ipynb')
    p.add_argument('--timeout', type=int, default=600, help='seconds a cell may run (default 600)')
    p.add_argument('--in-test', action='store_true', help="run with IN_TEST=1, the notebooks' small test budget")
    a = p.parse_args()
    path = Path(a.notebook).resolve()
    if not path.is_file(): sys.exit(f"no such notebook: {a.notebook}")
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    try: secs = run_notebook(path, a.timeout, a.in_test)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        print(e, file=sys.stderr)
        print(f"{path.name}: a cell failed; the notebook was not changed", file=sys.stderr)
        sys.exit(1)
    rep = check_notebook(path, api=False)
    bad = sum(rep['counts'].get(k, 0) for k in OUTPUT_KINDS)
    print(f"{path.name}: ran in {secs:.0f}s ({'IN_TEST=1' if a.in_test else 'full budget'}); "
          f"{'no output problem' if not bad else f'{bad} output problems'}")
    print(json.dumps(rep))
    sys.exit(1 if bad else 0)

if __name__ == '__main__': main()
