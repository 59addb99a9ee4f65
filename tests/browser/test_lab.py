"""`make lab`'s JupyterLab: started headless on a free port with a token, it opens a chapter and
shows the notebook rendered: its Markdown and equations typeset, its code cells."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT

CHAPTER = "01_data"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    pytest.importorskip(
        "jupyterlab", reason="JupyterLab is the lab extra: pip install -e '.[lab]' (make lab does)"
    )
    import psutil

    home = tmp_path_factory.mktemp("lab")
    token, port = secrets.token_hex(16), _free_port()
    # Jupyter's settings, workspaces and runtime files in a folder of the test's own.
    env = {**os.environ, **{name: str(home / name) for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR")}}
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(home / "workspaces")
    # No autosave: opening a chapter must not write it back into book/.
    env["JUPYTERLAB_SETTINGS_DIR"] = str(home / "settings")
    docmanager = home / "settings" / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True)
    (docmanager / "plugin.jupyterlab-settings").write_text('{"autosave": false}')
    lab_command = Path(sys.executable).with_name("jupyter-lab")
    command = [str(lab_command), "--no-browser", "--ip=127.0.0.1", f"--port={port}"]
    command += ["--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"]
    command += [f"--ServerApp.root_dir={ROOT / 'book'}"]
    if os.geteuid() == 0:  # a container's root, as CI runs: Jupyter refuses root unless told
        command.append("--allow-root")
    log = open(home / "lab.log", "w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:  # until the server answers, or has ended
        assert server.poll() is None, (home / "lab.log").read_text()
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        assert time.monotonic() < deadline, "JupyterLab did not answer within 120 s"
        psutil.wait_procs([psutil.Process(server.pid)], timeout=0.5)
    yield url, token
    for process in [*psutil.Process(server.pid).children(recursive=True), psutil.Process(server.pid)]:
        process.kill()
    server.wait()
    log.close()
    shutil.rmtree(ROOT / "book" / ".ipynb_checkpoints", ignore_errors=True)


def test_jupyterlab_opens_a_chapter_rendered(browser, lab):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    url, token = lab
    browser.get(f"{url}/lab/tree/{CHAPTER}.ipynb?token={token}")
    rendered = (
        "const panel = document.querySelector('.jp-NotebookPanel');"
        "if (!panel) return {cells: 0, title: '', math: 0, code: ''};"
        "const heading = panel.querySelector('.jp-RenderedMarkdown h1');"
        "return {cells: panel.querySelectorAll('.jp-Cell').length,"
        " title: heading ? heading.textContent : '',"
        " math: panel.querySelectorAll('.jp-RenderedMarkdown mjx-container').length,"
        " code: [...panel.querySelectorAll('.jp-CodeCell .cm-content')].map(c => c.textContent).join('\\n')};"
    )
    def ready(shown: dict) -> bool:
        """The chapter's Markdown rendered (its title, its equations typeset), its code cells shown."""
        return (
            shown["cells"] >= 5
            and shown["title"].startswith("The data")
            and shown["math"] > 0
            and "n_points = 10_000" in shown["code"]
            and "vaebook.Config.from_parameters" in shown["code"]
        )

    try:
        WebDriverWait(browser, 120).until(lambda b: ready(b.execute_script(rendered)))
    except TimeoutException:
        shown = browser.execute_script(rendered)
        pytest.fail(f"JupyterLab did not show {CHAPTER} rendered in 120 s: {shown}")
