import pytest

from transforms.urls import canonical_url, registered_domain


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        pytest.param("https://example.com/a/b", "https://example.com/a/b", id="clean"),
        pytest.param(
            "HTTP://WWW.NYTimes.com:80/2016/12/08/x.html?partner=rss&emc=rss#frag",
            "http://www.nytimes.com/2016/12/08/x.html",
            id="nyt-rss-link",
        ),
        pytest.param(
            "https://example.com/a?utm_source=x&UTM_Medium=y&id=3&fbclid=1",
            "https://example.com/a?id=3",
            id="utm-and-click-ids",
        ),
        pytest.param(
            "https://Example.com:443/p?b=2&a=1", "https://example.com/p?a=1&b=2", id="port-and-order"
        ),
        pytest.param("  https://example.com/x#top  ", "https://example.com/x", id="spaces-and-fragment"),
        pytest.param("mailto:someone@example.com", None, id="not-web"),
        pytest.param("urn:uuid:1234", None, id="urn"),
        pytest.param("not a url", None, id="garbage"),
        pytest.param("http://[::1", None, id="broken-ipv6"),
    ],
)
def test_canonical_url(url: str, canonical: str | None) -> None:
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        pytest.param("https://www.nytimes.com/2016/x.html", "nytimes.com", id="www"),
        pytest.param("http://news.bbc.co.uk/1/hi/business/1.stm", "bbc.co.uk", id="public-suffix"),
        pytest.param("https://an.wikipedia.org/wiki/Escopete", "wikipedia.org", id="subdomain"),
    ],
)
def test_registered_domain(url: str, domain: str) -> None:
    assert registered_domain(url) == domain
