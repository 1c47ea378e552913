"""Mail and newsgroup bodies: the quoted reply and the signature are moved out of what the author wrote.

    In article <1993Apr5.1234@cs.cmu.edu>, joe@cs.cmu.edu (Joe) writes:     <- attribution: quoted
    > Does anyone have SIPP?                                                <- quoted
                                                                            <- blank: body
    Try ftp.cs.ubc.ca.                                                      <- body
    --                                                                      <- signature
    Joe Tham              joth@ersys.edmonton.ab.ca                         <- signature

Quoted lines start with `>` (after blanks, and after `|`, `:`, `}` or `#` markers: `|>`, `: >`, `#>`),
with a supercite prefix (`TP> `, `Guido> `), or with one of the markers `|`, `:`, `}`, `]`, `)`, `#`,
`-` alone when that run of lines is introduced by an attribution line, nests a quote, or uses the
marker the message already quoted with. The attribution line (`In article <...>, joe writes:`, `On
..., Joe wrote:`, wrapped over two or three lines) and elision marks (`[...]`, `[stuff deleted]`) go
with the quote, and so does everything under Outlook's `-----Original Message-----` header. Python
prompts (`>>> import sys`) in the author's own text are not quotes.

The signature starts at the last `-- ` (or `--`) line and runs to the end, or, without one, is a short
final block after a line of only `-`, `=`, `_`, `*` or `~`; signatures stacked one above the other are
taken together. Blocks too long, code, or prose set off by `--` are not signatures. A signature ends
where the list footer starts (mailman's `Python-Dev mailing list` block, `-------------- next part
--------------`, a later MIME boundary), where a quoted block starts, or at a moderator's bracketed
note; those stay in the body.
Uuencoded data and fenced code blocks are never quotes or signature delimiters.

A message that would have no text left (only a quote, only a signature) keeps its body as is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_SIGNATURE_LINES = 15
MAX_RULED_SIGNATURE_LINES = 10
MAX_PROSE_LINES = 4
MAX_ATTRIBUTION_CHARS = 240
_WEAK_MARKERS = "|:}])#-"
_REPEATED_COLON = re.compile(r"[ \t]{0,2}: :")

# `>`, possibly behind other quoting marks: `|>`, `: >`, `#>>`, `} >`.
_NESTED_QUOTE = re.compile(r"(?:[|:}#][ \t]?)*>")
# Supercite: initials or a first name and `>`: `TP> `, `    Guido> `. Uuencoded `M>` lines have no space.
_SUPERCITE = re.compile(r"[ \t]{0,4}[A-Z][A-Za-z]{0,11}>(?:[ \t>|:]|$)")
_UUENCODE_BEGIN = re.compile(r"begin [0-7]{3,4} \S")
_UUENCODE_LINE = re.compile(r"M[ -`]{60}")
_FENCE = re.compile(r"[ \t]*```[\w+-]*[ \t]*")
# Python's interactive prompt: a statement, a call, an assignment, a dotted name.
_PYTHON_STATEMENT = re.compile(
    r">>>(?: (?:import [\w.]|from [\w.]+ import |(?:print|del|assert|raise|return)\b|(?:def|class) \w"
    r"|(?:for|while|if|elif|with|try|except|finally|else)\b.*:$"
    r"|[A-Za-z_][\w.]*(?:\(|\[| ?[-+*/|&]?= )|[A-Za-z_]\w*(?:\.\w+)+$|\d+ ?[-+*/%] ?\d))"
)
_PROMPT = re.compile(r">>>(?: |$)")
_DEEPER_THAN_PROMPT = re.compile(r">>>>")

_ATTRIBUTION_VERB = re.compile(
    r"\b(?:writes|wrote|writes in|said|says|schrieb|escribió|comments|wibbled|a écrit)"
    r"[ \t]*(?::|;|\.\.\.|,)?[ \t]*$",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"(?:In article\b|In <|On |At |Quoting |Le |Am |El )")
_ANGLE_BRACKETS = re.compile(r"<[^<>]*>")
_ATTRIBUTION_OTHER = re.compile(r"(?:In article\b|Quoting\b.*:$|-+ ?Original Message ?-+$)", re.IGNORECASE)
_ELISION = re.compile(
    r"[\[(<](?:[ .…]*|[^\])>]{0,80}\b(?:snip|delet|chop|omit|elide|trim|cut)[^\])>]{0,80})[\])>]",
    re.IGNORECASE,
)
_ORIGINAL_MESSAGE = re.compile(r"-+ ?Original Message ?-+", re.IGNORECASE)
_HEADER_FROM = re.compile(r"From: \S")

_DELIMITER = re.compile(r"--[ \t]*")
_RULE = re.compile(r"[ \t]*[+|*]?[-=_*~]{2,}[+|*]?[ \t]*")
_RULE_RUN = re.compile(r"[-=_*~]{3}")
_COLUMN_GAP = re.compile(r"\S(?: {3,}|\t+)(?=\S)")
# An address, a web site or a phone number: what a signature gives.
_CONTACT = re.compile(r"\S@\S|\S at \S+\.\w|://|www\.|\+?\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}")
_WORD = re.compile(r"[^\W\d_]{3}")

_NEXT_PART = re.compile(r"-{5,} ?next part ?-{5,}", re.IGNORECASE)
_UNDERSCORES = re.compile(r"_{20,}")
_LIST_NAME = re.compile(r"[\w.-]+ mailing list")
_LIST_ADDRESS = re.compile(r"[\w.-]+(?:@| at )[\w.-]+")
_MIME_BOUNDARY = re.compile(r"--(?=[-'()+,./:=?]*\w)[-\w'()+,./:=?]{7,}")
_CONTENT_TYPE = re.compile(r"Content-Type:", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class MailBody:
    body: str  # what the author wrote, line structure and blank lines preserved
    quoted: str | None  # the quoted lines and their attribution lines, joined by "\n"; None if none
    signature: str | None  # the signature block, joined by "\n"; None if none


def split_mail_body(body: str) -> MailBody:
    """The author's text, the quoted lines and the signature of one message body (after its headers)."""
    lines = body.replace("\r\n", "\n").split("\n")
    unchanged = MailBody(body="\n".join(lines), quoted=None, signature=None)
    protected = _protected_lines(lines)
    footer = _footer_start(lines)
    outlook = _outlook_quote_start(lines, footer, protected)
    signature = _signature_span(lines, _author_end(lines, outlook), protected)
    in_signature = [False] * len(lines)
    if signature is not None:
        in_signature[signature[0] : signature[1]] = [True] * (signature[1] - signature[0])
    blocked = [a or b for a, b in zip(protected, in_signature, strict=True)]
    quoted = _quoted_lines(lines, footer, blocked)
    for index in range(outlook, footer):
        quoted[index] = not (blocked[index] or _is_blank(lines[index]))
    removed = [a or b for a, b in zip(quoted, in_signature, strict=True)]
    if not any(removed):
        return unchanged
    kept = _kept_lines(lines[:footer], removed[:footer])
    if not any(line.strip() for line in kept):
        return unchanged
    if 0 < footer < len(lines) and kept[-1].strip() and (removed[footer - 1] or _is_blank(lines[footer - 1])):
        kept.append("")
    quoted_text = [line for line, is_quoted in zip(lines, quoted, strict=True) if is_quoted]
    return MailBody(
        body="\n".join(kept + lines[footer:]),
        quoted="\n".join(quoted_text) if quoted_text else None,
        signature="\n".join(lines[signature[0] : signature[1]]) if signature else None,
    )


