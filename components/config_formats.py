"""What a well-formed config value looks like, for the formats components/settings/ checks.

Every pattern is matched whole (`fullmatch`: `$` would accept a trailing newline) and with ASCII
classes only (`\\d` and `\\w` would accept "1.３５"), because these values end up in cloud APIs,
Alertmanager's config and image pulls, which all take ASCII.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse

_FLAGS = re.ASCII

AWS_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]+", _FLAGS)
AZURE_LOCATION = re.compile(r"[a-z][a-z0-9]*", _FLAGS)
AZURE_VM_SIZE = re.compile(r"Standard_[A-Za-z0-9_]+", _FLAGS)
EC2_INSTANCE_TYPE = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9]+", _FLAGS)
K8S_MINOR = re.compile(r"1\.(0|[1-9][0-9]*)", _FLAGS)
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*", _FLAGS)
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@" + rf"{_LABEL}(?:\.{_LABEL})+", _FLAGS)

# Image references, by the grammar of distribution/reference (reference/regexp.go): a domain
# (with a dot, a port or `localhost`), lowercase path components, a tag of up to 128 word
# characters, dots and dashes (upper case allowed: `v1.0-RC`), or a digest.
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = rf"(?:{_LABEL}(?:\.{_LABEL})*(?::[0-9]+)?)"
IMAGE = re.compile(
    rf"(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?",
    _FLAGS,
)


def is_email(text: str) -> bool:
    return bool(EMAIL.fullmatch(text))


def is_cidr(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=True)
    except ValueError:
        return False
    return "/" in text and text.isascii() and text == text.strip()


def pinned_image_problem(value: str) -> str | None:
    """None if `value` is an image reference pinned by a tag other than `latest` or by a
    digest; else what is wrong."""
    found = IMAGE.fullmatch(value)
    if not found:
        return "not an image reference (registry/repository:tag or repository@sha256:<digest>)"
    domain = found["domain"]
    registry = domain and ("." in domain or ":" in domain or domain == "localhost")
    # `team/app` is a path on Docker Hub: only a dotted or ported name (or localhost) is a
    # registry, and a path component is lower case.
    if domain and not registry and not re.fullmatch(_PATH_COMPONENT, domain, _FLAGS):
        return "repository names are lower case"
    if not found["digest"] and (not found["tag"] or found["tag"] == "latest"):
        return "not pinned; use repository:tag (not latest) or repository@sha256:<digest>"
    return None


def url_problem(value: str) -> str | None:
    """None for an http(s) URL with a host and a valid port; what is wrong otherwise (never
    repeating the URL: it may carry a token)."""
    if not value.isascii() or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        return "contains spaces or characters a URL cannot hold"
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https"):
        return "not an http(s) URL"
    try:
        port = parts.port
    except ValueError:
        return "port out of range (1-65535)"
    host = parts.hostname or ""
    if not host or not (HOSTNAME.fullmatch(host) or _is_ip(host)):
        return "no valid host name after the scheme"
    if port == 0:
        return "port out of range (1-65535)"
    return None


def smarthost_problem(value: str) -> str | None:
    """None for host:port (host a DNS name, an IPv4 address or a bracketed IPv6 address; port
    1-65535), as Alertmanager's smarthost takes it."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isascii() or not port.isdigit():
        return "not host:port"
    if not 1 <= int(port) <= 65535:
        return f"port {int(port)} out of range (1-65535)"
    if host.startswith("[") and host.endswith("]"):
        return None if _is_ip(host[1:-1]) else "not a valid bracketed IPv6 address"
    if not (HOSTNAME.fullmatch(host) or _is_ip(host)):
        return "not a valid host name"
    return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return text.isascii()
