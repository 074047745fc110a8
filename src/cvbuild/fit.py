"""Fit the résumé on one page by real layout.

The fitter lays the whole document out once with WeasyPrint and measures
every item's height from the boxes (each entry, bullet and list item
carries a ``data-key`` attribute). With those heights it predicts the
height of any selection without laying it out, so the search over the keep
order from ``cvbuild.select`` costs no layout passes. The predicted best
selection is then laid out for real on the page. If it overflows, the last
items in keep order go until their measured heights cover the overflow. If
room is left, the next items whose heights fit in it are added together.
A typical fit takes one measuring pass and one or two checking passes.

If the must-keep items overflow at the theme's spacing, the fitter tightens
spacing towards the floors the theme declares and tries again. If they
still overflow, it raises ``FitError`` naming the tallest of them.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cvbuild.errors import FitError, Problem
from cvbuild.model import Profile
from cvbuild.render.html import render_html
from cvbuild.render.view import build_document_view
from cvbuild.select import Item, closed_selection, collect_items, parse_item_key, rank_items, select_profile

if TYPE_CHECKING:
    from weasyprint import Document

    from cvbuild.build import BuildInputs
    from cvbuild.theme import Theme

logger = logging.getLogger(__name__)

# The fitter aims below the page height by this fraction, because a
# prediction from summed heights ignores page-break rules and collapsed
# margins. The checking pass settles the rest.
PREDICTION_HEADROOM = 0.01

# Fractions of the way from the theme's spacing to its floors, tried in turn
# only while the must-keep items overflow.
TIGHTENING_STEPS = (0.0, 0.5, 1.0)

MAX_CHECK_PASSES = 12

# How many dropped items -v logs one by one; a generated profile can drop
# hundreds, and --explain prints every one of them.
LOGGED_DROPS = 40

# The page numbers in the margin make no sense on a one-page document.
ONE_PAGE_CSS = "@page { @bottom-right { content: none; } } @page :nth(2) { @bottom-right { content: none; } }"


@dataclass(frozen=True)
class Measurement:
    """Heights (CSS px) of the items of one full layout."""

    base: float
    """Height of what prints whatever is selected: the header above the sections."""
    item_heights: dict[str, float]
    """Height each item adds on its own: an entry's heading without its children."""
    section_overheads: dict[str, float]
    """Height a section adds as soon as it contains one item: title, gaps, shared rows."""
    page_height: float
    """The printable height of one page."""


@dataclass
class FitResult:
    """The one-page selection and its laid-out document."""

    document: Document
    profile: Profile
    kept: list[Item]
    dropped: list[tuple[Item, str]]
    fill: float
    tightening: float
    theme: Theme
    """The theme with the tokens the page was laid out with."""
    layout_passes: int
    timings: dict[str, float] = field(default_factory=dict)


def layout_profile(inputs: BuildInputs, profile: Profile, extra_css: str, theme: Theme | None = None) -> Document:
    """Render ``profile`` through ``theme`` (the build's theme by default) and lay it out with WeasyPrint."""
    from cvbuild.render.pdf import layout_html

    html = render_html(build_document_view(profile), theme or inputs.theme, extra_css)
    return layout_html(html, inputs.theme.folder, (inputs.theme.folder, inputs.profile_folder))