def _protected_lines(lines: Sequence[str]) -> list[bool]:
    """Lines inside uuencoded data or fenced code: their `>` and `--` are data, not mail structure."""
    protected = [False] * len(lines)
    in_uuencode = in_fence = False
    for index, line in enumerate(lines):
        if in_uuencode:
            protected[index] = True
            in_uuencode = line.rstrip() != "end"
        elif _UUENCODE_BEGIN.match(line):
            protected[index] = in_uuencode = True
        elif _FENCE.fullmatch(line):
            protected[index] = True
            in_fence = not in_fence
        else:
            protected[index] = in_fence or _UUENCODE_LINE.fullmatch(line) is not None
    return protected


def _footer_start(lines: Sequence[str]) -> int:
    """Where the mailing list's footer, or a MIME part after the first, starts; else the end."""
    boundaries: set[str] = set()
    for index, line in enumerate(lines):
        line = line.strip()
        if not line:
            continue
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if (
            _NEXT_PART.fullmatch(line)
            or (_UNDERSCORES.fullmatch(line) and _LIST_NAME.fullmatch(following))
            or (_LIST_NAME.fullmatch(line) and _LIST_ADDRESS.fullmatch(following))
        ):
            return index
        # The archive kept an unparsed multipart message: its text is the first part.
        if _CONTENT_TYPE.match(following) and _MIME_BOUNDARY.fullmatch(line):
            if line in boundaries:
                return index
            boundaries.add(line)
    return len(lines)


