"""Requests the exchange sends on its own (webhook pushes, interface-resource calls), kept inside
the node's outbound policy (`policy.outbound`) so a registered URL cannot make the node reach
its own internal services, the cloud's metadata service or the machine itself (SSRF).

A URL is checked when it is registered (a clear 422 naming the field) and again before every
send: the host is resolved afresh, every address it resolves to must be allowed, and the
connection then goes to the checked address itself (Host header and TLS server name stay the
host name), so a DNS answer that changes between the check and the connection (DNS rebinding)
cannot redirect it. Redirects are never followed.

Rules, for each resolved address:
- cloud metadata addresses (169.254.169.254, Alibaba Cloud's 100.100.100.200, fd00:ec2::254)
  are always refused;
- an address inside `allowed_networks` is allowed (this is how a node allows 政务外网 ranges,
  or loopback for tests and the demo);
- a host named in `allowed_hosts` may resolve to private addresses (the operator vouches for
  the name), never to loopback or link-local ones outside `allowed_networks`;
- otherwise only global (public) addresses are allowed.
When `allowed_hosts` is not empty, only those hosts (and address literals inside
`allowed_networks`) may be targets at all.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from govshare.core.config import Outbound, get_settings
from govshare.core.errors import InvalidInput

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
METADATA = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "100.100.100.200", "fd00:ec2::254"))


class OutboundRefused(InvalidInput):
    code = "url_not_allowed"


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    address: Address  # the checked address the connection goes to

    def pinned_url(self) -> str:
        """The URL with the host replaced by the checked address."""
        parts = urlsplit(self.url)
        literal = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return urlunsplit((parts.scheme, f"{literal}:{self.port}", parts.path or "/", parts.query, ""))

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


def _refuse(url: str, field: str, en: str, zh: str) -> OutboundRefused:
    return OutboundRefused(f"{field} {url!r}: {en}", f"{field} {url!r}：{zh}", field=field)


def _networks(policy: Outbound) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in policy.allowed_networks]


def _named(host: str, patterns: list[str]) -> bool:
    host = host.lower().rstrip(".")
    for pattern in (p.lower().rstrip(".") for p in patterns):
        suffix = pattern.removeprefix("*")
        if host == pattern or (pattern.startswith("*.") and host.endswith(suffix)):
            return True
    return False


def address_problem(address: Address, policy: Outbound, named: bool) -> tuple[str, str] | None:
    """Why an address may not be a target (English, Chinese), or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA:
        return "it resolves to a cloud metadata address", "解析到云平台元数据地址"
    if any(address in network for network in _networks(policy)):
        return None
    if address.is_loopback:
        return ("it resolves to a loopback address (allowed only when policy.outbound.allowed_networks lists it)",
                "解析到本机回环地址（须在 policy.outbound.allowed_networks 中显式允许）")
    if address.is_link_local:
        return "it resolves to a link-local address", "解析到链路本地地址"
    if address.is_multicast or address.is_unspecified:
        return "it resolves to a multicast or unspecified address", "解析到组播或未指定地址"
    if not address.is_global and not named:
        return ("it resolves to a private or reserved address (list the network in "
                "policy.outbound.allowed_networks, or the host in allowed_hosts)",
                "解析到内网或保留地址（须在 policy.outbound.allowed_networks 或 allowed_hosts 中允许）")
    return None


def _resolve(host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))


def target(url: str, field: str = "url", policy: Outbound | None = None) -> Target:
    """The checked target of a URL, resolved now; OutboundRefused says why not."""
    policy = policy or get_settings().policy.outbound
    url = (url or "").strip()
    if any(c.isspace() for c in url):
        raise _refuse(url, field, "must not contain spaces", "不能包含空白字符")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse(url, field, "must be an http(s):// address", "应为 http(s):// 地址")
    if parts.username or parts.password:
        raise _refuse(url, field, "must not carry a user name or password", "不能包含用户名或口令")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise _refuse(url, field, "has an invalid port", "端口无效") from None
    host = parts.hostname
    named = _named(host, policy.allowed_hosts)
    try:
        addresses = _resolve(host, port)
    except OSError:
        raise _refuse(url, field, f"the host {host} cannot be resolved", f"无法解析主机 {host}") from None
    if policy.allowed_hosts and not named and not all(
            any(a in n for n in _networks(policy)) for a in addresses):
        raise _refuse(url, field, "the host is not in policy.outbound.allowed_hosts",
                      "主机不在 policy.outbound.allowed_hosts 允许范围内")
    for address in addresses:  # every answer must be allowed, or a rebinding answer could win
        problem = address_problem(address, policy, named)
        if problem:
            raise _refuse(url, field, problem[0], problem[1])
    return Target(url, parts.scheme, host, port, addresses[0])


def check_url(url: str, field: str = "url") -> str:
    """For registration: the URL, stripped, if the node's policy allows it as a target."""
    return target(url, field).url


def post(url: str, content: bytes, headers: dict[str, str], timeout: httpx.Timeout | float) -> httpx.Response:
    """POSTs to a URL after checking it again on fresh DNS, connecting to the checked address."""
    checked = target(url)
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        return client.post(checked.pinned_url(), content=content,
                           headers={**headers, "Host": checked.host_header},
                           extensions={"sni_hostname": checked.host})