def measure(document: Document, items_by_key: dict[str, Item]) -> Measurement:
    """Read item and section heights from a laid-out document."""
    continues = _continuation_test(document)
    box_heights: dict[str, float] = defaultdict(float)
    block_keys: set[str] = set()
    section_heights: dict[str, float] = defaultdict(float)
    base = 0.0

    for page_number, page in enumerate(document.pages):
        body = _find_body(page._page_box)
        if body is None:
            continue
        base += sum(
            child.margin_height() for child in body.children if getattr(child, "element_tag", None) != "section"
        )
        # An element's children (its list marker, anonymous boxes) may share
        # the element; only the outermost box, met first, counts.
        seen_elements: set[int] = set()
        for box, in_flow in _walk(body):
            element = getattr(box, "element", None)
            if element is None or id(element) in seen_elements or not _is_element_box(box):
                continue
            seen_elements.add(id(element))
            height = _fragment_height(box, page_number, continues)
            if box.element_tag == "section":
                section_heights[element.get("id", "")] += height
            key = element.get("data-key")
            if key is not None:
                box_heights[key] += height
                if in_flow:
                    block_keys.add(key)

    # Heights of the measured block items, summed by the entry or the section they belong to.
    children_heights: dict[str, float] = defaultdict(float)
    top_level_heights: dict[str, float] = defaultdict(float)
    for key, item in items_by_key.items():
        if key not in block_keys:
            continue
        if item.parent is not None:
            children_heights[item.parent] += box_heights.get(key, 0.0)
        else:
            top_level_heights[item.section] += box_heights.get(key, 0.0)

    item_heights: dict[str, float] = {}
    for key in items_by_key:
        own = box_heights.get(key, 0.0) if key in block_keys else 0.0
        item_heights[key] = max(own - children_heights.get(key, 0.0), 0.0)

    section_overheads = {
        section: max(height - top_level_heights.get(section, 0.0), 0.0)
        for section, height in section_heights.items()
    }

    page_height = document.pages[0]._page_box.height
    return Measurement(base, item_heights, section_overheads, page_height)


def _continuation_test(document: Document) -> Any:
    """Build a test of whether an element's box on a page continues on a later page."""
    last_page: dict[int, int] = {}
    for page_number, page in enumerate(document.pages):
        for box, _ in _walk(page._page_box):
            element = getattr(box, "element", None)
            if element is not None:
                last_page[id(element)] = page_number

    def continues(box: Any, page_number: int) -> bool:
        element = getattr(box, "element", None)
        return element is not None and last_page.get(id(element), page_number) > page_number

    return continues


def _fragment_height(box: Any, page_number: int, continues: Any) -> float:
    """Return the height a box's content takes on this page.

    A box that continues on the next page stretches to the bottom of this
    one (CSS fragmentation), for instance when a bullet that may not break
    is pushed over. That empty stretch is not the box's own height, so a
    continuing box is measured to the bottom of its content instead.
    """
    if not continues(box, page_number):
        return box.margin_height()
    return _content_bottom(box, page_number, continues) - box.position_y


def _content_bottom(box: Any, page_number: int, continues: Any) -> float:
    children = [child for child in getattr(box, "children", []) if hasattr(child, "position_y")]
    if continues(box, page_number) and children:
        return max(_content_bottom(child, page_number, continues) for child in children)
    return box.position_y + box.margin_height()


def _find_body(page_box: Any) -> Any:
    stack = [page_box]
    while stack:
        box = stack.pop()
        if getattr(box, "element_tag", None) == "body":
            return box
        stack.extend(getattr(box, "children", []))
    return None


def _is_element_box(box: Any) -> bool:
    """True for the box an element generates itself, not its line or anonymous boxes."""
    return type(box).__name__ in ("BlockBox", "FlexBox", "InlineBlockBox", "TableBox")


def _walk(box: Any, in_flow: bool = True) -> Any:
    """Yield ``(box, in_flow)`` below ``box``; boxes inside a flex row or a line are not in the block flow."""
    for child in getattr(box, "children", []):
        yield child, in_flow
        child_in_flow = in_flow and type(child).__name__ not in ("FlexBox", "LineBox", "InlineBox")
        yield from _walk(child, child_in_flow)


def predicted_height(measurement: Measurement, kept_keys: set[str], items_by_key: dict[str, Item]) -> float:
    """Predict the body height of a selection by summing the full layout's measurement.

    Adding up only what is kept keeps the error to the kept items' own,
    however many pages the full document has.
    """
    sections_kept = {items_by_key[key].section for key in kept_keys}
    return (
        measurement.base
        + sum(measurement.section_overheads.get(section, 0.0) for section in sections_kept)
        + sum(measurement.item_heights.get(key, 0.0) for key in kept_keys)
    )


