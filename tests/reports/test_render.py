"""The HTML page and Markdown summary: sections, embedded images, escaping, no network."""

from __future__ import annotations

import base64
import io
from html.parser import HTMLParser

import pytest
from matplotlib.image import imread

from sim.reports import write_report
from tests.reports.conftest import EVIL

PNG = b"\x89PNG\r\n\x1a\n"
COMMON = ["summary", "latency", "queues", "utilization", "topology"]


class Page(HTMLParser):
    """Collects section ids, images, links, scripts and the text of a page."""

    def __init__(self):
        super().__init__()
        self.sections, self.images, self.tags, self.text = [], [], [], []
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        for key in ("href", "src"):
            if key in attrs:
                self.links.append(attrs[key])

    def handle_data(self, data):
        self.text.append(data)


def parse(path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def decode_all(page: Page) -> int:
    for src in page.images:
        head, _, payload = src.partition(",")
        assert head == "data:image/png;base64"
        data = base64.b64decode(payload, validate=True)
        assert data.startswith(PNG)
        pixels = imread(io.BytesIO(data), format="png")
        assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
    return len(page.images)


RUN = COMMON[:3] + ["requests"] + COMMON[3:]   # a run has the requests of each interval


@pytest.mark.parametrize("folder, sections", [
    ("run_folder", RUN), ("sweep_folder", COMMON), ("plan_folder", COMMON + ["search"])])
def test_every_section_is_present_and_every_image_decodes(folder, sections, request):
    out = request.getfixturevalue(folder)
    if folder == "sweep_folder":
        write_report(out)
    page = parse(out / "report.html")
    assert page.sections == sections
    assert decode_all(page) == len(sections) - 1          # a figure for each but the summary


def test_the_page_is_self_contained(run_folder, plan_folder):
    for folder in (run_folder, plan_folder):
        page = parse(folder / "report.html")
        assert "script" not in page.tags and "link" not in page.tags
        assert all(link.startswith(("data:image/png;base64,", "#")) for link in page.links)
        html = (folder / "report.html").read_text()
        assert "http://" not in html and "https://" not in html and "<style>" in html


def test_model_text_is_escaped_in_html(run_folder):
    html = (run_folder / "report.html").read_text()
    assert EVIL not in html and "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt; &amp; more" in html
    assert "<b>name</b>" not in html
    page = parse(run_folder / "report.html")
    assert EVIL in "".join(page.text)                     # shown to the reader, as text


def test_markdown_refers_to_png_files_next_to_it_and_escapes_text(run_folder):
    md = (run_folder / "report.md").read_text()
    for name in ("latency", "queues", "utilization", "topology"):
        assert f"](report-{name}.png)" in md
        assert (run_folder / f"report-{name}.png").read_bytes().startswith(PNG)
    assert EVIL not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "## Topology" in md and "| node | kind |" in md


def test_plan_report_shows_objectives_saturation_and_search_path(plan_folder):
    page = parse(plan_folder / "report.html")
    text = " ".join(page.text)
    assert "Cheapest configuration meeting every objective: nodes.srv.servers = 7" in text
    assert "Saturation throughput" in text and "headroom" in text and "Bottleneck: srv" in text
    assert "requests.latency.p99 <= 0.5" in text and "analytic estimate" in text
    md = (plan_folder / "report.md").read_text()
    assert "](report-search.png)" in md and "| step | configuration |" in md


def test_sweep_report_draws_the_model_when_given(sweep_folder):
    from tests.reports.conftest import evil_model

    write_report(sweep_folder, model=evil_model())
    page = parse(sweep_folder / "report.html")
    text = " ".join(page.text)
    assert "Experiment evil-sweep: 3 points" in text and "nodes.client.rate" in text
    assert decode_all(page) == 4
