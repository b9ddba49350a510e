"""The client's address as abuse limits see it, trusting X-Forwarded-For only as configured.

With `TRUSTED_PROXIES = N` (N > 0) each of the N proxies in front of the app appends the
address it received the request from to X-Forwarded-For, so the N-th entry from the right
was written by the outermost trusted proxy and is the client. Everything left of it came
from the client and is never read. Without trusted proxies the header is ignored and
REMOTE_ADDR counts.

django-ipware (which django-axes would otherwise use) fits this rule poorly: its proxy
count counts the proxies listed in the header, one fewer than the proxies in front of the
app; in its default strict mode a chain with extra entries (a forged header, or a
customer's own corporate proxy) falls back to REMOTE_ADDR, so all those customers share
the proxy's one address again; and it ranks addresses, preferring another header or
REMOTE_ADDR when the configured position holds a private or loopback address.
"""

import ipaddress

from django.conf import settings

# IPv6 hosts usually get a whole /64 and can pick any address in it, so limits count
# per /64: counting single IPv6 addresses would let one machine rotate past every limit.
IPV6_PREFIX = 64


def client_address(request) -> str:
    """The client's IP address, normalised; REMOTE_ADDR when the forwarded one is unusable."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(entries) < proxies:
        # The request did not pass all trusted proxies (or they do not set the header):
        # no entry in it is known to be written by one of them.
        return remote
    address = _parse(entries[-proxies])
    return str(address) if address else remote


def client_address_for_limits(request) -> str:
    """The address abuse limits count against: the client's, or for IPv6 the start of its /64."""
    address = _parse(client_address(request))
    if address is None:
        return ""
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False).network_address)
    return str(address)


def _parse(entry: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from one X-Forwarded-For entry (a port, as some proxies add, is dropped)."""
    host, port = entry.strip(), ""
    if host.startswith("["):  # [IPv6] or [IPv6]:port
        host, bracket, rest = host[1:].partition("]")
        if not bracket or rest[:1] not in ("", ":"):
            return None
        port = rest[1:]
    elif host.count(":") == 1:  # IPv4:port
        host, _, port = host.partition(":")
        if not port:
            return None
    if port and not (len(port) <= 5 and port.isascii() and port.isdigit() and int(port) < 65536):
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    # An IPv4 client reaching an IPv6 socket appears as ::ffff:a.b.c.d; count it as IPv4.
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address
