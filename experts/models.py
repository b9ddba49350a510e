import hashlib
import zoneinfo

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from . import time_zones


def validate_time_zone(value):
    if value not in time_zones.known():
        raise ValidationError(_("“%(zone)s” is not a known time zone."), params={"zone": value})


INTRODUCTION_MAX = 600


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractUser):
    """An expert (or staff member) who signs in with an email address."""

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        GERMAN = "de", _("German")

    username = None
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=120)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Berlin", validators=[validate_time_zone]
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    slug = models.SlugField(
        _("booking link"),
        max_length=60,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Your public booking page lives at /book/<this name>/."),
    )
    introduction = models.TextField(
        _("introduction"),
        max_length=INTRODUCTION_MAX,
        blank=True,
        help_text=_("A few sentences for your booking page: who you are, what you help with."),
    )
    # The photo's version ("" = no photo): its ETag and the ?v= of its URL, so a new upload
    # shows at once while browsers may keep a version for a year. The bytes live in
    # ExpertPhoto, so the user loaded on every request stays small.
    photo_version = models.CharField(max_length=16, blank=True, default="", editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    objects = UserManager()

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(language__in=["en", "de"]), name="user_language_valid"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("introduction"), INTRODUCTION_MAX),
                name="user_introduction_length",
            ),
        ]

    def __str__(self):
        return self.display_name or self.email

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def initials(self):
        """Up to two letters for the avatar when there is no photo: first and last word."""
        words = [word for word in (self.display_name or self.email).split() if word[:1].isalnum()]
        # "Dr. Jana Berger" is JB: titles with a full stop give no initial while a name remains.
        words = [word for word in words if not word.endswith(".")] or words
        if not words:
            return "?"
        letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
        return letters.upper()

    @property
    def avatar_hue(self):
        """A hue fixed by the name, so one expert's initials always sit on the same colour."""
        digest = hashlib.sha256((self.display_name or self.email).encode()).digest()
        return int.from_bytes(digest[:2]) % 360


class ExpertPhoto(models.Model):
    """The expert's photo as a small JPEG (256×256, no metadata); see experts/photos.py."""

    expert = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="photo"
    )
    jpeg = models.BinaryField()

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return f"{self.expert}"
