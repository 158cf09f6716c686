from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _, get_locale
from flask_login import current_user
from sqlalchemy import func, select

from ..extensions import db
from ..models import Code, Geography, Indicator, IndicatorValue
from ..models.base import labels_in
from ..security import roles_required
from . import geographies, values
from .forms import GeographyImportForm, IndicatorImportForm, LinkCodesForm

bp = Blueprint("indicators", __name__, url_prefix="/indicators")

EDITORS = ("admin", "analyst")


def _code_choices() -> list[tuple[str, str]]:
    locale = str(get_locale())
    return [(code.key, f"{labels_in(code.labels, locale)} ({code.key})") for code in Code.active()]


@bp.route("/")
@roles_required(*EDITORS)
def index():
    counts = dict(db.session.execute(select(IndicatorValue.indicator_id, func.count())
                                     .group_by(IndicatorValue.indicator_id)).all())
    indicators = list(db.session.scalars(select(Indicator).order_by(Indicator.code)))
    choices = _code_choices()
    forms = {}
    for indicator in indicators:
        form = LinkCodesForm(prefix=f"link-{indicator.id}", indicator=indicator.code, codes=indicator.linked_codes)
        form.codes.choices = choices
        forms[indicator.id] = form
    geographies = list(db.session.scalars(select(Geography).order_by(Geography.level, Geography.name)))
    return render_template("indicators/index.html", indicators=indicators, counts=counts, forms=forms,
                           geographies=geographies, locale=str(get_locale()))


@bp.route("/links", methods=["POST"])
@roles_required(*EDITORS)
def save_links():
    indicator = None
    for candidate in db.session.scalars(select(Indicator)):
        form = LinkCodesForm(prefix=f"link-{candidate.id}")
        form.codes.choices = _code_choices()
        if form.indicator.data == candidate.code:
            indicator = candidate
            break
    if indicator is None or not form.validate_on_submit():
        flash(_("Nothing was changed: the form was incomplete."), "error")
        return redirect(url_for("indicators.index"))
    values.link_codes(indicator, form.codes.data, actor=current_user)
    flash(_("Links saved for “%(indicator)s”.", indicator=labels_in(indicator.name, str(get_locale()))), "success")
    return redirect(url_for("indicators.index"))


def _upload(form, importer, template: str):
    result = None
    if form.validate_on_submit():
        upload = form.upload.data
        result = importer(upload.read(), upload.filename or "", actor=current_user)
        if result.ok:
            flash(_("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.",
                    created=result.created, updated=result.updated, unchanged=result.unchanged), "success")
            return redirect(url_for("indicators.index"))
    return render_template(template, form=form, result=result)


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*EDITORS)
def upload():
    return _upload(IndicatorImportForm(), values.import_indicators, "indicators/upload.html")


@bp.route("/geographies/import", methods=["GET", "POST"])
@roles_required(*EDITORS)
def upload_geographies():
    return _upload(GeographyImportForm(), geographies.import_geographies, "indicators/upload_geographies.html")
