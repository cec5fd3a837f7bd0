from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The project's user model, swapped in with AUTH_USER_MODEL = "accounts.User"."""
