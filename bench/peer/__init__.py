"""django-appointment, the peer `make bench` measures the booking page against (see README)."""