def _author_end(lines: Sequence[str], end: int) -> int:
    """`end`, moved back over the blank lines before it."""
    while end > 0 and _is_blank(lines[end - 1]):
        end -= 1
    return end


def _is_blank(line: str) -> bool:
    return not line.strip()


def _signature_span(lines: Sequence[str], end: int, protected: Sequence[bool]) -> tuple[int, int] | None:
    """The signature's lines as a half-open range, or None.

    Signatures stacked at the end (`-- ` twice, or a ruled block before `-- `) are taken together, so that
    the body left behind ends without one.
    """
    span = _delimited_signature(lines, end, protected) or _ruled_signature(lines, end, protected)
    if span is None:
        return None
    while True:
        before = _delimited_signature(lines, span[0], protected) or _ruled_signature(
            lines, span[0], protected
        )
        if before is None or before[1] != _author_end(lines, span[0]):
            return span
        span = (before[0], span[1])


def _delimited_signature(lines: Sequence[str], end: int, protected: Sequence[bool]) -> tuple[int, int] | None:
    """From the last `-- ` line before `end`, if what follows is short enough to be a signature."""
    delimiter = next(
        (
            index
            for index in range(end - 1, -1, -1)
            if not protected[index] and _DELIMITER.fullmatch(lines[index])
        ),
        None,
    )
    if delimiter is None:
        return None
    stop = _author_end(lines, _signature_end(lines, delimiter + 1, end))
    return (
        (delimiter, stop) if _plausible_signature(lines[delimiter + 1 : stop], MAX_SIGNATURE_LINES) else None
    )


def _ruled_signature(lines: Sequence[str], end: int, protected: Sequence[bool]) -> tuple[int, int] | None:
    """The Usenet habit without `-- `: a short final block under a rule line (`-----`, `=====`, `+----+`).

    The block is the final paragraph, or several when its first one gives an address, so that tables and
    closing remarks under a rule are not taken.
    """
    last = end - 1
    while last >= 0 and _is_blank(lines[last]):
        last -= 1
    # A box drawn around the signature ends with a rule of its own.
    index = last - 1 if last >= 0 and _RULE.fullmatch(lines[last]) else last
    lowest = max(0, last - MAX_RULED_SIGNATURE_LINES - 2)
    paragraphs = 1
    while index >= lowest and not protected[index]:
        line = lines[index]
        if _is_blank(line):
            paragraphs += 1 if not _is_blank(lines[index + 1]) else 0
        elif _is_rule(lines, index) and _is_ruled_block(lines[index + 1 : last + 1], paragraphs):
            return index, last + 1
        index -= 1
    return None


def _is_rule(lines: Sequence[str], index: int) -> bool:
    """A rule line, and not the underline of a heading (`What's new?` over `-----------`) or a table."""
    rule = lines[index].strip()
    if rule == "--" or not _RULE.fullmatch(rule):
        return False
    above = lines[index - 1].strip() if index > 0 else ""
    heading = (
        4 <= len(rule) <= 40
        and abs(len(rule) - len(above)) <= 2
        and not above.endswith((".", ",", "!"))
        and not _RULE_RUN.search(above)
    )
    return not heading and len(_COLUMN_GAP.findall(above)) < 2


def _is_ruled_block(block: Sequence[str], paragraphs: int) -> bool:
    if not block or _is_blank(block[0]):
        return False
    if not any(_WORD.search(line) for line in block):
        return False  # figures under a rule: a table's total
    if paragraphs > 1:
        first = block[: next((i for i, line in enumerate(block) if _is_blank(line)), len(block))]
        if not any(_CONTACT.search(line) for line in first):
            return False
    return _plausible_signature(block, MAX_RULED_SIGNATURE_LINES)


def _signature_end(lines: Sequence[str], start: int, footer: int) -> int:
    """The signature stops before a quoted block or a moderator's `[...]` note that follows it."""
    last_text = next((lines[i].rstrip() for i in range(footer - 1, start - 1, -1) if lines[i].strip()), "")
    for index in range(start + 1, footer):
        if not _is_blank(lines[index - 1]):
            continue
        line = lines[index]
        if line.startswith("[") and last_text.endswith("]"):
            return index
        if _is_quote(line) or _introduces_quote(lines, index):
            return index
    return footer


