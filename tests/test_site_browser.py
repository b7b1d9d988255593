"""The delegates' site as a browser shows it: headless Chromium (Debian's package, driven by
Playwright through `executable_path`, no browser download) opens each kind of page from
file://, every plot draws its SVG, no console error is logged, the selectors of the charts
change what is drawn, every export link leads to a file, and a phone-width window shows no
horizontal overflow. Screenshots go to test-artifacts/.

Checks that need the live page run as a small script added to a copy of the page (with a
`<base>` pointing at the site, so plotly.min.js and the exports resolve as on the real
page); the script writes its findings into attributes of <html>. A headless window cannot be
narrower than 500 px, so the phone is an emulated 390×844 viewport (device scale 2, mobile),
as DevTools' device mode does. Nothing waits a fixed time: every wait is for a condition,
bounded.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from playwright import sync_api as playwright

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--allow-file-access-from-files",
]
DESKTOP = (1280, 800)
PHONE = (390, 844)
KINDS = ["index", "region", "departement"]
# Every figure drawn (an SVG per graph div) and fitted to its box by the page's own script.
FITTED = """() => Array.from(document.querySelectorAll('.plotly-graph-div')).every(gd =>
  gd.querySelector('.main-svg') && gd._fullLayout &&
  Math.abs(gd._fullLayout.width - gd.getBoundingClientRect().width) < 2)"""

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One Chromium for the module; each check opens its own context (viewport, profile)."""
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: `make browser` installs Debian's package")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@contextmanager
def opened(browser, url: str, window: tuple[int, int] = DESKTOP) -> Iterator[tuple]:
    """A page at `url` in a `window`-sized viewport (a phone when narrower than 600 px),
    loaded, with the errors it logs: uncaught exceptions, console errors, failed loads."""
    phone = window[0] < 600
    context = browser.new_context(
        viewport={"width": window[0], "height": window[1]},
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"Uncaught {e}"[:500]))
    page.on(
        "console",
        lambda m: (
            errors.append(f"console.{m.type}: {m.text}"[:500])
            if m.type == "error" or "rror" in m.text or "Uncaught" in m.text
            else None
        ),
    )
    page.on("requestfailed", lambda r: errors.append(f"failed load: {r.url}"[:500]))
    try:
        page.goto(url, wait_until="load")
        yield page, errors
    finally:
        context.close()


def settle(page, timeout_ms: float = 30_000) -> None:
    """Wait, bounded, until every figure is drawn and fitted; the checks say what is not."""
    with suppress(playwright.TimeoutError):
        page.wait_for_function(FITTED, timeout=timeout_ms)


def plot_divs(dom: str) -> list[str]:
    """Each plotly graph div with what follows it up to the next one."""
    parts = re.split(r'(?=<div[^>]*class="[^"]*plotly-graph-div)', dom)
    return parts[1:]


# --------------------------------------------------------------------------- the probe

