"""WSGI entry point: ``gunicorn wsgi:app``."""
from voice import create_app

app = create_app()
