"""Which field or column of a source feeds each of our fields: `body`, `title`, `url`, `date`, `authors`.

Tabular and JSON sources name their fields as they like (`short_description`, `Headlines`, `link`). A
`FieldMapping` names them explicitly, for example from `parse_mapping("body=short_description")`; an
unnamed field of ours is found through DEFAULT_ALIASES, compared case-insensitively.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType

OUR_FIELDS: tuple[str, ...] = ("body", "title", "url", "date", "authors")

# For each field of ours, the source names that feed it when no mapping names one, in order of preference.
# Lower case; a source name matches whatever its case and surrounding spaces. No name is in two lists.
DEFAULT_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "body": ("text", "body", "content", "article", "description", "short_description", "summary"),
        "title": ("title", "headline", "headlines", "subject"),
        "url": ("url", "link", "href"),
        "date": ("date", "time", "published", "published_at", "pubdate", "datetime", "timestamp"),
        "authors": ("authors", "author", "byline", "creator"),
    }
)


def _key(name: str) -> str:
    return name.strip().casefold()


@dataclass(frozen=True, slots=True)
class FieldMapping:
    """The source field named for each field of ours; None leaves it to DEFAULT_ALIASES."""

    body: str | None = None
    title: str | None = None
    url: str | None = None
    date: str | None = None
    authors: str | None = None

    def __post_init__(self) -> None:
        claimed: dict[str, str] = {}
        for ours, source in self.explicit().items():
            if not source.strip():
                raise ValueError(f"the source field for {ours!r} is empty")
            other = claimed.setdefault(_key(source), ours)
            if other != ours:
                raise ValueError(f"the source field {source!r} cannot feed both {other!r} and {ours!r}")

    def explicit(self) -> dict[str, str]:
        """Our fields named explicitly, and the source field named for each."""
        named = {f.name: getattr(self, f.name) for f in fields(self)}
        return {ours: source for ours, source in named.items() if source is not None}

    def __str__(self) -> str:
        """The mapping as `parse_mapping` reads it."""
        return ",".join(f"{ours}={source}" for ours, source in self.explicit().items())


def resolve_fields(source_fields: Iterable[str], mapping: FieldMapping | None = None) -> dict[str, str]:
    """Which of `source_fields` feeds each field of ours: {our field: source field, as spelt in the source}.

    A field named in `mapping` is taken from the source field of that name (exactly, or else ignoring
    case and surrounding spaces), and from nothing if the source has no such field. Every other field of
    ours takes the first of its DEFAULT_ALIASES found in the source. A source field feeds at most one of
    ours, and of fields whose names differ only in case the first one is used. Unfed fields are left out.
    """
    names = list(source_fields)
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(_key(name), name)
    explicit = (mapping or FieldMapping()).explicit()
    resolved: dict[str, str] = {}
    for ours, wanted in explicit.items():
        found = wanted if wanted in names else by_key.get(_key(wanted))
        if found is not None:
            resolved[ours] = found
    used = {_key(name) for name in resolved.values()}
    for ours in OUR_FIELDS:
        if ours in explicit:
            continue
        for alias in DEFAULT_ALIASES[ours]:
            if alias in by_key and alias not in used:
                resolved[ours] = by_key[alias]
                used.add(alias)
                break
    return {ours: resolved[ours] for ours in OUR_FIELDS if ours in resolved}


def parse_mapping(spec: str) -> FieldMapping:
    """`"body=short_description,title=headline"` as a FieldMapping; an empty spec maps nothing explicitly.

    Our field names are matched ignoring case; the source names are kept as written (spaces around
    them dropped). Raises ValueError for a malformed item, an unknown or repeated field of ours, or a
    source field named for two of ours.
    """
    named: dict[str, str] = {}
    for item in spec.split(","):
        if not item.strip():
            continue
        ours, equals, source = item.partition("=")
        ours, source = ours.strip().lower(), source.strip()
        if not equals or not ours or not source:
            raise ValueError(f"{item.strip()!r} is not of the form FIELD=SOURCE_FIELD")
        if ours not in OUR_FIELDS:
            raise ValueError(
                f"unknown field {ours!r} in {item.strip()!r}; our fields: {', '.join(OUR_FIELDS)}"
            )
        if ours in named:
            raise ValueError(f"the field {ours!r} is mapped twice")
        named[ours] = source
    return FieldMapping(**named)
