"""The committee's pages: dashboard, joined indicator view, report (HTML and PDF), exports, actions.

Views parse the filters, check access and call ``themes``, ``indicator_view``, ``priorities``
and ``operations``; every figure they show has already been through ``privacy``. Committee
members read aggregate figures and redacted quotes only: nothing here reaches raw answers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select
from weasyprint import CSS, HTML

from .. import spreadsheets
from ..extensions import db
from ..i18n import format_points, format_signed, locale_info
from ..models import Action, Campaign, Geography, Indicator
from ..crypto import forbid_decryption
from ..labels import channel_groups, session_kind_choices
from ..security import roles_required
from . import aggregates as agg, charts, exports, indicator_view, operations, presentation, priorities, themes
from .forms import STATUS_LABELS, ActionForm, ActionStatusForm
from .privacy import TOTAL

bp = Blueprint("review", __name__, url_prefix="/review")
# Whoever reads them, these pages show redacted text: raw text is never decrypted here.
bp.before_request(forbid_decryption)

READERS = ("admin", "analyst", "committee")
RECORDERS = ("admin", "analyst", "committee")
TABLES = ("codes", "joined", "barriers", "trend")


@dataclass
class Selection:
    campaign: Campaign
    filters: agg.Filters
    geography: Geography | None
    indicator: Indicator | None
    args: dict[str, str]
    options: dict[str, Any]
    locale: str


def _campaign(slug: str) -> Campaign:
    return Campaign.by_slug(slug) or abort(404)


def _select(slug: str) -> Selection:
    campaign = _campaign(slug)
    locale = str(get_locale())
    periods = agg.periods(campaign.id)
    raw_period = request.args.get("period")
    period = agg.Period.parse(raw_period) if raw_period != "all" else None
    if raw_period is None and periods:
        period = periods[0]
    geography = None
    if request.args.get("geography"):
        geography = db.session.scalar(select(Geography).where(Geography.code == request.args["geography"]))
    group_key = group_value = None
    if "=" in request.args.get("group", ""):
        group_key, group_value = request.args["group"].split("=", 1)
        if group_key not in (campaign.group_keys or []) or group_key == "language":
            group_key = group_value = None
    language = request.args.get("language") or None
    channel = request.args.get("channel") or None
    filters = agg.Filters(campaign.id, period, agg.geography_ids_under(geography) if geography else None,
                          language, channel, group_key, group_value)
    indicators = list(db.session.scalars(select(Indicator).order_by(Indicator.code)))
    indicator = next((i for i in indicators if i.code == request.args.get("indicator")), None)
    indicator = indicator or (indicators[0] if indicators else None)
    geographies = list(db.session.scalars(select(Geography).order_by(Geography.level, Geography.name)))
    group_options = _group_options(campaign, locale)
    args = {name: request.args.get(name, "") for name in ("period", "geography", "language", "channel", "group",
                                                          "indicator", "shade")}
    args["period"] = period.label if period else "all"
    if indicator is not None:
        args["indicator"] = indicator.code
    options = {"periods": periods, "geographies": geographies, "languages": campaign.languages or [],
               "channels": channel_groups(agg.channels(campaign.id)), "groups": group_options,
               "indicators": indicators}
    return Selection(campaign, filters, geography, indicator, args, options, locale)


def _group_options(campaign: Campaign, locale: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The group filter's (group name, [("key=value", value's name)]) sections; language has its own filter."""
    labels = presentation.group_labels(campaign, locale)
    return [(labels[key].name, [(f"{key}={value}", presentation.group_value_label(labels, key, value))
                                for value in agg.group_values(campaign.id, key)])
            for key in campaign.group_keys or [] if key != "language"]


def _query(selection: Selection, **overrides) -> dict[str, str]:
    return {k: v for k, v in {**selection.args, **overrides}.items() if v}


def _dashboard(selection: Selection, *, quotes: bool = True) -> dict[str, Any]:
    return themes.dashboard(selection.campaign, selection.filters, selection.locale,
                                geography=selection.geography, quotes=quotes)


def _joined(selection: Selection) -> dict[str, Any] | None:
    if selection.indicator is None:
        return None
    return indicator_view.joined_view(selection.campaign, selection.filters, selection.indicator, selection.locale)


