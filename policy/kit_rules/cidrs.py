"""When a list of source ranges opens a Service to the Internet, judged over the whole list
merged per family (0.0.0.0/1 with 128.0.0.0/1 is all of IPv4). It lives in the pack, which runs
from policy/ in its own virtualenv and can import nothing else; the program's settings import
it from here, so the settings and the pack judge a list alike."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

# The most a list may span per family without the stack's acknowledgement, as a prefix length:
# 1/256 of the family's public space (IPv4: all of it; IPv6: its global unicast block 2000::/3).
WIDEST_PREFIX = {4: 8, 6: 11}
WIDEST = "an IPv4 /8 and an IPv6 /11"
# Set on the front end's Service when the stack acknowledges it (frontendOpenToInternet: true).
OPEN_TO_INTERNET_ANNOTATION = "o11y-kit/open-to-internet"


def internet_wide(cidrs: Iterable[str]) -> dict[str, list[str]]:
    """The entries of each family ("IPv4", "IPv6") whose ranges, merged, span more addresses
    than a network of WIDEST_PREFIX; ValueError for an entry that is no IP network."""
    networks = {cidr: ipaddress.ip_network(cidr, strict=False) for cidr in cidrs}
    wide = {}
    for version, prefix in WIDEST_PREFIX.items():
        entries = [cidr for cidr, net in networks.items() if net.version == version]
        merged = ipaddress.collapse_addresses(networks[cidr] for cidr in entries)
        bits = 32 if version == 4 else 128
        if sum(net.num_addresses for net in merged) > 2 ** (bits - prefix):
            wide[f"IPv{version}"] = entries
    return wide


def spans(wide: dict[str, list[str]]) -> str:
    """`internet_wide`'s answer in words: "0.0.0.0/1, 128.0.0.0/1 span more than an IPv4 /8"."""
    return "; ".join(
        f"{', '.join(entries)} {'span' if len(entries) > 1 else 'spans'} more than an "
        f"{family} /{WIDEST_PREFIX[int(family[-1])]}"
        for family, entries in wide.items()
    )
