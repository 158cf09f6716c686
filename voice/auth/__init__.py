"""Sign-in, sign-out, users and roles."""
from flask import Flask

from ..extensions import login_manager
from .commands import create_admin
from .operations import load_signed_in_user
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(create_admin)
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_signed_in_user)
