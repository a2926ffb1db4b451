"""Masking of personal data (GB/T 35273-2020) for logs, pages and audit details.

Direct identifiers are masked by default everywhere a person or a log reads them; only a
grant that covers an item lets its clear value through (the exchange decides that).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_ID18 = re.compile(r"(?<![0-9A-Za-z])([1-9][0-9]{5})([0-9]{8})([0-9]{3})([0-9Xx])(?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9])([1-9][0-9]{5})([0-9]{6})([0-9]{3})(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9])")


def mask_citizen_id(value: str) -> str:
    """110105********002X: keeps the region and the last four, hides the birth date."""
    if len(value) == 18:
        return value[:6] + "*" * 8 + value[-4:]
    if len(value) == 15:
        return value[:6] + "*" * 6 + value[-3:]
    return _mask_middle(value)


def mask_mobile(value: str) -> str:
    return value[:3] + "****" + value[-4:] if len(value) == 11 else _mask_middle(value)


def mask_name(value: str) -> str:
    """张** / 欧阳*: the surname stays, the given name is hidden."""
    if not value:
        return value
    if len(value) <= 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 1)


def _mask_middle(value: str) -> str:
    if len(value) <= 2:
        return "*" * len(value)
    keep = max(1, len(value) // 4)
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]


def mask_text(text: str) -> str:
    """Masks ID numbers and mobile numbers wherever they appear in free text."""
    text = _ID18.sub(lambda m: mask_citizen_id(m.group(0)), text)
    text = _ID15.sub(lambda m: mask_citizen_id(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask_mobile(m.group(0)), text)


def mask_structure(value: Any) -> Any:
    """Applies mask_text to every string inside nested mappings and lists."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {k: mask_structure(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_structure(v) for v in value]
    return value
