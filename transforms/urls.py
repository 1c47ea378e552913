"""Urls in a canonical form, so the same page compares equal whatever the link that led to it."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan import extract_domain, normalize_url

# Query parameters that say how a reader arrived, not what the page is.
TRACKING_PARAMS = frozenset(
    {
        "partner",
        "emc",
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "cmpid",
        "smid",
        "ocid",
        "ncid",
        "ref_src",
        "igshid",
    }
)
TRACKING_PREFIXES = ("utm_",)
_WEB_SCHEMES = frozenset({"http", "https"})


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str | None:
    """Scheme and host lower-cased, default port, fragment and tracking parameters dropped, the other
    parameters sorted; None for what is not an http(s) url."""
    try:
        if urlsplit(url.strip()).scheme.lower() not in _WEB_SCHEMES:
            return None
        parts = urlsplit(normalize_url(url.strip(), strict=False))
    except ValueError:
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def registered_domain(url: str) -> str | None:
    """The domain a registrar sold (`nytimes.com` for `www.nytimes.com`, `bbc.co.uk` for `news.bbc.co.uk`)."""
    domain: str | None = extract_domain(url)
    return domain
