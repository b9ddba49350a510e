"""The expert's photo: an upload turned into a small square JPEG, kept in the database.

Kept in PostgreSQL (about 10–20 kB each) rather than in MEDIA files, so production needs no
storage, no volume and no media serving: the view experts:photo answers it with an ETag and a
versioned URL. Only Pillow touches the image, and only here.
"""

import hashlib
import io
import warnings

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import ExpertPhoto, User

SIZE = 256  # pixels, square; shown at 96 CSS px, sharp on 2x screens
MAX_BYTES = 8 * 1024 * 1024
# Far beyond any camera (a 50-megapixel photo is 8,660 × 5,773), far below a decompression
# bomb: an 8 MB PNG can claim 100,000 × 100,000 pixels and would need 30 GB to decode.
MAX_PIXELS = 60_000_000
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


class PhotoRefused(ValueError):
    """The upload is no photo we can use; str() is a sentence for the expert."""


def to_jpeg(upload) -> bytes:
    """A SIZE×SIZE centre-cropped JPEG of `upload` (a file), turned upright as its EXIF says,
    with every bit of metadata (EXIF, GPS, XMP, ICC, comments) left behind."""
    if upload.size > MAX_BYTES:
        raise PhotoRefused(_("This photo is larger than 8 MB. Please pick a smaller one."))
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that: make it an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=FORMATS) as image:
                width, height = image.size
                if width * height > MAX_PIXELS or max(width, height) > 20_000:
                    raise PhotoRefused(
                        _("This photo has too many pixels. Please pick one under 60 megapixels.")
                    )
                image.draft("RGB", (SIZE * 2, SIZE * 2))  # JPEG: decode at a fraction of size
                image.load()
                return _square_jpeg(image)
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused(
            _("This photo has too many pixels. Please pick one under 60 megapixels.")
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        # Not an image, a format we don't take, or a truncated or corrupt file.
        raise PhotoRefused(
            _("This file is not a photo we can read. Please upload a JPEG, PNG or WebP image.")
        ) from None


def _square_jpeg(image: Image.Image) -> bytes:
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P", "PA"):
        # Transparent parts become white, not black.
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        image = background
    image = image.convert("RGB")
    image = ImageOps.fit(image, (SIZE, SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A new image from pixels only: nothing of the original's info (EXIF, ICC, XMP) is passed.
    image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()


def photo_url_of(expert: User) -> str:
    """The versioned address of the expert's photo, or "" when there is none."""
    if not expert.photo_version or not expert.slug:
        return ""
    return f"{reverse('experts:photo', args=[expert.slug])}?v={expert.photo_version}"


@transaction.atomic
def set_photo(expert: User, *, jpeg: bytes) -> None:
    ExpertPhoto.objects.update_or_create(expert=expert, defaults={"jpeg": jpeg})
    expert.photo_version = hashlib.sha256(jpeg).hexdigest()[:16]
    expert.save(update_fields=["photo_version"])


@transaction.atomic
def remove_photo(expert: User) -> None:
    ExpertPhoto.objects.filter(expert=expert).delete()
    expert.photo_version = ""
    expert.save(update_fields=["photo_version"])
