"""`pip install` alone gives a working app: the wheel builds without setuptools warnings and,
installed outside the source tree, serves pages in every language without `make`."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Python warning categories (BuildBackendWarning, SetuptoolsDeprecationWarning, …) in the build
# output; pip's own notices are written "WARNING:" and are not the project's to fix.
PYTHON_WARNING = re.compile(r"\b[A-Z]\w*Warning\b")

SERVE_A_PAGE = """
import sys, voice
from voice import create_app
assert not voice.__file__.startswith(sys.argv[1]), voice.__file__
app = create_app()
response = app.test_client().get("/auth/sign-in?lang=es")
print(response.status_code, "Iniciar sesión" in response.get_data(as_text=True))
"""


def _run(command: list, **kwargs) -> str:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.mark.slow
def test_the_built_wheel_installs_quietly_and_serves_pages(tmp_path):
    wheels, target = tmp_path / "wheels", tmp_path / "venv"
    build_output = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(wheels), str(ROOT)])
    assert not PYTHON_WARNING.findall(build_output), "\n".join(
        line for line in build_output.splitlines() if PYTHON_WARNING.search(line))

    # A fresh environment that borrows this one's dependencies instead of downloading them.
    venv.create(target, with_pip=True)
    python = target / "bin" / "python"
    borrowed = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip()
    Path(borrowed, "borrowed-dependencies.pth").write_text(
        "\n".join(dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))) + "\n")
    # --no-deps: the borrowed site holds this project too (the developer's editable install),
    # which pip would otherwise take as already installed; `pip check` still checks the requirements.
    install_output = _run([str(python), "-m", "pip", "install", "--no-index", "--no-deps",
                           *map(str, wheels.glob("*.whl"))], cwd=tmp_path)
    assert not PYTHON_WARNING.findall(install_output), install_output
    _run([str(python), "-m", "pip", "check"], cwd=tmp_path)

    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path),
                   "VOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'voice.sqlite3'}"}
    _run([str(target / "bin" / "voice"), "init-db"], cwd=tmp_path, env=environment)
    served = _run([str(python), "-c", SERVE_A_PAGE, str(ROOT)], cwd=tmp_path, env=environment)
    assert served.split() == ["200", "True"], served
