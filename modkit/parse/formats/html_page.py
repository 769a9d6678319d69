"""Any HTML page without recognised comment markup: the fallback for HTML.

The page becomes a thread with its title and article text and no comments, so
a folder of mixed pages parses completely and the articles are still there to
read. It claims every HTML page, weakly, so that every specific HTML format wins
over it; it never fails, however truncated or broken the markup.
"""

from __future__ import annotations

from modkit.model import Thread
from modkit.parse.base import PageFormat
from modkit.parse.build import build_thread
from modkit.parse.formats._htmlkit import ARTICLE_SELECTORS, article_text
from modkit.parse.html import canonical_url, looks_like_html, page_title, parse_html
from modkit.registry import page_formats

#: The weakest claim on an HTML page: at the detection threshold
#: (:data:`modkit.parse.MIN_CONFIDENCE`), below every specific HTML format.
CONFIDENCE = 0.15
#: Where the article is looked for when no blog/news container is found.
FALLBACK_SELECTORS = (*ARTICLE_SELECTORS, "main", "[role=main]", "#content", ".content", "body")


@page_formats.register
class HtmlPage(PageFormat):
    """An HTML page with no comments we can read: title and article only.

    Examples
    --------
    >>> page = "<html><head><title>News | Site</title></head><body><nav>Home</nav><main><h1>News</h1><p>It rained."
    >>> t = HtmlPage().parse(page, "n.html")[0]
    >>> t.title, t.article, t.n_comments
    ('News', 'News\\n\\nIt rained.', 0)
    """

    name = "html_page"
    description = "any HTML page without recognised comment markup (title and article, no comments)"
    kind = "html"

    def sniff(self, text: str, source: str) -> float:
        return CONFIDENCE if looks_like_html(text) else 0.0

    def parse(self, text: str, source: str) -> list[Thread]:
        tree = parse_html(text)
        title, url = page_title(tree), canonical_url(tree)
        return [build_thread(platform=self.name, source=source, title=title,
                             article=article_text(tree, FALLBACK_SELECTORS), posts=[], url=url)]
