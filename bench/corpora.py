"""The benchmark's corpora, made from the developer corpora in ../shared/corpora and cached under
bench/data/ by size, seed and BUILD_VERSION. Each is written to a temporary name, streamed (a corpus
is never held in memory), and renamed once whole; a cached one is used as it is.

* `jsonl_corpus(n, seed)`: one JSON Lines file of `n` news documents in two shapes, HuffPost's
  (`category, headline, authors, link, short_description, date`) and a newswire one
  (`title, body, date, authors, link, category`). They are copies of the real documents that have a
  text (Reuters-21578 read with dumpling's own reader, HuffPost, BBC, CNBC, 20 newsgroups,
  python-dev, NYT RSS), in rounds: the first round is the originals, each later one a shuffled copy
  of them all, every copy changed a little by a seeded random generator. A copy keeps the text
  (an exact duplicate, 25 %), edits 1-3 words (drop, swap, repeat, change case: a near-duplicate,
  35 %) or joins the first half of its text to the second half of another document's (a new
  document, 40 %); its date moves by up to 3 days and is written in its origin's style; a few
  copies get spacing that normalisation undoes, mojibake (1 %) or HTML entities (1 %), which it
  repairs. Documents without a text (Reuters briefs, Guardian headlines) are left out, so that every
  line has a text for every tool.
* `mixed_corpus(copies, seed)`: a folder holding `copies` copies of every corpus folder, each copy a
  source of its own (`reuters21578-0`, `warc-1`, ...). Copy 0 is byte for byte; in the others about
  one lower-case word in a hundred that stands between two spaces is dropped, repeated elsewhere or
  capitalised, which leaves every format's structure alone (tags, header names, JSON keys and CSV
  quoting have no such words). Compressed and WARC files are copied as they are.
* `warc_corpus(pages, seed)`: gzipped WARC files of WARC_PAGES_PER_FILE `response` records each
  (about 2 MB, a shard each), copies of the HTML responses of the corpora's WARC files; after the
  first round each copy has its own URL, and three in four get one more paragraph, so that they are
  near, not exact, duplicates.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from bench import CORPORA, DATA

BUILD_VERSION = 2
EXACT_SHARE = 0.25
EDITED_SHARE = 0.35  # the rest are spliced
MOJIBAKE_SHARE = 0.01
ENTITIES_SHARE = 0.01
SPACING_SHARE = 0.05
MIXED_WORD_RATE = 0.01
WARC_PAGES_PER_FILE = 250


@dataclass(frozen=True, slots=True)
class BaseDocument:
    shape: str  # "huffpost" or "newswire"
    title: str | None
    body: str
    published: datetime | None
    raw_date: str | None
    date_style: str | None  # how this origin writes a date: iso_day, reuters, rfc2822, cnbc
    authors: str | None
    link: str | None
    category: str | None


@dataclass(frozen=True, slots=True)
class Built:
    path: Path
    stats: dict[str, Any]


def _cached(target: Path, build: Callable[[Path], dict[str, Any]]) -> Built:
    """`target` built by `build(temporary path)` unless it is there already, with its stats."""
    stats_file = target.parent / f"{target.name}.stats.json"
    if target.exists() and stats_file.exists():
        return Built(target, json.loads(stats_file.read_text()))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f"{target.name}.partial"
    if partial.is_dir():
        shutil.rmtree(partial)
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    stats = build(partial)
    stats["build_seconds"] = round(time.perf_counter() - started, 1)
    if target.is_dir():
        shutil.rmtree(target)
    partial.rename(target)
    stats_file.write_text(json.dumps(stats, indent=2) + "\n")
    return Built(target, stats)


def _size(path: Path) -> int:
    return (
        sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        if path.is_dir()
        else path.stat().st_size
    )


# ---------------------------------------------------------------------------------------------------
# The real documents


def _parsed_date(raw: str | None) -> datetime | None:
    from transforms.dates import parse_date

    if not raw:
        return None
    parsed = parse_date(raw)
    return parsed.published_at if parsed is not None else None


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name) or [""]
    return values[0].strip() or None


def _bbc_link(path: Path) -> str:
    return f"https://www.bbc.co.uk/news/{path.parent.name}/{path.stem}"


def base_documents() -> list[BaseDocument]:
    """Every document of the developer corpora that has a text, as dumpling's readers read it."""
    from transforms.formats import read_path
    from transforms.records import RawRecord

    sources: list[tuple[str, str, str | None, Callable[[Path, RawRecord], str | None]]] = [
        ("reuters21578/*.sgm", "newswire", "reuters", lambda _, r: _first(r.headers, "TOPICS")),
        ("jsonl_huffpost/*.json", "huffpost", "iso_day", lambda _, r: _first(r.headers, "category")),
        ("bbc_zitros/news/*/*.txt", "newswire", None, lambda p, _: p.parent.name),
        ("csv_financial_headlines/cnbc_headlines.csv", "huffpost", "cnbc", lambda _, r: "cnbc"),
        ("20news_mini/mini_newsgroups/*/*", "newswire", "rfc2822", lambda p, _: p.parent.name),
        ("mbox_python_dev/*.txt", "newswire", "rfc2822", lambda _, r: "python-dev"),
        ("rss_nyt_2016/*.xml", "huffpost", "rfc2822", lambda _, r: "nyt"),
    ]
    documents = []
    for pattern, shape, date_style, category in sources:
        for path in sorted(CORPORA.glob(pattern)):
            for record in read_path(path):
                if not isinstance(record, RawRecord) or not record.body.strip():
                    continue
                link = record.url or (_bbc_link(path) if pattern.startswith("bbc") else None)
                documents.append(
                    BaseDocument(
                        shape=shape,
                        title=record.title,
                        body=record.body,
                        published=_parsed_date(record.date),
                        raw_date=record.date,
                        date_style=date_style,
                        authors=record.authors,
                        link=link,
                        category=category(path, record),
                    )
                )
    if not documents:
        raise FileNotFoundError(f"no documents found in {CORPORA}: the developer corpora are needed")
    return documents