# Runs once the page is loaded and its figures fitted: records, as JSON in attributes of
# <html>, (1) for every chart with a selector, what it draws before and after a click on
# its second entry (opening the dropdown first, as a user does), (2) for every CSV/XLSX
# link, what the browser gets from it, (3) the page's widths.
PROBE = r"""
<script>
(function () {
  function put(name, value) {
    document.documentElement.setAttribute('data-probe-' + name, JSON.stringify(value));
  }
  // resolves once cond() holds, or at the deadline: what was recorded then says which
  function until(cond, ms) {
    var end = Date.now() + ms;
    return new Promise(function (resolve) {
      (function check() {
        if (cond() || Date.now() > end) { resolve(); } else { requestAnimationFrame(check); }
      })();
    });
  }
  function fitted() {
    return Array.prototype.every.call(document.querySelectorAll('.js-plotly-plot'), function (gd) {
      return gd._fullLayout && Math.abs(gd._fullLayout.width - gd.getBoundingClientRect().width) < 2;
    });
  }
  function click(el) {
    el.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, view: window}));
  }
  function state(gd) {
    var drawn = [];
    gd.querySelectorAll('.cartesianlayer .mlayer path, .cartesianlayer .mlayer text').forEach(
      function (el) { drawn.push((el.getAttribute('d') || el.textContent) + '/' + el.style.fill); });
    return {
      active: gd._fullLayout.updatemenus[0].active,
      visible: gd._fullData.filter(function (t) { return t.visible === true; })
                           .map(function (t) { return t.index; }),
      drawn: drawn.join('|')
    };
  }
  function selectors() {
    var graphs = Array.prototype.filter.call(document.querySelectorAll('.js-plotly-plot'),
      function (gd) { return (gd.layout.updatemenus || []).length > 0; });
    var results = [];
    return graphs.reduce(function (chain, gd) {
      return chain.then(function () {
        var menu = gd.layout.updatemenus[0];
        var r = {id: gd.id, labels: menu.buttons.map(function (b) { return b.label; }),
                 target: menu.buttons[1].args[0].visible, before: state(gd)};
        var header = gd.querySelector('g.updatemenu-header');
        r.header = !!header;
        if (!header) { results.push(r); return; }
        click(header);
        var entries = gd.querySelectorAll('g.updatemenu-dropdown-button');
        r.entries = entries.length;
        r.events = 0;
        gd.on('plotly_buttonclicked', function () { r.events += 1; });
        if (entries.length > 1) { click(entries[1]); }
        return until(function () {
          var now = state(gd);
          return now.active !== r.before.active && now.drawn !== r.before.drawn;
        }, 5000).then(function () { r.after = state(gd); results.push(r); });
      });
    }, Promise.resolve()).then(function () { return results; });
  }
  function exportsProbe() {
    var links = document.querySelectorAll('a[href$=".csv"], a[href$=".xlsx"]');
    return Promise.all(Array.prototype.map.call(links, function (a) {
      return new Promise(function (resolve) {
        var x = new XMLHttpRequest();
        x.open('GET', a.href);
        x.responseType = 'arraybuffer';
        x.onload = function () {
          var head = Array.prototype.slice.call(new Uint8Array(x.response.slice(0, 3)));
          resolve({href: a.getAttribute('href'), url: a.href, bytes: x.response.byteLength,
                   head: head, download: a.hasAttribute('download')});
        };
        x.onerror = function () { resolve({href: a.getAttribute('href'), url: a.href, error: true}); };
        x.send();
      });
    }));
  }
  function widths() {
    var de = document.documentElement, main = document.querySelector('main');
    var offenders = [];
    document.querySelectorAll('body *').forEach(function (el) {
      var box = el.getBoundingClientRect();
      if (box.right > window.innerWidth + 0.5 && !el.closest('.tw, .fig')) {
        offenders.push(el.tagName.toLowerCase() + '.' + el.className + ' ' + Math.round(box.right));
      }
    });
    var titles = [];  // chart titles cut by the edge of their chart
    document.querySelectorAll('.js-plotly-plot').forEach(function (gd) {
      var t = gd.querySelector('.gtitle'), w = gd._fullLayout && gd._fullLayout.width;
      if (t && w) {
        var b = t.getBBox();
        if (b.x < 0 || b.y < 0 || b.x + b.width > w) { titles.push(gd.id + ' ' + Math.round(b.x + b.width) + '>' + w); }
      }
    });
    return {scrollWidth: de.scrollWidth, innerWidth: window.innerWidth,
            mainScrollWidth: main.scrollWidth, mainClientWidth: main.clientWidth,
            bodyScrollWidth: document.body.scrollWidth, offenders: offenders.slice(0, 20),
            titles: titles};
  }
  window.addEventListener('load', function () {
    until(fitted, 10000).then(function () {
      put('widths', widths());
      return exportsProbe();
    }).then(function (found) {
      put('exports', found);
      return selectors();
    }).then(function (found) {
      put('selectors', found);
    }).catch(function (e) { put('error', String(e && e.stack || e)); })
      .then(function () { put('done', true); });
  });
})();
</script>
"""


