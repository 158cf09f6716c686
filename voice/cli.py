"""The ``voice`` command group: ``voice init-db``, ``voice create-admin``, ``voice demo`` …"""
from __future__ import annotations

import click
from flask import Flask
from flask_migrate import upgrade

from .auth import operations as auth_operations
from .models import User


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(create_admin)


@click.command("init-db")
def init_db() -> None:
    """Create or upgrade the database to the newest schema (safe to run again)."""
    upgrade()
    click.echo("Database is at the newest schema.")


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", show_default=True, help="Display name.")
@click.password_option(help="The password (asked for when not given).")
def create_admin(email: str, name: str, password: str) -> None:
    """Create an administrator account."""
    if len(password) < 10:
        raise click.BadParameter("use at least 10 characters", param_hint="--password")
    try:
        user = auth_operations.create_user(email=email, password=password, display_name=name, role="admin")
    except auth_operations.EmailTaken:
        raise click.ClickException(f"An account with the e-mail {User.normalise_email(email)} already exists.")
    click.echo(f"Administrator {user.email} created.")