def _plausible_signature(block: Sequence[str], max_lines: int) -> bool:
    """Short, and neither code, uuencoded data nor paragraphs of prose set off by `--` and a blank line."""
    text = [line for line in block if line.strip()]
    if not text or len(text) > max_lines:
        return False
    if _is_blank(block[0]) and sum(1 for line in text if _is_prose(line)) > MAX_PROSE_LINES:
        return False
    code = sum(1 for line in text if _is_code(line))
    return code * 3 < len(text) and not any(_UUENCODE_LINE.fullmatch(line) for line in text)


def _is_prose(line: str) -> bool:
    """A line of running text, not a signature's columns, box or short quip."""
    return (
        len(line) >= 45
        and not line[0].isspace()
        and len(line.split()) >= 7
        and "|" not in line
        and _COLUMN_GAP.search(line) is None
    )


def _is_code(line: str) -> bool:
    """A C-like statement or brace; `#include <witty.saying>` is a signature joke, not code."""
    line = line.strip()
    return line in ("{", "}", "};") or (line.endswith((";", "{")) and ("=" in line or "(" in line))


def _is_quote(line: str) -> bool:
    stripped = line.lstrip(" \t")
    return _NESTED_QUOTE.match(stripped) is not None or _SUPERCITE.match(line) is not None


def _weak_marker(line: str) -> str | None:
    """The quoting mark (`|`, `:`, `}`, `]`, `)`, `#`, `-`) a line starts with, when it can be one."""
    indent = len(line) - len(line.lstrip(" \t"))
    stripped = line[indent:].rstrip()
    if indent > 2 or not stripped or stripped[0] not in _WEAK_MARKERS:
        return None
    marker = stripped[0]
    if len(stripped) > 2 and not stripped.strip(marker):
        return None  # a rule: `::::::`, `#####`
    if marker == "|" and len(stripped) > 1 and stripped.endswith("|"):
        return None  # a box or a table row
    if marker == ":" and len(stripped) > 1 and stripped[1] not in " \t:>|":
        return None  # `:-)`, `:param:`
    if marker == "-" and len(stripped) > 1 and stripped[1] not in " \t>":
        return None  # `--`, `-----`, `-5`
    return marker


def _is_attribution(lines: Sequence[str], index: int) -> bool:
    line = lines[index].strip()
    if len(line) > MAX_ATTRIBUTION_CHARS or not line:
        return False
    return bool(_ATTRIBUTION_VERB.search(line) or _ATTRIBUTION_OTHER.match(line) or _is_addressed(line))


def _is_addressed(line: str) -> bool:
    """`2016-11-04 13:53 GMT+01:00 Victor Stinner <victor.stinner at gmail.com>:`, Gmail's attribution."""
    return line.endswith(":") and any(
        "@" in match.group() or " at " in match.group() for match in _ANGLE_BRACKETS.finditer(line)
    )


def _introduces_quote(lines: Sequence[str], index: int) -> bool:
    """An attribution line with a quoted line next (blank lines between allowed)."""
    if not _is_attribution(lines, index):
        return False
    following = _next_text_line(lines, index)
    return following is not None and _is_quote(lines[following])


def _quoted_lines(lines: Sequence[str], footer: int, blocked: Sequence[bool]) -> list[bool]:
    quoted = [not blocked[i] and _is_quote(lines[i]) for i in range(footer)] + [False] * (len(lines) - footer)
    _unmark_python_sessions(lines, footer, quoted)
    _mark_weak_quotes(lines, footer, blocked, quoted)
    _mark_elisions(lines, footer, blocked, quoted)
    _mark_attributions(lines, footer, blocked, quoted)
    return quoted


def _unmark_python_sessions(lines: Sequence[str], footer: int, quoted: list[bool]) -> None:
    """A run of lines with a Python statement at `>>>` and no deeper quote is a session, not a quote."""
    start = 0
    while start < footer:
        if _is_blank(lines[start]):
            start += 1
            continue
        end = start
        while end < footer and not _is_blank(lines[end]):
            end += 1
        run = range(start, end)
        prompts = [i for i in run if quoted[i] and _PROMPT.match(lines[i].lstrip())]
        if (
            prompts
            and len(prompts) == sum(quoted[i] for i in run)
            and any(_PYTHON_STATEMENT.match(lines[i].lstrip()) for i in prompts)
            and not any(_DEEPER_THAN_PROMPT.match(lines[i].lstrip()) for i in run)
        ):
            for index in prompts:
                quoted[index] = False
        start = end


