import getpass
import os

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

CURATORS = "Curators"  # created by the accounts migration 0005_curators_group


class Command(BaseCommand):
    help = (
        "Create a curator: a staff member of the Curators group (the content "
        "permissions only, not a superuser) whose email address is already "
        "verified, so they can sign in to the site and the admin at once. "
        "Operators who manage accounts are superusers: use createsuperuser."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--username", help="Defaults to the email's local part.")
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="Read the password from the CURATOR_PASSWORD environment variable.",
        )

    def handle(self, *args, email, username, no_input, **options):
        User = get_user_model()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not a valid email address.") from None
        username = username or email.split("@", 1)[0]
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"The username {username!r} is taken.")
        if EmailAddress.objects.filter(email__iexact=email).exists():
            raise CommandError(f"{email} already belongs to an account.")
        curators = Group.objects.filter(name=CURATORS).first()
        if curators is None:
            raise CommandError(f"No {CURATORS} group: run `manage.py migrate` first.")
        password = self.read_password(no_input)
        user = User(username=username, email=email, is_staff=True)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        user.set_password(password)
        with transaction.atomic():
            user.save()
            user.groups.add(curators)
            EmailAddress.objects.create(
                user=user, email=email, verified=True, primary=True
            )
        self.stdout.write(
            self.style.SUCCESS(f"Curator {username} created; sign in with {email}.")
        )

    def read_password(self, no_input: bool) -> str:
        if no_input:
            password = os.environ.get("CURATOR_PASSWORD", "")
            if not password:
                raise CommandError("Set CURATOR_PASSWORD when using --no-input.")
            return password
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The passwords did not match.")
        return password
