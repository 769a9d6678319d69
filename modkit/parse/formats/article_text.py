"""Plain-text article pages with no comment section (the fallback for text dumps).

Numbered lists in the article (update items, steps) are part of the article,
not comments; share-widget boilerplate is dropped.
"""

from __future__ import annotations

from modkit.parse.base import PageFormat
from modkit.parse.build import build_thread
from modkit.parse.textdump import article_text, is_plain_text, split_title
from modkit.registry import page_formats


@page_formats.register
class ArticleText(PageFormat):
    """A text dump of an article: title and body, zero comments.

    Examples
    --------
    >>> t = ArticleText().parse("Big news\\n\\nIt happened.\\n\\n  1. Update: more.", "a.txt")[0]
    >>> t.title, t.n_comments
    ('Big news', 0)
    """

    name = "article_text"
    description = "plain-text article with no comments (fallback for text dumps)"

    def sniff(self, text: str, source: str) -> float:
        # The weakest claim: any text dump is at least an article.
        return 0.25 if is_plain_text(text) else 0.0

    def parse(self, text: str, source: str):
        lines = text.splitlines()
        title, start = split_title(lines)
        return [build_thread(platform=self.name, source=source, title=title,
                             article=article_text(lines[start:]), posts=[])]