# ---------------------------------------------------------------------------------------------------
# Small changes


def _recase(word: str, rng: random.Random) -> str:
    changed = rng.choice([str.upper, str.lower, str.title])(word)
    return changed if changed != word else word.swapcase()


def edit_words(text: str, rng: random.Random, edits: int) -> str:
    """`edits` small changes: a word dropped, two swapped, one repeated or its case changed."""
    words = text.split(" ")
    for _ in range(edits):
        i = rng.randrange(len(words))
        operation = rng.randrange(4)
        if operation == 0 and len(words) > 3:
            del words[i]
        elif operation == 1 and i + 1 < len(words):
            words[i], words[i + 1] = words[i + 1], words[i]
        elif operation == 2:
            words.insert(i, words[i])
        else:
            words[i] = _recase(words[i], rng)
    return " ".join(words)


def splice(first: str, second: str) -> str:
    """The first half of one text's words and the second half of another's."""
    a, b = first.split(" "), second.split(" ")
    return " ".join(a[: max(1, len(a) // 2)] + b[len(b) // 2 :])


def _respace(text: str, rng: random.Random) -> str:
    """Spacing that normalisation undoes: doubled spaces, trailing blanks, CRLF line ends."""
    choice = rng.randrange(3)
    if choice == 0:
        return text.replace(". ", ".  ")
    if choice == 1:
        return text.replace("\n", " \n") + "  "
    return text.replace("\n", "\r\n")


def mojibake(text: str) -> str:
    """The text with typographic quotes, read back as Windows-1252 (or Latin-1) after UTF-8."""
    data = text.replace("'", "\u2019").replace(" - ", " \u2013 ").encode("utf-8")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("'", "&#8217;").replace('"', "&quot;")


_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


def format_date(when: datetime, style: str, rng: random.Random) -> str:
    if style == "iso_day":
        return f"{when:%Y-%m-%d}"
    if style == "reuters":
        return f"{when.day:2d}-{_MONTHS[when.month - 1]}-{when:%Y %H:%M:%S}.{rng.randrange(100):02d}"
    if style == "cnbc":
        hour = when.hour % 12 or 12
        return f"{hour:2d}:{when:%M}  {when:%p} ET {when:%a}, {when.day:2d} {when:%B %Y}"
    return format_datetime(when)


# ---------------------------------------------------------------------------------------------------
# The JSON Lines corpus


class _Copier:
    def __init__(self, documents: list[BaseDocument], seed: int) -> None:
        self.documents = documents
        self.rng = random.Random(seed)
        self.by_shape: dict[str, list[BaseDocument]] = {}
        for document in documents:
            self.by_shape.setdefault(document.shape, []).append(document)
        self.kinds: Counter[str] = Counter()

    def copies(self, count: int) -> Iterator[dict[str, Any]]:
        emitted = 0
        copy_round = 0
        while True:
            order = list(range(len(self.documents)))
            if copy_round:
                self.rng.shuffle(order)
            for i in order:
                if emitted == count:
                    return
                yield self.copy(self.documents[i], copy_round)
                emitted += 1
            copy_round += 1

    def copy(self, document: BaseDocument, copy_round: int) -> dict[str, Any]:
        rng = self.rng
        text, title, link = document.body, document.title, document.link
        if copy_round == 0:
            kind = "original"
        else:
            roll = rng.random()
            kind = (
                "exact"
                if roll < EXACT_SHARE
                else "edited"
                if roll < EXACT_SHARE + EDITED_SHARE
                else "spliced"
            )
        if kind == "edited":
            text = edit_words(text, rng, rng.randint(1, 3))
        elif kind == "spliced":
            other = rng.choice(self.by_shape[document.shape])
            text = edit_words(splice(text, other.body), rng, 1)
            if link:
                link = f"{link.rstrip('/')}-{copy_round}"
        self.kinds[kind] += 1
        if kind != "original":
            if title and rng.random() < 0.1:
                title = edit_words(title, rng, 1)
            if rng.random() < SPACING_SHARE:
                text = _respace(text, rng)
                self.kinds["respaced"] += 1
            if rng.random() < MOJIBAKE_SHARE:
                text = mojibake(text)
                self.kinds["mojibake"] += 1
            if rng.random() < ENTITIES_SHARE:
                text = entities(text)
                self.kinds["entities"] += 1
            if link and kind != "spliced" and rng.random() < 0.3:
                link = f"{link}{'&' if '?' in link else '?'}utm_source=bench&utm_medium=copy{copy_round}"
        date = self._date(document, copy_round)
        if document.shape == "huffpost":
            return {
                "category": document.category or "",
                "headline": title or "",
                "authors": document.authors or "",
                "link": link or "",
                "short_description": text,
                "date": date,
            }
        return {
            "title": title,
            "body": text,
            "date": date,
            "authors": document.authors,
            "link": link,
            "category": document.category,
        }

    def _date(self, document: BaseDocument, copy_round: int) -> str | None:
        if document.published is None or document.date_style is None:
            return document.raw_date
        shift = self.rng.randint(-3, 3) if copy_round else 0
        if shift == 0 and document.raw_date and (copy_round == 0 or self.rng.random() < 0.5):
            return document.raw_date
        return format_date(document.published + timedelta(days=shift), document.date_style, self.rng)


def jsonl_corpus(documents: int, seed: int = 1) -> Built:
    """The JSON Lines corpus of `documents` documents (cached); the first k documents of any size
    are the same for one seed."""
    target = DATA / f"jsonl-{documents}-s{seed}-v{BUILD_VERSION}" / "news.jsonl"

    def build(partial: Path) -> dict[str, Any]:
        copier = _Copier(base_documents(), seed)
        with partial.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
            for record in copier.copies(documents):
                ascii_only = "headline" in record  # HuffPost's file escapes every non-ASCII character
                out.write(json.dumps(record, ensure_ascii=ascii_only) + "\n")
        return {
            "documents": documents,
            "bytes": partial.stat().st_size,
            "seed": seed,
            "originals": len(copier.documents),
            "copies": dict(copier.kinds),
        }

    return _cached(target, build)


# ---------------------------------------------------------------------------------------------------
# The mixed corpus

_WORD_BETWEEN_SPACES = re.compile(rb"(?<= )[a-z]{4,}(?= )")


def perturb_bytes(data: bytes, rng: random.Random, rate: float = MIXED_WORD_RATE) -> bytes:
    """About `rate` of the lower-case words that stand between two spaces dropped, replaced by the
    word before them, or capitalised; nothing else changes."""
    previous = [b"the"]

    def change(match: re.Match[bytes]) -> bytes:
        word = match[0]
        if rng.random() >= rate:
            previous[0] = word
            return word
        operation = rng.randrange(3)
        if operation == 0:
            return b""
        if operation == 1:
            return previous[0]
        return word.capitalize()

    return _WORD_BETWEEN_SPACES.sub(change, data)


def _is_text(data: bytes) -> bool:
    return not data.startswith((b"\x1f\x8b", b"WARC/", b"PK\x03\x04")) and b"\x00" not in data[:4096]


def mixed_corpus(copies: int, seed: int = 1) -> Built:
    """`copies` copies of every corpus folder under one folder (cached)."""
    target = DATA / f"mixed-{copies}-s{seed}-v{BUILD_VERSION}"

    def build(partial: Path) -> dict[str, Any]:
        files = changed = 0
        for copy in range(copies):
            for corpus in sorted(p for p in CORPORA.iterdir() if p.is_dir()):
                for file in sorted(p for p in corpus.rglob("*") if p.is_file()):
                    relative = file.relative_to(corpus)
                    if any(part.startswith(".") for part in relative.parts):
                        continue
                    destination = partial / f"{corpus.name}-{copy}" / relative
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    data = file.read_bytes()
                    if copy and _is_text(data):
                        rng = random.Random(f"{seed}/{copy}/{corpus.name}/{relative}")
                        new = perturb_bytes(data, rng)
                        changed += new != data
                        data = new
                    destination.write_bytes(data)
                    files += 1
        return {
            "copies": copies,
            "seed": seed,
            "files": files,
            "files_changed": changed,
            "bytes": _size(partial),
        }

    return _cached(target, build)


# ---------------------------------------------------------------------------------------------------
# The WARC corpus


@dataclass(frozen=True, slots=True)
class _Page:
    uri: str
    date: str
    status: str
    headers: list[tuple[str, str]]
    body: bytes


_DROPPED_HTTP_HEADERS = {"transfer-encoding", "content-encoding", "content-length"}


def _html_responses() -> list[_Page]:
    """The HTML responses of the corpora's WARC files that can be read whole (not the clipped one)."""
    from warcio.archiveiterator import ArchiveIterator

    pages = []
    for path in sorted((CORPORA / "warc").rglob("*")):
        if not path.is_file() or ".wat" in path.name or ".wet" in path.name:
            continue
        found = []
        try:
            with path.open("rb") as stream:
                for record in ArchiveIterator(stream):
                    if record.rec_type != "response" or record.http_headers is None:
                        continue
                    content_type = record.http_headers.get_header("Content-Type") or ""
                    if "html" not in content_type.lower():
                        continue
                    body = record.content_stream().read()
                    headers = [
                        (name, value)
                        for name, value in record.http_headers.headers
                        if name.lower() not in _DROPPED_HTTP_HEADERS
                    ]
                    found.append(
                        _Page(
                            uri=record.rec_headers.get_header("WARC-Target-URI"),
                            date=record.rec_headers.get_header("WARC-Date"),
                            status=record.http_headers.statusline,
                            headers=headers,
                            body=body,
                        )
                    )
        except Exception:  # a damaged file (the clipped one) gives none of its pages
            continue
        pages += found
    if not pages:
        raise FileNotFoundError(f"no HTML responses in the WARC files of {CORPORA / 'warc'}")
    return pages


def _with_paragraph(body: bytes, paragraph: str) -> bytes:
    """One more paragraph after the first one of the page's body (where the extractor keeps it),
    else at the end of the body."""
    lowered = body.lower()
    after = lowered.find(b"</p>", max(0, lowered.find(b"<body")))
    at = after + len(b"</p>") if after >= 0 else lowered.rfind(b"</body>")
    addition = f"\n<p>{paragraph}</p>\n".encode()
    return body + addition if at < 0 else body[:at] + addition + body[at:]


def warc_corpus(pages: int, seed: int = 1) -> Built:
    """`pages` HTML responses in gzipped WARC files of WARC_PAGES_PER_FILE records (cached)."""
    target = DATA / f"warc-{pages}-s{seed}-v{BUILD_VERSION}"

    def build(partial: Path) -> dict[str, Any]:
        from warcio.statusandheaders import StatusAndHeaders
        from warcio.warcwriter import WARCWriter

        originals = _html_responses()
        rng = random.Random(seed)
        partial.mkdir(parents=True)
        for first in range(0, pages, WARC_PAGES_PER_FILE):
            with (partial / f"pages-{first // WARC_PAGES_PER_FILE:04d}.warc.gz").open("wb") as out:
                writer = WARCWriter(out, gzip=True)
                for index in range(first, min(pages, first + WARC_PAGES_PER_FILE)):
                    page = originals[index % len(originals)]
                    copy = index // len(originals)
                    uri, body = page.uri, page.body
                    if copy:
                        uri = f"{uri}{'&' if '?' in uri else '?'}bench_copy={copy}"
                        if rng.random() < 0.75:
                            body = _with_paragraph(body, f"Copy {copy} \u00b7 {rng.randrange(10**6):06d}")
                    http = StatusAndHeaders(page.status, list(page.headers), protocol="HTTP/1.1")
                    record = writer.create_warc_record(
                        uri,
                        "response",
                        payload=io.BytesIO(body),
                        length=len(body),
                        http_headers=http,
                        warc_headers_dict={"WARC-Date": page.date},
                    )
                    writer.write_record(record)
        return {"pages": pages, "seed": seed, "originals": len(originals), "bytes": _size(partial)}

    return _cached(target, build)