def fit_one_page(inputs: BuildInputs, full_layout: Document | None = None) -> FitResult:
    """Choose the richest selection of the profile that lays out on one page.

    ``full_layout`` may be the full document already laid out with the
    theme's own spacing; it is reused as the measuring pass.
    """
    started = time.perf_counter()
    items = collect_items(inputs.profile)
    ranked = rank_items(items)
    excluded = [item for item in items if item.excluded]
    passes = 0

    for step in TIGHTENING_STEPS:
        theme = inputs.theme.with_tokens(inputs.theme.tokens.tightened(step))
        if step == 0 and full_layout is not None:
            measured_document = full_layout
        else:
            measured_document = layout_profile(inputs, inputs.profile, ONE_PAGE_CSS, theme)
            passes += 1
        measurement = measure(measured_document, {item.key: item for item in items})

        must_keep = [item for item in ranked if item.must_keep]
        if _fits_prediction(measurement, {item.key for item in must_keep}, items):
            result = _search(inputs, ranked, items, measurement, theme, passes)
            if result is not None:
                result.tightening = step
                kept_keys = {item.key for item in result.kept}
                result.kept = [item for item in items if item.key in kept_keys]  # document order
                result.dropped = _dropped_with_reasons(items, result.kept, excluded)
                result.timings["fit"] = time.perf_counter() - started
                _log_result(result)
                return result
        logger.info("the must-keep items overflow at tightening %.1f; tightening further", step)

    raise _overflow_error(inputs, ranked, measurement)


def _fits_prediction(measurement: Measurement, kept_keys: set[str], items: list[Item]) -> bool:
    items_by_key = {item.key: item for item in items}
    height = predicted_height(measurement, closed_selection(kept_keys, items_by_key), items_by_key)
    return height <= measurement.page_height * (1 - PREDICTION_HEADROOM)


def _search(
    inputs: BuildInputs,
    ranked: list[Item],
    items: list[Item],
    measurement: Measurement,
    theme: Theme,
    passes: int,
) -> FitResult | None:
    items_by_key = {item.key: item for item in items}
    limit = measurement.page_height * (1 - PREDICTION_HEADROOM)

    def height_of(keys: set[str]) -> float:
        return predicted_height(measurement, closed_selection(keys, items_by_key), items_by_key)

    # The longest prefix of the keep order whose predicted height fits: the
    # prediction grows with the prefix, so a binary search finds it.
    low, high = sum(1 for item in ranked if item.must_keep), len(ranked)
    while low < high:
        middle = (low + high + 1) // 2
        if height_of({item.key for item in ranked[:middle]}) <= limit:
            low = middle
        else:
            high = middle - 1
    kept_order = list(ranked[:low])

    # Then every later item that still fits on its own, so a large item
    # that did not fit does not keep smaller ones off the page.
    for item in ranked[low:]:
        trial = {entry.key for entry in kept_order} | {item.key}
        if (item.parent is None or item.parent in trial) and height_of(trial) <= limit:
            kept_order.append(item)

    return _check_by_layout(inputs, ranked, kept_order, items_by_key, theme, passes, measurement)


def _check_by_layout(
    inputs: BuildInputs,
    ranked: list[Item],
    kept_order: list[Item],
    items_by_key: dict[str, Item],
    theme: Theme,
    passes: int,
    measurement: Measurement,
) -> FitResult | None:
    """Lay the selection out for real; drop the last additions while it overflows, add while room is left."""
    must_keep_count = sum(1 for item in kept_order if item.must_keep)
    tried_additions: set[str] = set()
    best: tuple[Document, Profile, list[Item]] | None = None

    while passes < MAX_CHECK_PASSES:
        kept_keys = closed_selection({item.key for item in kept_order}, items_by_key)
        profile = select_profile(inputs.profile, kept_keys)
        document = layout_profile(inputs, profile, ONE_PAGE_CSS, theme)
        passes += 1

        if len(document.pages) > 1:
            if best is not None:
                break
            if len(kept_order) <= must_keep_count:
                return None
            # Drop from the end of the keep order until the dropped items'
            # measured heights cover what spilled onto the later pages.
            overflow = sum(_used_height_on(page) for page in document.pages[1:])
            removed = 0.0
            while len(kept_order) > must_keep_count and removed < overflow:
                removed += measurement.item_heights.get(kept_order.pop().key, 0.0)
            continue

        best = (document, profile, list(kept_order))
        spare = measurement.page_height - _used_height(document)
        additions = _additions(ranked, kept_order, tried_additions, measurement, spare)
        if not additions:
            break
        tried_additions.update(item.key for item in additions)
        kept_order.extend(additions)

    if best is None:
        return None
    document, profile, kept = best
    fill = _used_height(document) / measurement.page_height
    return FitResult(document, profile, kept, [], fill, 0.0, theme, passes)


