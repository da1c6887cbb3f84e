from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A Waymark account: a learner, a mentor, a curator (staff), or several."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
