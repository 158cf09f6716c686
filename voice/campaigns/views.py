from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..i18n import language_choices
from ..models import Campaign
from ..refusals import refused_on_field
from ..security import roles_required
from ..timezones import zone_names
from . import operations
from .forms import CampaignForm

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")

READERS = ("admin", "analyst", "facilitator", "committee")
EDITORS = ("admin", "analyst")


@bp.route("/")
@roles_required(*READERS)
def index():
    return render_template("campaigns/index.html", campaigns=Campaign.ordered(),
                           can_edit=current_user.role in EDITORS)


def _form(campaign: Campaign | None) -> CampaignForm:
    form = CampaignForm(obj=campaign)
    form.languages.choices = language_choices(current_app.config["LANGUAGES"])
    if campaign is not None and not form.is_submitted():
        form.group_keys.data = ", ".join(campaign.group_keys or [])
    return form


def _save(campaign: Campaign | None):
    form = _form(campaign)
    if form.validate_on_submit():
        with refused_on_field(form.slug, operations.SlugTaken,
                              _("Another campaign already uses this short name.")):
            saved = operations.save_campaign(
                campaign, name=form.name.data, slug=form.slug.data, description=form.description.data,
                languages=form.languages.data, group_keys=form.group_key_list(),
                starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                time_zone=form.time_zone.data, raw_text_days=form.raw_text_days.data, actor=current_user)
            flash(_("Campaign “%(name)s” saved.", name=saved.name), "success")
            return redirect(url_for("campaigns.index"))
    return render_template("campaigns/form.html", form=form, campaign=campaign, zone_names=zone_names())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def create():
    return _save(None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(slug: str):
    return _save(Campaign.by_slug(slug) or abort(404))
