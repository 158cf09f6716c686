"""Entry point of the ``voice`` console command: Flask's CLI bound to ``create_app``."""
from flask.cli import FlaskGroup

from . import create_app

main = FlaskGroup(name="voice", create_app=create_app,
                  help="Community Voice: manage the database, users, demo data, imports and NLP runs.")