def _charts(view: dict[str, Any] | None, joined: dict[str, Any] | None, selection: Selection) -> dict[str, Any]:
    hidden = _("fewer than %(n)d", n=presentation.threshold())
    rtl = locale_info().dir == "rtl"
    result = {}
    if view is not None:
        result.update(_code_charts(view, hidden))
    if joined is not None:
        result.update(_joined_charts(joined, rtl))
        result.update(_map_chart(joined, selection.args.get("shade"), hidden))
    return result


def _code_charts(view: dict[str, Any], hidden: str) -> dict[str, str]:
    result = {}
    for kind, title in (("themes", _("Top themes: share of residents raising each")),
                        ("barriers", _("Top barriers: share of residents raising each"))):
        rows = [{"label": row["label"], "value": None if row["cell"].share is None else 100 * row["cell"].share}
                for row in view[kind]]
        result[kind] = charts.bar_chart(rows, title=title, desc=_("The table below gives the same figures."),
                                        hidden_label=hidden, ident=f"bars-{kind}", number=format_points)
    return result


def _joined_charts(joined: dict[str, Any], rtl: bool) -> dict[str, str]:
    label = joined["label"]
    trend = charts.trend_chart(
        joined["periods"], [{"label": row["label"], "values": row["trend"]} for row in joined["rows"]],
        title=_("%(indicator)s over time, by place", indicator=label),
        desc=_("The trend table gives the same figures."), ident="trend", number=format_points,
        y_label=label, rtl=rtl)
    quadrant = charts.quadrant_chart(
        joined["points"],
        y_split=None if joined["barrier_total"] is None or joined["barrier_total"].share is None
        else 100 * joined["barrier_total"].share,
        title=_("Where the indicator and residents agree"),
        desc=_("Each dot is a place: to the right, the indicator is worse than the average of places; higher up, "
               "more residents raise the linked barriers. The table below lists the same points."),
        x_label=_("Indicator gap (points worse than the average)"),
        y_label=_("Residents raising linked barriers"),
        quadrant_labels=[_("Both say it is hard"), _("Residents say it is hard"), _("Both say it is better"),
                         _("Indicator worse, residents quiet")], ident="quadrant",
        number=format_points, signed=format_signed, rtl=rtl)
    return {"trend": trend, "quadrant": quadrant}


def _map_chart(joined: dict[str, Any], shade: str | None, hidden: str) -> dict[str, Any]:
    """The places shaded by the share raising the barrier ``shade`` names, else by the indicator."""
    barrier = next((b for b in joined["barriers"] if b["code"].key == shade), None)
    if barrier is not None:
        areas = [{"label": row["label"], "geometry": row["geography"].geometry,
                  "value": _share(barrier["grid"].cells.get((row["geography"].id, TOTAL)))}
                 for row in joined["rows"]]
        title = _("Residents raising “%(code)s”, by place", code=barrier["label"])
    else:
        areas = [{"label": row["label"], "geometry": row["geography"].geometry, "value": row["value"]}
                 for row in joined["rows"]]
        title = _("%(indicator)s by place (%(period)s)", indicator=joined["label"], period=joined["period"] or "")
    chart = charts.map_chart(areas, title=title, desc=_("The table below gives the same figures."),
                             hidden_label=hidden, number=format_points, ident="map")
    return {"map": chart, "map_title": title, "map_areas": areas}


def _share(cell) -> float | None:
    return None if cell is None or cell.share is None else 100 * cell.share


def _names(selection: Selection) -> dict[str, Any]:
    """What the pages name by key (codes, indicators, places, the chosen group) in the reader's language."""
    locale = selection.locale
    group = dict(choice for _name, choices in selection.options["groups"] for choice in choices)
    return {"codes": presentation.code_labels(locale),
            "indicators": {i.code: presentation.indicator_label(i, locale) for i in selection.options["indicators"]},
            "places": {g.code: g.name_in(locale) for g in selection.options["geographies"]},
            "group": group.get(selection.args["group"], "")}


def _render(template: str, selection: Selection, **context):
    return render_template(template, selection=selection, args=selection.args, options=selection.options,
                           campaign=selection.campaign, query=lambda **o: _query(selection, **o),
                           status_labels=STATUS_LABELS, TOTAL=TOTAL, names=_names(selection), **context)


@bp.route("/")
@roles_required(*READERS)
def index():
    return render_template("review/index.html", campaigns=Campaign.ordered())


