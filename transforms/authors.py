"""Author names out of a raw byline or a mail/news `From:` header, following tests/gold/README.md.

`parse_byline` splits a byline (`Julia Craven and Taryn Finley`, `Karen Freifeld, Reuters`,
`JON PARELES, JON CARAMANICA and NATE CHINEN`, `    By Cal Mankowski, Reuters`, `Jane Doe; John Roe`)
into the persons who wrote the record and the agency, publisher or affiliation parts that are not
authors. With `mailbox=True` it reads a `From:` header instead (`klm@gozer.mv.com (Kevin L. McBride)`,
`"Real Name" <user@domain>`, `guido at python.org`, RFC 2047 encoded words) and gives the author of
each mailbox in it, normally one: the display name, or else the address.

A name written entirely in capitals gets its usual case (`ERIN McCANN` -> `Erin McCann`); any other
name keeps its case as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.utils import getaddresses
from functools import lru_cache

from nameparser import HumanName  # type: ignore[import-untyped]

# Wire services and publishers. A byline part that is one of these (in any case) is not an author, wherever
# it stands: `Reuters Staff, Reuters` and `THE ASSOCIATED PRESS` name no author at all. Values are the
# spelling used when the byline writes them in capitals.
KNOWN_AGENCIES: dict[str, str] = {
    name.casefold(): name
    for name in (
        "Reuters",
        "Reuter",
        "Reuters Staff",
        "Thomson Reuters",
        "AP",
        "Associated Press",
        "The Associated Press",
        "AFP",
        "Agence France-Presse",
        "Agence France Presse",
        "Bloomberg",
        "Bloomberg News",
        "UPI",
        "United Press International",
        "PA",
        "PA Media",
        "Press Association",
        "dpa",
        "Deutsche Presse-Agentur",
        "Xinhua",
        "Xinhua News Agency",
        "Kyodo",
        "Kyodo News",
        "Yonhap",
        "ANSA",
        "EFE",
        "Interfax",
        "TASS",
        "ITAR-TASS",
        "CNN",
        "BBC",
        "BBC News",
        "NPR",
        "The New York Times",
        "New York Times",
        "NYT",
        "The Washington Post",
        "HuffPost",
        "HuffPost PR Team",
        "The Huffington Post",
        "Huffington Post",
    )
}
# An agency's own staff: `Reuters Staff`, `AP Desk`, `HuffPost Editors`.
AGENCY_STAFF_WORDS: frozenset[str] = frozenset(
    {"staff", "team", "pr team", "desk", "editors", "newsroom", "wire", "wires", "reporters"}
)

# Agencies that bylines append without a comma: `By Brad Schade Reuters`.
TRAILING_AGENCY_WORDS: frozenset[str] = frozenset({"reuters", "afp", "upi", "ap"})

# A role standing alone is never an author.
ROLES: frozenset[str] = frozenset(
    {
        "staff",
        "staff writer",
        "staff writers",
        "staff reporter",
        "staff report",
        "staff reports",
        "editorial partner",
        "contributor",
        "contributors",
        "contributing writer",
        "contributing editor",
        "correspondent",
        "special correspondent",
        "senior writer",
        "senior editor",
        "senior reporter",
        "columnist",
        "editor",
        "editors",
        "reporter",
        "guest author",
        "guest writer",
        "guest contributor",
        "freelance writer",
        "freelancer",
        "wire",
        "wire services",
        "news service",
        "news services",
        "newsroom",
    }
)

# Publications that HuffPost and web pages name after the author, and that look like person names.
KNOWN_AFFILIATIONS: frozenset[str] = frozenset(
    {"outsports", "techcrunch", "engadget", "live science", "mother jones", "aol", "propublica"}
)

# A trailing part matching one of these is an affiliation, not an author.
AFFILIATION_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^yahoo\b",
        r"^on assignment for\b",
        r"\b(?:partner|contributor|writer|reporter|correspondent|columnist|editor|staff|team|desk)s?$",
        r"^\S+\.(?:com|org|net|edu|gov|io|co|co\.uk|de|fr)$",
    )
)

# Words that make a part an institution rather than a person (`Woodrow Wilson High School`).
INSTITUTION_WORDS: frozenset[str] = frozenset(
    {
        "news",
        "press",
        "times",
        "journal",
        "magazine",
        "science",
        "media",
        "school",
        "university",
        "univ",
        "college",
        "institute",
        "center",
        "centre",
        "foundation",
        "agency",
        "department",
        "dept",
        "association",
        "society",
        "tribune",
        "gazette",
        "network",
        "radio",
        "television",
        "inc",
        "ltd",
        "llc",
        "corp",
        "company",
        "group",
        "staff",
        "team",
        "partner",
        "contributor",
        "entertainment",
        "lifestyle",
        "finance",
        "sports",
    }
)

# Words that occur in the names of things but not between the words of a person's name.
FUNCTION_WORDS: frozenset[str] = frozenset(
    {"the", "of", "for", "from", "on", "at", "in", "by", "with", "to", "a", "an", "and", "or"}
)

# Lower-case particles that may stand inside a person's name.
NAME_PARTICLES: frozenset[str] = frozenset(
    {"de", "da", "di", "du", "del", "della", "der", "den", "van", "von", "la", "le", "bin", "ibn", "y", "e"}
)

# Degrees that a comma appends to a name: `Jane Doe, PhD`. They are dropped.
CREDENTIALS: frozenset[str] = frozenset(
    {"phd", "md", "mph", "mba", "rn", "dds", "esq", "llm", "msc", "ma", "bsc"}
)

# Name suffixes that a comma separates from the name they belong to: `Martin Luther King, Jr.`.
SUFFIX_RE = re.compile(r"^(?:jr|sr|ii|iii|iv|v)\.?$", re.IGNORECASE)

# A mixed-case prefix that an all-capitals name may keep: `ERIN McCANN`, `TED d'AFFLISIO`.
CAPS_PREFIX_RE = re.compile(r"^(?:Mc|Mac|d'|D'|O'|L'|de|van|von|al-|el-)(?=\S)")

# Longer "names" are text that landed in the author field, not names.
MAX_NAME_LENGTH = 200

_QUOTES = '"“”«»„`'
_PAIRED_QUOTES = {"'": "'", "‘": "’", "’": "’"}
_INVISIBLE_RE = re.compile("[\u00ad\u200b\u2060\ufeff]")
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")
_SPACE_RE = re.compile(r"\s+")
_BY_RE = re.compile(r"^by\b[:\s]*", re.IGNORECASE)
_CONJUNCTION_RE = re.compile(r"^(?:and|&)(?:\s+|$)|\s+(?:and|&)$", re.IGNORECASE)
_AND_SPLIT_RE = re.compile(r"\s+(?:and|AND|&)\s+")
_SEGMENT_SPLIT_RE = re.compile(r"\s*[;|]\s*")
_OBFUSCATED_ADDRESS = r"([^\s@()<>\"]+) at ([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
_OBFUSCATED_START_RE = re.compile(rf"^{_OBFUSCATED_ADDRESS}(?=$|[\s(])")
_OBFUSCATED_ADDRESS_RE = re.compile(_OBFUSCATED_ADDRESS)
_OBFUSCATED_ANGLE_RE = re.compile(r"<([^\s@<>]+) at ([^\s<>]+)>")
_INITIAL_LOWERED_RE = re.compile(r"(?:^|[\s.])[a-z]\.")
_LETTERS_RE = re.compile(r"[^\W\d_]+")
_WORD_RE = re.compile(r"[^\W_]")
_SIMPLE_ADDRESS_RE = re.compile(r"[^\s@]+@[^\s@]+")
_ANGLE_ADDRESS_RE = re.compile(r"<[^<>]*@[^<>]*>")


# A dump repeats its bylines (a column's author, a feed's staff): each distinct one is parsed once.
CACHED_VALUES = 1 << 16


@dataclass(frozen=True, slots=True)
class Byline:
    """The authors a byline names, and the agency or affiliation parts that are not authors."""

    authors: tuple[str, ...]
    agencies: tuple[str, ...]


EMPTY = Byline((), ())


@lru_cache(maxsize=CACHED_VALUES)
def parse_byline(raw: str | None, *, mailbox: bool = False) -> Byline:
    """The authors and agencies of a raw byline, or with `mailbox` the author of a `From:` header."""
    if raw is None:
        return EMPTY
    text = _clean(raw)
    if not text:
        return EMPTY
    if mailbox:
        return Byline(_unique(_mailbox_authors(text)), ())
    authors: list[str] = []
    agencies: list[str] = []
    segments = [_strip_quotes(_BY_RE.sub("", segment)) for segment in _SEGMENT_SPLIT_RE.split(text)]
    segments = [segment for segment in segments if segment]
    trailing = _pop_trailing_affiliations(segments)
    for segment in segments:
        seg_authors, seg_agencies = _parse_segment(segment)
        authors += seg_authors
        agencies += seg_agencies
    agencies += [_agency_case(segment) for segment in trailing]
    return Byline(_unique(authors), _unique(agencies))


# Bylines.


def _parse_segment(segment: str) -> tuple[list[str], list[str]]:
    parts = _comma_parts(segment)
    trailing = _pop_trailing_affiliations(parts)
    authors: list[str] = []
    agencies: list[str] = []
    for part in parts:
        for piece in _AND_SPLIT_RE.split(part):
            name, agency = _split_trailing_agency(_strip_quotes(_CONJUNCTION_RE.sub("", piece)))
            if _is_agency(name) or name.casefold() in ROLES:
                agencies.append(_agency_case(name))
            elif _is_name(name):
                authors.append(_person_case(name))
            if agency:
                agencies.append(_agency_case(agency))
    agencies += [_agency_case(part) for part in trailing]
    return authors, agencies


def _pop_trailing_affiliations(parts: list[str]) -> list[str]:
    """Remove from `parts` and return the affiliations that end it; the first part always stays."""
    trailing: list[str] = []
    while len(parts) >= 2 and _is_trailing_affiliation(parts[-1], only_name=len(parts) == 2):
        trailing.insert(0, parts.pop())
    return trailing


def _comma_parts(segment: str) -> list[str]:
    """The comma-separated parts; a `Jr.` stays with the name before it, degrees and conjunctions go."""
    parts: list[str] = []
    for raw_part in segment.split(","):
        part = _strip_quotes(_CONJUNCTION_RE.sub("", raw_part.strip()))
        if not part or (parts and part.replace(".", "").casefold() in CREDENTIALS):
            continue
        if parts and SUFFIX_RE.match(part):
            parts[-1] = f"{parts[-1]}, {part}"
        else:
            parts.append(part)
    return parts


def _split_trailing_agency(piece: str) -> tuple[str, str]:
    """`Brad Schade Reuters` -> (`Brad Schade`, `Reuters`); any other piece -> (piece, "")."""
    name, _, last = piece.rpartition(" ")
    if len(name.split()) >= 2 and last.rstrip(".").casefold() in TRAILING_AGENCY_WORDS:
        return name, last.rstrip(".")
    return piece, ""


def _is_agency(text: str) -> bool:
    key = text.rstrip(".").casefold()
    if key in KNOWN_AGENCIES:
        return True
    return any(
        key.startswith(agency + " ") and key[len(agency) + 1 :] in AGENCY_STAFF_WORDS
        for agency in KNOWN_AGENCIES
    )


def _is_affiliation(text: str) -> bool:
    """Whether the tables name `text` as an agency, a publication, an institution or a role."""
    key = text.rstrip(".").casefold()
    if _is_agency(key) or key in ROLES or key in KNOWN_AFFILIATIONS:
        return True
    if any(word.strip(".,'’") in INSTITUTION_WORDS for word in key.split()):
        return True
    return any(pattern.search(key) for pattern in AFFILIATION_PATTERNS)


def _is_trailing_affiliation(part: str, *, only_name: bool) -> bool:
    """Whether the last part of a byline names where the authors work rather than more authors.

    After a single name (`Bernice Yeung, Reveal from The Center for Investigative Reporting`) anything
    that does not look like a person's name is an affiliation; after several, only what the tables know.
    """
    pieces = [piece for piece in _AND_SPLIT_RE.split(part) if piece]
    if _is_affiliation(part) or any(_is_affiliation(piece) for piece in pieces):
        return True
    return only_name and not all(_looks_like_person(piece) for piece in pieces)


def _looks_like_person(text: str) -> bool:
    words = text.split()
    if not 2 <= len(words) <= 5 or any(ch.isdigit() or ch in "@/()[]#" for ch in text):
        return False
    for word in words:
        bare = word.strip(".'’-").casefold()
        if bare in FUNCTION_WORDS:
            return False
        if not (word[0].isupper() or bare in NAME_PARTICLES or word.startswith(("al-", "el-", "d'"))):
            return False
    return True


# Mail and news headers.


def _mailbox_authors(text: str) -> list[str]:
    text = _OBFUSCATED_START_RE.sub(r"\1@\2", text)
    text = _OBFUSCATED_ANGLE_RE.sub(r"<\1@\2>", text)
    authors: list[str] = []
    for name, address in _split_mailboxes(text):
        author = _display_name(_decode_words(name)) if name else ""
        authors.append((author if _is_name(author) else address).strip("<>,; "))  # separators are neither
    return authors


def _split_mailboxes(text: str) -> list[tuple[str, str]]:
    """(display name, address) of each mailbox of a `From:` value: normally one."""
    open_paren = text.find("(")
    if open_paren >= 0 and "<" not in text:
        # `addr (Name)`: read by hand, because parseaddr flattens nested comments (`(Jim Tomlinson
        # (jimt II))`) and runs repeated ones together.
        return [(_first_comment(text[open_paren:]), text[:open_paren].strip())]
    pairs = getaddresses([text])
    if len(pairs) == 1 and (pairs[0][0] or "@" in pairs[0][1]):
        return pairs
    if len(pairs) > 1 and all(_SIMPLE_ADDRESS_RE.fullmatch(address) for _, address in pairs):
        return pairs
    if "<" in text:
        # Broken quoting such as `Fred L. Drake, Jr." <fdrake@acm.org (Fred L. Drake, Jr.)`, or a name
        # with a comma left unquoted (`Doe, John <j@d.com>`).
        name, _, rest = text.partition("<")
        return [(name, rest.partition(">")[0])]
    if "@" not in text and " " in text:
        return [(text, "")]
    return [("", text)]


def _first_comment(text: str) -> str:
    """The content of the balanced parenthesised comment that `text` starts with."""
    depth = 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[1:index]
    return text[1:]


def _decode_words(name: str) -> str:
    """`=?ISO-8859-1?Q?BJ=F6rn_Lindqvist?=` -> `BJörn Lindqvist`."""
    if "=?" not in name:
        return name
    try:
        chunks = decode_header(name)
    except (HeaderParseError, ValueError):
        return name
    try:
        return str(make_header(chunks))
    except (LookupError, UnicodeError):
        # An unknown or lying charset: read the bytes as Latin-1, which never fails.
        return "".join(chunk.decode("latin-1") if isinstance(chunk, bytes) else chunk for chunk, _ in chunks)


def _display_name(name: str) -> str:
    # A comment may hold a whole mailbox: `bioinformed at gmail.com (Kevin Jacobs <jacobs@bioinformed.com>)`.
    name = _strip_quotes(_clean(_ANGLE_ADDRESS_RE.sub(" ", name)))
    address = _OBFUSCATED_ADDRESS_RE.fullmatch(name)
    if address:
        # Pipermail writes ` at ` in an address used as the name too: `skip at pobox.com (skip at pobox.com)`.
        return f"{address[1]}@{address[2]}"
    name = _strip_trailing_comments(name)
    parts = [part.strip() for part in name.split(",") if part.strip()]
    if not parts:
        return ""
    if len(parts) >= 2 and SUFFIX_RE.match(parts[1]):
        name = f"{parts[0]}, {parts[1]}"
    elif len(parts) == 2 and _is_surname_first(parts[0], parts[1]):
        name = f"{parts[1]} {parts[0]}"
    else:
        name = parts[0]
    return _person_case(_strip_quotes(_drop_workplace(name)))


def _drop_workplace(name: str) -> str:
    """`Matthew MacIntyre at the National University of Senegal` -> `Matthew MacIntyre`."""
    person, found, place = name.partition(" at ")
    if found and (_is_affiliation(place) or place.split()[0].casefold() in FUNCTION_WORDS):
        return person
    return name


def _strip_trailing_comments(name: str) -> str:
    """`Antonio L. Balsamo (Save the wails)` -> `Antonio L. Balsamo`; a comment inside the name stays."""
    while name.endswith(")") and "(" in name:
        depth = 0
        for index in range(len(name) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(name[index], 0)
            if depth == 0:
                break
        stripped = name[:index].strip()
        if not stripped:
            return name.strip("() ")
        name = stripped
    return name


def _is_surname_first(first: str, rest: str) -> bool:
    """`Drevik, Steve` and `feigenbaum,benjamin`: a one-word surname, then given names."""
    if len(first.split()) != 1 or not _LETTERS_RE.fullmatch(first.replace("-", "").replace("'", "")):
        return False
    words = rest.split()
    if not 1 <= len(words) <= 3:
        return False
    return all(
        _LETTERS_RE.fullmatch(word.rstrip(".").replace("-", "")) and word.casefold() not in FUNCTION_WORDS
        for word in words
    )


# Text and case.


def _clean(text: str) -> str:
    text = _INVISIBLE_RE.sub("", text)
    text = _CONTROL_RE.sub(" ", text)
    return _SPACE_RE.sub(" ", text).strip()


def _strip_quotes(text: str) -> str:
    text = text.strip().strip(_QUOTES).strip()
    while len(text) >= 2 and _PAIRED_QUOTES.get(text[0]) == text[-1]:
        text = text[1:-1].strip()
    return text


def _is_all_caps(text: str) -> bool:
    """Whether a name of two or more words is written in capitals; a lone word may be an acronym (`INTO`)."""
    words = [word for word in text.split() if _LETTERS_RE.search(word)]
    if len(words) < 2:
        return False
    for word in words:
        letters = "".join(_LETTERS_RE.findall(CAPS_PREFIX_RE.sub("", word)))
        if not letters.isupper():
            return False
    return True


def _person_case(name: str) -> str:
    if len(name) > MAX_NAME_LENGTH or not _is_all_caps(name):
        return name
    parsed = HumanName(name)
    parsed.capitalize(force=True)
    cased = str(parsed)
    # nameparser may reorder or drop parts (`KING, JR.` loses its comma), lower a particle that opens the
    # name, or take an initial for a particle (`S.V.` -> `S.v.`).
    if cased.casefold() != name.casefold() or not cased[:1].isupper() or _INITIAL_LOWERED_RE.search(cased):
        return _capitalise_words(name)
    return cased


def _agency_case(name: str) -> str:
    name = name.rstrip(".") if name.rstrip(".").casefold() in KNOWN_AGENCIES else name
    if not _is_all_caps(name) and not (name.isupper() and name.casefold() in KNOWN_AGENCIES):
        return name
    return KNOWN_AGENCIES.get(name.casefold()) or _capitalise_words(name)


def _capitalise_words(text: str) -> str:
    """Each run of letters capitalised, keeping `Mc`, `O'` and hyphenated parts: `McCANN` -> `McCann`."""

    def capitalise(match: re.Match[str]) -> str:
        word = match.group().lower()
        if word.startswith("mc") and len(word) > 2:
            return "Mc" + word[2:].capitalize()
        return word.capitalize()

    return _LETTERS_RE.sub(capitalise, text)


def _is_name(text: str) -> bool:
    return len(text) <= MAX_NAME_LENGTH and _WORD_RE.search(text) is not None


def _unique(names: list[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    kept: list[str] = []
    for name in names:
        if _is_name(name) and name.casefold() not in seen:
            seen.add(name.casefold())
            kept.append(name)
    return tuple(kept)
