"""The expert's photo and introduction: upload, resize, serve, and the booking page header."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from bookings.models import BookingSettings
from experts.models import ExpertPhoto

pytestmark = pytest.mark.django_db

ORIENTATION = 0x0112
ROTATE_90_CW = 6  # "the camera was turned: rotate 90° clockwise to show it upright"
MAKE = 0x010F


def a_photo(width=1200, height=800, fmt="JPEG", exif=None, color=(200, 40, 40)):
    """An image file made by Pillow: the left half `color`, the right half blue."""
    image = Image.new("RGB", (width, height), color)
    image.paste((20, 40, 200), (width // 2, 0, width, height))
    out = io.BytesIO()
    if exif is not None:
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return SimpleUploadedFile(f"me.{fmt.lower()}", out.getvalue(), f"image/{fmt.lower()}")


def camera_exif(orientation=ROTATE_90_CW):
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "Okomo Test Camera"
    return exif


def profile_data(expert, **changes):
    data = {
        "display_name": expert.display_name,
        "introduction": expert.introduction,
        "time_zone": expert.time_zone,
        "language": expert.language,
        "slug": expert.slug,
    }
    data.update(changes)
    return data


def upload(client, expert, photo, **changes):
    data = {**profile_data(expert, **changes), "photo": photo}
    return client.post(reverse("experts:profile"), data)


def stored_image(expert):
    return Image.open(io.BytesIO(bytes(ExpertPhoto.objects.get(expert=expert).jpeg)))


def test_an_upload_is_stored_as_a_small_square_jpeg_upright_and_without_metadata(
    expert_client, expert
):
    # 1200 × 800, landscape as stored, but the camera says: turn it 90° clockwise.
    response = upload(expert_client, expert, a_photo(exif=camera_exif()))

    assert response.status_code == 302
    image = stored_image(expert)
    assert image.format == "JPEG"
    assert image.size == (256, 256)
    assert not image.getexif()
    assert "exif" not in image.info
    assert "icc_profile" not in image.info
    # Turned clockwise, the red left half is now on top and the blue right half below.
    top, bottom = image.getpixel((128, 20)), image.getpixel((128, 235))
    assert (top[0] > 150, top[2] < 100) == (True, True)
    assert (bottom[0] < 100, bottom[2] > 150) == (True, True)
    expert.refresh_from_db()
    assert len(expert.photo_version) == 16


def test_a_transparent_png_becomes_a_jpeg_on_white(expert_client, expert):
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    png = SimpleUploadedFile("me.png", out.getvalue(), "image/png")

    assert upload(expert_client, expert, png).status_code == 302
    assert stored_image(expert).getpixel((10, 10)) >= (250, 250, 250)


def test_a_file_that_is_no_image_is_refused_with_a_sentence_and_nothing_changes(
    expert_client, expert
):
    text = SimpleUploadedFile("me.jpg", b"%PDF-1.7 not a photo at all", "image/jpeg")

    response = upload(expert_client, expert, text, display_name="Changed Name")

    assert response.status_code == 400
    assert "This file is not a photo we can read." in response.content.decode()
    expert.refresh_from_db()
    assert expert.display_name == "Jana Expert"
    assert not ExpertPhoto.objects.exists()


def test_an_image_over_8_mb_is_refused(expert_client, expert):
    # A readable JPEG (Pillow ignores what follows its end), padded past 8 MB.
    padded = a_photo().read() + bytes(8 * 1024 * 1024)
    big = SimpleUploadedFile("big.jpg", padded, "image/jpeg")

    response = upload(expert_client, expert, big)

    assert "This photo is larger than 8 MB." in response.content.decode()
    assert not ExpertPhoto.objects.exists()


def test_a_decompression_bomb_is_refused_before_it_is_decoded(expert_client, expert):
    # A one-colour PNG compresses to a few kB whatever its size: 10,000 × 10,000 pixels
    # claims 300 MB once decoded. Pillow's mode "1" keeps the test's own memory small.
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")
    bomb = SimpleUploadedFile("bomb.png", out.getvalue(), "image/png")
    assert bomb.size < 100_000

    response = upload(expert_client, expert, bomb)

    assert "This photo has too many pixels." in response.content.decode()
    assert not ExpertPhoto.objects.exists()


def test_remove_photo_removes_it(expert_client, expert):
    upload(expert_client, expert, a_photo())
    expert.refresh_from_db()

    response = expert_client.post(
        reverse("experts:profile"), {**profile_data(expert), "remove_photo": "on"}
    )

    assert response.status_code == 302
    expert.refresh_from_db()
    assert expert.photo_version == ""
    assert not ExpertPhoto.objects.exists()
    assert expert_client.get(reverse("experts:photo", args=["jana"])).status_code == 404


def test_the_photo_is_served_as_jpeg_with_an_etag_and_a_versioned_long_cache(
    expert_client, expert, client
):
    upload(expert_client, expert, a_photo())
    expert.refresh_from_db()
    url = reverse("experts:photo", args=["jana"])

    response = client.get(f"{url}?v={expert.photo_version}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["ETag"] == f'"{expert.photo_version}"'
    assert "immutable" in response["Cache-Control"]
    assert Image.open(io.BytesIO(response.content)).size == (256, 256)
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert "immutable" not in again["Cache-Control"]


def test_a_new_upload_gets_a_new_version(expert_client, expert):
    upload(expert_client, expert, a_photo())
    expert.refresh_from_db()
    first = expert.photo_version

    upload(expert_client, expert, a_photo(color=(30, 160, 30)))

    expert.refresh_from_db()
    assert expert.photo_version != first
    assert f"?v={expert.photo_version}" in expert_client.get("/book/jana/").content.decode()


def test_no_photo_answers_404(client, expert):
    assert client.get(reverse("experts:photo", args=["jana"])).status_code == 404
    assert client.get(reverse("experts:photo", args=["nobody"])).status_code == 404


def test_another_expert_cannot_change_my_photo_or_introduction(client, expert, other_expert):
    client.force_login(other_expert)

    # The profile form edits the signed-in expert only; naming my slug takes nothing from me.
    response = upload(client, other_expert, a_photo(), slug="jana", introduction="Hacked")

    assert response.status_code == 400  # the slug is mine: refused
    expert.refresh_from_db()
    assert (expert.introduction, expert.photo_version) == ("", "")
    assert not ExpertPhoto.objects.filter(expert=expert).exists()
    upload(client, other_expert, a_photo(), introduction="Otto here")
    expert.refresh_from_db()
    assert (expert.introduction, expert.photo_version) == ("", "")
    assert client.get(reverse("experts:photo", args=["jana"])).status_code == 404


def test_the_introduction_drops_control_characters(expert_client, expert):
    expert_client.post(
        reverse("experts:profile"),
        profile_data(expert, introduction="Tax advice.\r\nGerman and English.\x1b[31m"),
    )

    expert.refresh_from_db()
    assert expert.introduction == "Tax advice.\nGerman and English.[31m"


def test_an_introduction_over_600_characters_is_refused(expert_client, expert):
    response = expert_client.post(
        reverse("experts:profile"), profile_data(expert, introduction="x" * 601)
    )

    assert response.status_code == 400
    expert.refresh_from_db()
    assert expert.introduction == ""


def test_the_booking_page_shows_initials_without_a_photo(client, expert):
    page = client.get("/book/jana/").content.decode()

    assert 'role="img" aria-label="Jana Expert"' in page
    assert ">JE</span>" in page
    assert "photo.jpg" not in page
    assert "<h1>Jana Expert</h1>" in page
    assert "Book an appointment with Jana Expert" in page


def test_the_booking_page_shows_the_photo_the_length_and_how_you_meet(
    expert_client, expert, client
):
    upload(expert_client, expert, a_photo())
    expert.refresh_from_db()

    page = client.get("/book/jana/").content.decode()

    src = f"/experts/jana/photo.jpg?v={expert.photo_version}"
    assert f'<img class="avatar" src="{src}" alt="Jana Expert"' in page
    assert "30 minutes · Microsoft Teams" in page


def test_the_introduction_is_escaped_and_keeps_its_paragraphs(expert_client, expert, client):
    expert.introduction = "Hello <script>alert(1)</script>\n\nSecond & last."
    expert.save()

    page = client.get("/book/jana/").content.decode()

    assert "<script>alert(1)" not in page
    assert "<p>Hello &lt;script&gt;alert(1)&lt;/script&gt;</p>" in page
    assert "<p>Second &amp; last.</p>" in page


def test_the_booking_page_says_the_expert_calls_for_a_phone_appointment(client, expert):
    BookingSettings.objects.update_or_create(
        expert=expert, defaults={"meeting": BookingSettings.Meeting.PHONE}
    )

    page = client.get("/book/jana/").content.decode()

    assert "30 minutes · Phone call: the expert calls you" in page


def test_the_profile_shows_my_photo_and_offers_to_remove_it(expert_client, expert):
    assert "remove_photo" not in expert_client.get(reverse("experts:profile")).content.decode()
    upload(expert_client, expert, a_photo())
    expert.refresh_from_db()

    page = expert_client.get(reverse("experts:profile")).content.decode()

    assert f"/experts/jana/photo.jpg?v={expert.photo_version}" in page
    assert 'name="remove_photo"' in page
    assert 'enctype="multipart/form-data"' in page