def probe(
    browser,
    page: Path,
    workdir: Path,
    window: tuple[int, int],
    shots: dict[str, Path] | None = None,
    probed_shot: Path | None = None,
) -> tuple[dict, list[str]]:
    """Open a probed copy of `page` in a `window`-sized viewport and return what the probe
    recorded (and the DOM once it is done, as `dom`) and the errors the page logged; with
    `probed_shot`, a screenshot of the probed page; then, with `shots`, screenshots of the
    real page (top, and scrolled to each anchor of `shots`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    text = page.read_text(encoding="utf-8")
    assert "<head>" in text and "</body>" in text
    base = f'<base href="{page.parent.as_uri()}/">'
    text = text.replace("<head>", "<head>\n" + base, 1).replace("</body>", PROBE + "</body>", 1)
    copy = workdir / f"probe-{page.name}"
    copy.write_text(text, encoding="utf-8")
    with opened(browser, copy.as_uri(), window) as (tab, errors):
        tab.wait_for_function(
            "document.documentElement.getAttribute('data-probe-done')", timeout=90_000
        )
        found = {}
        for name in ("widths", "exports", "selectors", "error"):
            value = tab.evaluate(f"document.documentElement.getAttribute('data-probe-{name}')")
            if value is not None:
                found[name] = json.loads(value)
        assert "error" not in found, found["error"]
        found["dom"] = tab.content()
        if probed_shot is not None:
            settle(tab)
            tab.screenshot(path=str(probed_shot))
        for anchor, path in (shots or {}).items():
            tab.goto(page.as_uri(), wait_until="load")
            if anchor != "top":
                tab.evaluate(f"document.getElementById({json.dumps(anchor)}).scrollIntoView()")
            settle(tab)  # figures fitted to their boxes after load
            tab.screenshot(path=str(path))
        return found, list(errors)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def site(pipeline) -> tuple[Path, str]:
    demo, settings, _, _ = pipeline
    return settings.site, demo.departments[0]


def page_of(site: tuple[Path, str], kind: str) -> Path:
    root, department = site
    return {
        "index": root / "index.html",
        "region": root / "region-44.html",
        "departement": root / f"departement-{department}.html",
    }[kind]


@pytest.fixture(scope="module")
def probed(browser, site, tmp_path_factory, artifacts):
    """The probe's findings per (page kind, window), each page opened once; the phone runs
    leave screenshots (top of the page, and its charts) in test-artifacts/."""

    @cache
    def run(kind: str, window: tuple[int, int]) -> tuple[dict, list[str]]:
        work = tmp_path_factory.mktemp(f"probe-{kind}-{window[0]}")
        if window == PHONE:
            shots = {
                "top": artifacts / f"site-{kind}-phone.png",
                "s-public": artifacts / f"site-{kind}-phone-charts.png",
            }
            return probe(browser, page_of(site, kind), work, window, shots)
        # on a desktop, the probed page itself (its selectors clicked) is the screenshot
        return probe(
            browser, page_of(site, kind), work, window, probed_shot=artifacts / f"site-{kind}.png"
        )

    return run


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("page_kind", KINDS)
def test_page_draws_every_chart_without_console_error(site, probed, page_kind, artifacts):
    page = page_of(site, page_kind)
    found, errors = probed(page_kind, DESKTOP)
    dom = found["dom"]
    assert not errors, errors
    assert (artifacts / f"site-{page_kind}.png").stat().st_size > 10_000
    divs = plot_divs(dom)
    if page_kind != "index":
        assert len(divs) >= 4, f"{page.name}: {len(divs)} charts"
    for div in divs:
        assert 'class="main-svg"' in div or "class='main-svg'" in div, div[:300]
    assert 'lang="fr"' in dom


@pytest.mark.parametrize("page_kind", KINDS)
def test_selectors_change_what_is_drawn(probed, page_kind):
    """A click on the dropdown then on its second entry shows that entry's traces (and only
    them) and changes the drawing, in every chart that has a selector."""
    found, errors = probed(page_kind, DESKTOP)
    assert not errors, errors
    assert not found["widths"]["titles"], found["widths"]["titles"]
    charts = {r["id"]: r for r in found["selectors"]}
    # the charts of the page that carry a campaign or scheme selector
    expected = (
        {"participations", "ages", "financeurs"} if page_kind != "index" else {"participations"}
    )
    assert expected <= set(charts), sorted(charts)
    for chart_id, r in charts.items():
        assert r["header"] and r["entries"] == len(r["labels"]) >= 2, (chart_id, r)
        assert r["events"] == 1, chart_id
        target = [i for i, shown in enumerate(r["target"]) if shown]
        assert r["before"]["active"] == 0 and r["after"]["active"] == 1, chart_id
        assert r["after"]["visible"] == target != r["before"]["visible"], chart_id
        assert r["after"]["drawn"] != r["before"]["drawn"], f"{chart_id}: drawing unchanged"
    labels = charts["participations"]["labels"]
    assert labels[0] == "Tous dispositifs" and "Quartiers d'été" in labels
    if "ages" in charts:
        assert all(re.match(r"^20\d\d – ", label) for label in charts["ages"]["labels"])


@pytest.mark.parametrize("page_kind", KINDS)
def test_every_export_link_resolves_to_a_file(site, probed, page_kind):
    found, _ = probed(page_kind, DESKTOP)
    links = found["exports"]
    assert links, "no export link"
    hrefs = [link["href"] for link in links]
    stems = {h.rsplit(".", 1)[0] for h in hrefs}
    assert sorted(hrefs) == sorted([s + ".csv" for s in stems] + [s + ".xlsx" for s in stems])
    for link in links:
        assert not link.get("error"), link
        assert link["bytes"] > 0 and link["download"], link
        path = Path(unquote(urlparse(link["url"]).path))
        assert path.is_file() and path.stat().st_size == link["bytes"], link
        assert path.parent == page_of(site, page_kind).parent / "exports"
        if link["href"].endswith(".csv"):
            assert link["head"] == [0xEF, 0xBB, 0xBF], link  # UTF-8 BOM for Excel
        else:
            assert link["head"][:2] == [0x50, 0x4B], link  # an XLSX is a zip


@pytest.mark.parametrize("page_kind", KINDS)
def test_phone_width_has_no_horizontal_overflow(probed, page_kind, artifacts):
    found, errors = probed(page_kind, PHONE)
    w = found["widths"]
    assert w["innerWidth"] == PHONE[0], w  # a phone's viewport, not zoomed out to fit
    assert w["scrollWidth"] <= w["innerWidth"], w
    assert (
        w["bodyScrollWidth"] <= w["innerWidth"] and w["mainScrollWidth"] <= w["mainClientWidth"]
    ), w
    assert not w["offenders"], w["offenders"]
    assert not w["titles"], w["titles"]  # long chart titles wrap instead
    assert not errors, errors
    assert (artifacts / f"site-{page_kind}-phone.png").stat().st_size > 10_000
    assert (artifacts / f"site-{page_kind}-phone-charts.png").stat().st_size > 10_000
    # the selectors work on a phone too
    assert all(r["after"]["active"] == 1 for r in found["selectors"])


def test_demo_pages_within_weight_budget(site, artifacts):
    root, _ = site
    weights = {p.name: p.stat().st_size for p in sorted(root.glob("*.html"))}
    (artifacts / "site-page-weights.json").write_text(
        json.dumps(weights, indent=1), encoding="utf-8"
    )
    assert "index.html" in weights and len(weights) > 2
    for name, size in weights.items():
        budget = 300_000 if name.startswith("departement-") else 400_000
        assert size < budget, (name, size)


def test_rebuilding_the_demo_site_renders_nothing(pipeline):
    """The same build again, from the same snapshot, renders and writes no page (how much
    faster it is belongs to `make bench`)."""
    from dashboards.site import build_site

    _, settings, _, _ = pipeline
    again = build_site(
        settings.snapshot,
        settings.site,
        referential_label=settings.referential_label,
        boundaries_file=settings.boundaries_file,
        regions_boundaries_file=settings.region_boundaries_file,
    )
    assert again.pages and again.rendered == [] and again.written == []
