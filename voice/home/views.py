from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from ..security import public
from .overview import overview_for

bp = Blueprint("home", __name__)


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    return render_template("home/index.html", overview=overview_for(current_user))


@bp.route("/healthz")
@public
def healthz():
    """A no-op for load balancers and benchmarks: the app answers, nothing is read."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
