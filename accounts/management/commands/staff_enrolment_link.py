from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.two_factor import issue_enrolment_link


class Command(BaseCommand):
    help = (
        "Print a one-time link with which a staff member sets up two-factor "
        "authentication (required when WAYMARK_STAFF_ENROLMENT=invite). Only a "
        "hash of the link's token is stored; a new link replaces unused ones. "
        "Send it to the person by a channel other than their email alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--hours",
            type=int,
            default=24,
            help="How long the link works (default 24).",
        )

    def handle(self, *args, username, hours, **options):
        if not 1 <= hours <= 24 * 14:
            raise CommandError("--hours must be between 1 and 336 (two weeks).")
        User = get_user_model()
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"No account with the username {username!r}.")
        if not user.is_staff:
            raise CommandError(
                f"{user.username} is not staff: the link is for staff accounts."
            )
        if is_mfa_enabled(user):
            raise CommandError(
                f"{user.username} already has two-factor authentication. To set it "
                "up again, remove their authenticator in the admin first."
            )
        url = issue_enrolment_link(user, hours)
        self.stdout.write(
            f"One-time two-factor set-up link for {user.username}, valid for "
            f"{hours} hour{'s' if hours != 1 else ''}:"
        )
        self.stdout.write(url)
