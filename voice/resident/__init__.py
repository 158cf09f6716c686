"""The resident's online survey at /s/<survey> and its JSON intake."""
from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
