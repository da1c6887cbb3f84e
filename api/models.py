"""Personal access tokens: how a learner's own tools reach their data through
the API (`api.tokens` creates and checks them; they open nothing else)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AccessTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Tokens that still open the API: neither revoked nor expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class AccessToken(models.Model):
    """A token a learner made for a tool of theirs. Only a digest of its secret
    is kept: the token is shown once, when it is made."""

    class Scope(models.TextChoices):
        READ = "read", "Read: see your data"
        WRITE = "write", "Read and write: also change your statuses and reviews"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tokens"
    )
    name = models.CharField(max_length=80, help_text="What the token is for.")
    # The token is "wm_<prefix>_<secret>": the prefix finds the row (and names
    # the token in lists), the secret's SHA-256 digest proves it.
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} (wm_{self.prefix}_…)"

    @property
    def writes(self) -> bool:
        return self.scope == self.Scope.WRITE

    def state(self, now=None) -> str:
        """ "active", "expired" or "revoked", as the settings page says it."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"