def _additions(
    ranked: list[Item], kept: list[Item], tried: set[str], measurement: Measurement, spare: float
) -> list[Item]:
    """Return the next items in keep order whose measured heights, together, fit in ``spare``."""
    kept_keys = {item.key for item in kept}
    kept_sections = {item.section for item in kept}
    additions = []
    for item in ranked:
        if item.key in kept_keys or item.key in tried:
            continue
        if item.parent is not None and item.parent not in kept_keys:
            continue
        cost = measurement.item_heights.get(item.key, 0.0)
        if item.section not in kept_sections:
            cost += measurement.section_overheads.get(item.section, 0.0)
        if cost <= spare:
            additions.append(item)
            spare -= cost
            kept_keys.add(item.key)
            kept_sections.add(item.section)
    return additions


def _used_height(document: Document) -> float:
    return _used_height_on(document.pages[0])


def _used_height_on(page: Any) -> float:
    body = _find_body(page._page_box)
    return body.margin_height() if body is not None else 0.0


def _dropped_with_reasons(items: list[Item], kept: list[Item], excluded: list[Item]) -> list[tuple[Item, str]]:
    kept_keys = {item.key for item in kept}
    excluded_keys = {item.key for item in excluded}
    dropped = []
    for item in items:
        if item.key in kept_keys:
            continue
        if item.key in excluded_keys:
            reason = "marked short: exclude"
        elif item.parent is not None and item.parent not in kept_keys:
            reason = "its entry was dropped"
        else:
            reason = f"no room left on the page (priority {item.priority.value})"
        dropped.append((item, reason))
    return dropped


def _log_result(result: FitResult) -> None:
    logger.info(
        "one page: kept %d items, dropped %d, page %.0f%% full, %d layout passes",
        len(result.kept), len(result.dropped), result.fill * 100, result.layout_passes,
    )
    for item, reason in result.dropped[:LOGGED_DROPS]:
        logger.info("dropped %s: %s", item.description, reason)
    if len(result.dropped) > LOGGED_DROPS:
        logger.info("and %d more dropped items; --explain lists them all", len(result.dropped) - LOGGED_DROPS)


# Must-keep items taller than this share of the page are named in the error;
# smaller ones are not the cause and would only distract.
OVERFLOW_REPORT_SHARE = 0.2


def _overflow_error(inputs: BuildInputs, ranked: list[Item], measurement: Measurement) -> FitError:
    """Name the must-keep items that take the most room, at their place in the profile."""
    page = measurement.page_height
    must_keep = [item for item in ranked if item.must_keep]
    by_height = sorted(must_keep, key=lambda item: measurement.item_heights.get(item.key, 0.0), reverse=True)
    tall = [item for item in by_height if measurement.item_heights.get(item.key, 0.0) >= OVERFLOW_REPORT_SHARE * page]
    total = measurement.base + sum(measurement.item_heights.get(item.key, 0.0) for item in must_keep)

    problems = []
    for item in tall or by_height[:3]:
        position = inputs.document.position_of(parse_item_key(item.key)) if inputs.document else None
        problems.append(Problem(
            message=(
                f"{item.label} must stay on the one-page variant and takes "
                f"{measurement.item_heights.get(item.key, 0.0) / page:.0%} of the page "
                f"(everything that must stay takes {total / page:.0%})"
            ),
            file=inputs.profile_path,
            line=position.line if position else None,
            column=position.column if position else None,
            field=item.key,
            hint="shorten it, or mark it short: exclude; settings.short.latestRoles sets how many roles must stay",
        ))
    return FitError(problems)
