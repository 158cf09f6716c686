"""Door to door: the canvasser's offline tablet app, turf, door outcomes, sync API, coverage."""
from flask import Flask

from .commands import canvass_command
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(canvass_command)
