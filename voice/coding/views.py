from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..extensions import db
from ..jobs import queue_job
from ..models import Job
from ..security import roles_required
from .overview import nlp_overview

bp = Blueprint("coding", __name__, url_prefix="/coding")
STAFF = ("admin", "analyst")


@bp.route("/nlp")
@roles_required(*STAFF)
def nlp():
    return render_template("coding/nlp.html", overview=nlp_overview(), form=FlaskForm())


@bp.route("/nlp/run", methods=["POST"])
@roles_required(*STAFF)
def start_run():
    job = queue_job("nlp_run", actor=current_user)
    flash(_("Tagging started.") if job.status != "failed" else _("Tagging failed: %(error)s", error=job.error),
          "info" if job.status != "failed" else "error")
    return redirect(url_for("coding.nlp"))


@bp.route("/nlp/train", methods=["POST"])
@roles_required(*STAFF)
def start_training():
    job = queue_job("nlp_train", actor=current_user)
    if job.status == "failed":
        flash(_("Training failed: %(error)s", error=job.error), "error")
    else:
        flash(_("Training started. Items are tagged again with the new model on the next run."), "info")
    return redirect(url_for("coding.nlp"))


@bp.route("/jobs/<int:job_id>.json")
@roles_required(*STAFF)
def job_status(job_id: int):
    job = db.session.get(Job, job_id) or abort(404)
    return jsonify(id=job.id, kind=job.kind, status=job.status, done=job.done, total=job.total,
                   percent=job.percent, error=job.error, result=job.result)
