import ast
import subprocess
import sys
from pathlib import Path

import nlp

NLP_DIR = Path(nlp.__file__).parent


def test_no_module_imports_flask_or_voice():
    for path in NLP_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in {"flask", "voice"}, (path, name)


def test_package_works_without_flask():
    code = (
        "import sys\n"
        "sys.modules['flask'] = None\n"
        "sys.modules['voice'] = None\n"
        "import nlp\n"
        "p = nlp.Pipeline(nlp.load_codebook())\n"
        "(r,) = p.tag([(1, 'The rent is too expensive', 'en')])\n"
        "assert 'barrier.cost' in {t.code for t in r.tags}\n"
        "assert 'flask' not in {m.split('.')[0] for m, v in sys.modules.items() if v}\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=NLP_DIR.parent, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_public_names_exported():
    for name in nlp.__all__:
        assert hasattr(nlp, name), name
