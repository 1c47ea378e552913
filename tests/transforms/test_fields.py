import pytest

from transforms.fields import DEFAULT_ALIASES, OUR_FIELDS, FieldMapping, parse_mapping, resolve_fields

HUFFPOST_KEYS = ["category", "headline", "authors", "link", "short_description", "date"]


def test_every_field_of_ours_has_aliases_and_no_alias_feeds_two() -> None:
    assert tuple(DEFAULT_ALIASES) == OUR_FIELDS
    aliases = [alias for names in DEFAULT_ALIASES.values() for alias in names]
    assert len(aliases) == len(set(aliases))
    assert all(alias == alias.strip().lower() for alias in aliases)


@pytest.mark.parametrize(
    ("source_fields", "mapping", "expected"),
    [
        pytest.param(
            HUFFPOST_KEYS,
            None,
            {
                "body": "short_description",
                "title": "headline",
                "url": "link",
                "date": "date",
                "authors": "authors",
            },
            id="huffpost-by-aliases",
        ),
        pytest.param(
            ["Headlines", "Time", "Description"],
            None,
            {"body": "Description", "title": "Headlines", "date": "Time"},
            id="cnbc-header-any-case",
        ),
        pytest.param(
            ["Time", "Headlines"],
            None,
            {"title": "Headlines", "date": "Time"},
            id="guardian-no-body-column",
        ),
        pytest.param(
            [" Title ", "TEXT"], None, {"body": "TEXT", "title": " Title "}, id="spaces-kept-in-the-result"
        ),
        pytest.param(
            ["summary", "description", "text"], None, {"body": "text"}, id="first-alias-in-alias-order"
        ),
        pytest.param(
            HUFFPOST_KEYS,
            FieldMapping(body="headline"),
            {"body": "headline", "url": "link", "date": "date", "authors": "authors"},
            id="explicit-wins-and-its-field-feeds-nothing-else",
        ),
        pytest.param(
            ["title", "description", "summary"],
            FieldMapping(title="description"),
            {"body": "summary", "title": "description"},
            id="claimed-alias-is-skipped",
        ),
        pytest.param(
            ["headline", "body"],
            FieldMapping(title="missing"),
            {"body": "body"},
            id="explicit-but-absent-no-fallback",
        ),
        pytest.param(
            ["Short_Description", "Headline"],
            FieldMapping(body="short_description"),
            {"body": "Short_Description", "title": "Headline"},
            id="explicit-any-case",
        ),
        pytest.param(
            ["text", "Text"],
            FieldMapping(body="Text"),
            {"body": "Text"},
            id="explicit-exact-spelling-first",
        ),
        pytest.param(["Title", "title"], None, {"title": "Title"}, id="case-twins-first-wins"),
        pytest.param([], None, {}, id="no-fields"),
        pytest.param(["id", "category", "x"], None, {}, id="nothing-known"),
    ],
)
def test_resolve_fields(
    source_fields: list[str], mapping: FieldMapping | None, expected: dict[str, str]
) -> None:
    assert resolve_fields(source_fields, mapping) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            "body=short_description,title=headline",
            FieldMapping(body="short_description", title="headline"),
            id="two-fields",
        ),
        pytest.param(
            " body = Description , date=Time ", FieldMapping(body="Description", date="Time"), id="spaces"
        ),
        pytest.param("URL=link", FieldMapping(url="link"), id="our-field-any-case"),
        pytest.param("authors=by=line", FieldMapping(authors="by=line"), id="equals-in-source-name"),
        pytest.param("body=text,", FieldMapping(body="text"), id="trailing-comma"),
        pytest.param("", FieldMapping(), id="empty"),
    ],
)
def test_parse_mapping(spec: str, expected: FieldMapping) -> None:
    assert parse_mapping(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param("summary=short_description", "unknown field 'summary'", id="unknown-field-of-ours"),
        pytest.param("body", "not of the form FIELD=SOURCE_FIELD", id="no-equals"),
        pytest.param("body=", "not of the form", id="no-source"),
        pytest.param("=text", "not of the form", id="no-field"),
        pytest.param("body=a,body=b", "mapped twice", id="field-twice"),
        pytest.param("body=text,title=TEXT", "cannot feed both 'body' and 'title'", id="source-twice"),
    ],
)
def test_parse_mapping_rejects(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_mapping(spec)


def test_unknown_field_message_names_ours() -> None:
    with pytest.raises(ValueError, match="our fields: body, title, url, date, authors"):
        parse_mapping("text=body")


def test_mapping_prints_as_it_parses() -> None:
    mapping = FieldMapping(body="short_description", authors="byline")
    assert str(mapping) == "body=short_description,authors=byline"
    assert parse_mapping(str(mapping)) == mapping
    assert mapping.explicit() == {"body": "short_description", "authors": "byline"}


def test_mapping_is_frozen_and_hashable() -> None:
    mapping = FieldMapping(body="text")
    with pytest.raises(AttributeError):
        mapping.body = "other"  # type: ignore[misc]
    assert hash(mapping) == hash(FieldMapping(body="text"))


def test_blank_source_name_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        FieldMapping(title="  ")
