"""Build step that setup.cfg cannot declare: the package carries its templates and compiled catalogs.

A source checkout keeps templates/ and translations/ at the project root (voice finds them there);
a wheel has no project root, so they go inside the package as voice/templates and
voice/translations, with every catalog compiled, and ``pip install`` alone gives a working app.
"""
import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def compile_catalogs(source: Path, target: Path) -> list[str]:
    """Each locale's messages.po compiled to target/<locale>/LC_MESSAGES/messages.mo."""
    written = []
    for po_path in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        mo_path = target / po_path.relative_to(source).with_suffix(".mo")
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        written.append(str(mo_path))
    return written


class BuildWithTemplatesAndCatalogs(build_py):
    def run(self):
        super().run()
        if self.editable_mode:
            # An editable install runs from the checkout, which reads the project root's folders.
            compile_catalogs(ROOT / "translations", ROOT / "translations")
            return
        package = Path(self.build_lib) / "voice"
        shutil.copytree(ROOT / "templates", package / "templates", dirs_exist_ok=True)
        compile_catalogs(ROOT / "translations", package / "translations")


setup(cmdclass={"build_py": BuildWithTemplatesAndCatalogs})
