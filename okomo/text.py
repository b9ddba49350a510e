"""Text typed by strangers: control characters refused in one-line fields, stripped elsewhere."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Control characters (Cc: CR, LF, NUL, ESC, NEL, ...) and the Unicode line and paragraph
# separators: any of them can end a mail header line or a log line early. Format characters
# (Cf) stay allowed, since names in several scripts need the zero-width (non-)joiner.
_CONTROL = {"Cc", "Zl", "Zp"}


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in _CONTROL


def single_line(value: str) -> None:
    """Validator: a value that ends up in a mail header or a subject holds no control character."""
    if any(_is_control(char) for char in value):
        raise ValidationError(
            _("Please write this on one line, without control characters."), code="control"
        )


def clean_multiline(value: str) -> str:
    """Line breaks as LF (from CRLF and CR), tabs kept, every other control character dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(char for char in value if char in "\n\t" or not _is_control(char))
