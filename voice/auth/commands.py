"""``voice create-admin EMAIL``: the first account of a new installation."""
from __future__ import annotations

import click

from .. import accounts
from ..models import User


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", show_default=True, help="Display name.")
@click.password_option(help="The password (asked for when not given).")
def create_admin(email: str, name: str, password: str) -> None:
    """Create an administrator account."""
    if len(password) < 10:
        raise click.BadParameter("use at least 10 characters", param_hint="--password")
    try:
        user = accounts.create_user(email=email, password=password, display_name=name, role="admin")
    except accounts.EmailTaken:
        raise click.ClickException(f"An account with the e-mail {User.normalise_email(email)} already exists.")
    click.echo(f"Administrator {user.email} created.")
