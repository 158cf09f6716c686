"""Sign-in, sign-out, users and roles."""
from flask import Flask

from .views import bp
from .operations import load_signed_in_user
from ..extensions import login_manager


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_signed_in_user)
