"""The PDF report in Amharic and Arabic prints real glyphs: its fonts are embedded Noto fonts of
those scripts, its text layer holds the page's labels, and its pages render to pictures.

Needs poppler-utils (pdftotext, pdffonts, pdftoppm) and Debian's fonts-noto-core; skips
without them, fails under CI=true (``.ci/run`` installs both)."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from flask_babel import gettext
from PIL import Image

from voice.extensions import db
from voice.models import Code

from ...helpers import require

SCRIPT_FONTS = {"am": "Noto-Sans-Ethiopic", "ar": "Noto-Sans-Arabic"}


def _run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout


@pytest.fixture
def poppler():
    require(all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdftoppm")),
            "poppler-utils is not installed (apt-get install poppler-utils)")
    families = _run("fc-list", ":", "family") if shutil.which("fc-list") else ""
    require(all(f"Noto Sans {script}" in families for script in ("Hebrew", "Arabic", "Ethiopic")),
            "the Noto fonts are not installed (apt-get install fonts-noto-core)")


@pytest.mark.parametrize("locale", ["am", "ar"])
def test_report_pdf_prints_real_glyphs(app, client, signed_in, town, poppler, tmp_path, locale):
    signed_in("committee")
    response = client.get(f"/review/town/report.pdf?period=2026&lang={locale}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.data)

    fonts = _run("pdffonts", str(pdf)).splitlines()[2:]
    assert any(SCRIPT_FONTS[locale] in line for line in fonts), fonts
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # every font embedded ("emb" column)

    text = " ".join(_run("pdftotext", "-enc", "UTF-8", str(pdf), "-").split())
    with app.test_request_context(f"/?lang={locale}"):
        headings = [gettext("Top barriers"), gettext("Linked barriers by place")]
    cost = db.session.query(Code).filter_by(key="barrier.cost").one().labels[locale]
    for label in [*headings, cost]:
        assert label in text or _reversed_words(label) in text, f"{label!r} is not in the text layer"

    _run("pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "page"))
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    assert page.getextrema()[0] < 100  # ink on the first page: it rendered


def _reversed_words(label: str) -> str:
    """pdftotext may give a right-to-left line in visual order, word by word."""
    return " ".join(reversed(label.split()))
