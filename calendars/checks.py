from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def token_encryption_key_check(app_configs, **kwargs):
    if settings.TOKEN_ENCRYPTION_KEY:
        return []
    return [
        Warning(
            "TOKEN_ENCRYPTION_KEY is not set; token caches are encrypted with a key derived "
            "from DJANGO_SECRET_KEY, so rotating that key disconnects every calendar.",
            hint="Generate one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'",
            id="calendars.W001",
        )
    ]