def _weak_run_end(lines: Sequence[str], start: int, footer: int, marker: str) -> int:
    """The end of the run of lines quoted with `marker`, blank lines inside it included."""
    end = index = start
    while index < footer:
        line = lines[index]
        if _is_blank(line):
            index += 1
            continue
        if line.lstrip(" \t")[:1] != marker or (
            _weak_marker(line) is None and not _NESTED_QUOTE.match(line.lstrip(" \t"))
        ):
            break
        index += 1
        end = index
    return end


def _mark_weak_quotes(lines: Sequence[str], footer: int, blocked: Sequence[bool], quoted: list[bool]) -> None:
    established: set[str] = set()
    index = 0
    while index < footer:
        marker = None if blocked[index] else _weak_marker(lines[index])
        if marker is None:
            index += 1
            continue
        end = _weak_run_end(lines, index, footer, marker)
        run = [i for i in range(index, end) if not blocked[i] and not _is_blank(lines[i])]
        nested = any(quoted[i] or _REPEATED_COLON.match(lines[i]) for i in run)
        before = _previous_text_line(lines, index)
        introduced = before is not None and not quoted[before] and _is_attribution(lines, before)
        if marker in established or nested or introduced:
            established.add(marker)
            for i in run:
                quoted[i] = True
        index = max(end, index + 1)


def _mark_elisions(lines: Sequence[str], footer: int, blocked: Sequence[bool], quoted: list[bool]) -> None:
    """`[...]`, `(stuff deleted)` next to a quote belong to it."""
    for index in range(footer):
        if blocked[index] or quoted[index] or not _ELISION.fullmatch(lines[index].strip()):
            continue
        before = _previous_text_line(lines, index)
        after = _next_text_line(lines, index)
        quoted[index] = (before is not None and quoted[before]) or (
            after is not None and after < footer and quoted[after]
        )


def _outlook_quote_start(lines: Sequence[str], footer: int, protected: Sequence[bool]) -> int:
    """Where Outlook's unmarked quote starts: `-----Original Message-----` over `From:`; else footer."""
    for index in range(footer - 1):
        if (
            not protected[index]
            and _HEADER_FROM.match(lines[index + 1])
            and _ORIGINAL_MESSAGE.fullmatch(lines[index].strip())
        ):
            return index
    return footer


def _previous_text_line(lines: Sequence[str], index: int) -> int | None:
    index -= 1
    while index >= 0 and _is_blank(lines[index]):
        index -= 1
    return index if index >= 0 else None


def _next_text_line(lines: Sequence[str], index: int) -> int | None:
    index += 1
    while index < len(lines) and _is_blank(lines[index]):
        index += 1
    return index if index < len(lines) else None


def _mark_attributions(
    lines: Sequence[str], footer: int, blocked: Sequence[bool], quoted: list[bool]
) -> None:
    """The line (or a line wrapped in two or three) introducing each quoted block is quoted too."""
    for index in range(1, footer):
        if not quoted[index]:
            continue
        before = _previous_text_line(lines, index)
        if before is None or quoted[before] or blocked[before] or not _is_attribution(lines, before):
            continue
        quoted[before] = True
        if _ATTRIBUTION_START.match(lines[before].strip()):
            continue
        for wrapped in range(before - 1, max(before - 3, -1), -1):
            line = lines[wrapped]
            if _is_blank(line) or quoted[wrapped] or blocked[wrapped] or _is_quote(line):
                break
            if _ATTRIBUTION_START.match(line.strip()) and len(line) <= MAX_ATTRIBUTION_CHARS:
                for i in range(wrapped, before):
                    quoted[i] = True
                break


def _kept_lines(lines: Sequence[str], removed: Sequence[bool]) -> list[str]:
    """The lines not removed; a removed block leaves one blank line between paragraphs, none at the ends."""
    kept: list[str] = []
    gap = False
    for line, is_removed in zip(lines, removed, strict=True):
        if is_removed:
            gap = True
            continue
        if _is_blank(line):
            if not (gap and (not kept or _is_blank(kept[-1]))):
                kept.append(line)
            continue
        if gap and kept and not _is_blank(kept[-1]):
            kept.append("")
        kept.append(line)
        gap = False
    if gap:
        while kept and _is_blank(kept[-1]):
            kept.pop()
    return kept
