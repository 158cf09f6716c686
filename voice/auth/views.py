from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from .. import accounts
from ..extensions import db
from ..i18n import language_choices
from ..models import User
from ..refusals import refused_on_field
from ..security import public, roles_required, signed_in
from . import operations
from .forms import SignInForm, UserForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    """``target`` when it is a page of this app (its query kept), else the home page.

    Only a path the app's own URL map resolves is followed: a lenient check (a tab, a
    backslash, ``//``) would let a link send people to another site after they sign in.
    """
    parts = urlsplit(target or "")
    root = request.script_root + "/"
    if (target and not parts.scheme and not parts.netloc and parts.path.startswith(root)
            and target.isprintable() and "\\" not in target):
        try:
            current_app.create_url_adapter(request).match(parts.path[len(root) - 1:], method="GET")
        except HTTPException:
            pass
        else:
            return urlunsplit(("", "", parts.path, parts.query, ""))
    return url_for("home.index")


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = operations.authenticate(form.email.data, form.password.data, request.remote_addr)
        except operations.SignInThrottled:
            flash(_("Too many failed sign-ins for this account. Wait a minute and try again."), "error")
            return render_template("auth/sign_in.html", form=form), 429
        if user is None:
            flash(_("That e-mail and password do not match an active account."), "error")
        else:
            operations.start_session(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@signed_in
def sign_out():
    operations.end_session(current_user._get_current_object())
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/users")
@roles_required("admin")
def users():
    return render_template("auth/users.html", users=User.ordered())


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user)
    form.locale.choices = language_choices(current_app.config["LANGUAGES"], blank=_("Browser's language"))
    return form


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def create_user():
    form = _user_form(None)
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("A new account needs a password."))
        else:
            with refused_on_field(form.email, accounts.EmailTaken,
                                  _("An account with this e-mail already exists.")):
                user = accounts.create_user(
                    email=form.email.data, password=form.password.data, display_name=form.display_name.data,
                    role=form.role.data, locale=form.locale.data, actor=current_user)
                flash(_("Account created for %(name)s.", name=user.display_name), "success")
                return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = _user_form(user)
    form.email.render_kw = {"readonly": True}
    if form.validate_on_submit():
        if user.id == current_user.id and (not form.active.data or form.role.data != "admin"):
            flash(_("You cannot disable your own account or remove your own administrator role."), "error")
        else:
            accounts.update_user(user, display_name=form.display_name.data, role=form.role.data,
                                   locale=form.locale.data, active=form.active.data,
                                   password=form.password.data, actor=current_user)
            flash(_("Changes to %(name)s saved.", name=user.display_name), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=user)