@bp.route("/<slug>")
@roles_required(*READERS)
def dashboard(slug: str):
    selection = _select(slug)
    view = _dashboard(selection)
    return _render("review/dashboard.html", selection, view=view, charts=_charts(view, None, selection),
                   actions=operations.actions_for(selection.campaign),
                   priorities=priorities.room_priorities(selection.campaign, selection.filters, selection.locale),
                   session_kinds=dict(session_kind_choices()))


@bp.route("/<slug>/indicators")
@roles_required(*READERS)
def joined(slug: str):
    selection = _select(slug)
    joined_view = _joined(selection)
    return _render("review/joined.html", selection, joined=joined_view,
                   charts=_charts(None, joined_view, selection))


def _report_context(slug: str) -> tuple[Selection, dict[str, Any]]:
    selection = _select(slug)
    view = _dashboard(selection)
    joined_view = _joined(selection)
    return selection, {"view": view, "joined": joined_view, "charts": _charts(view, joined_view, selection),
                       "actions": operations.actions_for(selection.campaign)}


@bp.route("/<slug>/report")
@roles_required(*READERS)
def report(slug: str):
    selection, context = _report_context(slug)
    return _render("review/report.html", selection, pdf=False, **context)


@bp.route("/<slug>/report.pdf")
@roles_required(*READERS)
def report_pdf(slug: str):
    selection, context = _report_context(slug)
    html = _render("review/report.html", selection, pdf=True, **context)
    stylesheet = CSS(filename=str(current_app.static_folder) + "/css/report-print.css")
    pdf = HTML(string=html, base_url=request.url_root).write_pdf(stylesheets=[stylesheet])
    filename = f"{selection.campaign.slug}-{selection.args['period']}-{selection.locale}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/<slug>/export")
@roles_required(*READERS)
def export(slug: str):
    table = request.args.get("table", "codes")
    fmt = request.args.get("format", "csv")
    if table not in TABLES or fmt not in ("csv", "xlsx"):
        abort(404)
    selection = _select(slug)
    if table == "codes":
        header, rows = exports.codes_table(_dashboard(selection, quotes=False))
    else:
        joined_view = _joined(selection) or abort(404)
        header, rows = {"joined": exports.joined_table, "barriers": exports.barriers_table,
                        "trend": exports.trend_table}[table](joined_view)
    name = f"{selection.campaign.slug}-{table}-{selection.args['period']}"
    if fmt == "csv":
        return Response(spreadsheets.to_csv([header, *rows]), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(spreadsheets.to_xlsx([(table, [header, *rows])]),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


def _action_form(selection: Selection) -> ActionForm:
    form = ActionForm()
    form.code_keys.choices = operations.code_choices(selection.locale)
    form.indicator_codes.choices = [(i.code, presentation.indicator_label(i, selection.locale))
                                    for i in selection.options["indicators"]]
    form.geography_codes.choices = [(g.code, presentation.geography_label(g, selection.locale))
                                    for g in selection.options["geographies"]]
    return form


@bp.route("/<slug>/actions", methods=["GET", "POST"])
@roles_required(*RECORDERS)
def actions(slug: str):
    selection = _select(slug)
    form = _action_form(selection)
    if form.validate_on_submit():
        operations.record_action(selection.campaign, we_heard=form.we_heard.data, we_will=form.we_will.data,
                                 status=form.status.data, due_on=form.due_on.data, code_keys=form.code_keys.data,
                                 indicator_codes=form.indicator_codes.data,
                                 geography_codes=form.geography_codes.data, actor=current_user)
        flash(_("Action recorded."), "success")
        return redirect(url_for("review.actions", slug=slug))
    return _render("review/actions.html", selection, form=form, actions=operations.actions_for(selection.campaign),
                   status_form=ActionStatusForm())


@bp.route("/<slug>/actions/status", methods=["POST"])
@roles_required(*RECORDERS)
def action_status(slug: str):
    campaign = _campaign(slug)
    form = ActionStatusForm()
    action = None
    if form.validate_on_submit() and form.action_id.data.isdigit():
        action = db.session.get(Action, int(form.action_id.data))
    if action is None or action.campaign_id != campaign.id:
        flash(_("Nothing was changed: the form was incomplete."), "error")
    else:
        operations.set_action_status(action, form.status.data, actor=current_user)
        flash(_("Status saved."), "success")
    return redirect(url_for("review.actions", slug=slug))
