"""A QuickApp's UI: `--%%u` rows to the HC3's viewLayout, uiView and uiCallbacks, and back.

Theory of operation
-------------------
A *UI row* is what a `--%%u` header holds: one element table, or a list of element tables that
share one row. An *element* is a dict with exactly one kind key whose value is the element's name
(`{"button": "b1", "text": "Press", "onReleased": "pressed"}`); kinds are button, switch, slider,
label, select and multi (a select with `selectionType: "multi"`). `normalize_row` checks a row once,
when it is read, and the builders below trust it.

From rows plua2 builds the three structures a real HC3 .fqa carries (REFERENCE.md §4):

- `viewLayout` (`{"$jason": {head, body: {header, sections: {items}}}}`): each row is a `vertical`
  holding its element (weight "1.2") or a `horizontal` of 2+ elements ("0.50", "0.33", ...), then a
  `space` of weight "0.5". slider min/max/step/value and switch value are strings.
- `uiView`: a list of `horizontal` rows (weights "1.0", "0.5", "0.33", ...); every element but a
  label carries an `eventBinding` per event type that posts the `UIAction` device action.
- `uiCallbacks`: `[{name, eventType, callback}]` for every event of every element, as the HC3 writes
  them, with `callback: ""` where the row names no method (button and switch: onReleased,
  onLongPressDown, onLongPressReleased; slider: onChanged; select/multi: onToggled; plus any other
  HC3 event type a row names).

`rows_from_view` goes back (for `plua2 unpack` and for .fqa files): it reads uiView when the .fqa
renders it (`useUiView`), else viewLayout, and puts the non-empty callbacks back on the elements.
Rows built here come back equal; rows from a real HC3 come back with what rows can say (unknown
component types such as `image` are reported and skipped).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "ELEMENT_KINDS",
    "UIElement",
    "UIRow",
    "build_ui_callbacks",
    "build_ui_view",
    "build_view_layout",
    "element_kind",
    "normalize_row",
    "rows_from_view",
]

UIElement = dict[str, Any]
UIRow = tuple[UIElement, ...]

#: kind -> the HC3 event types its uiCallbacks always list, in the HC3's order
_EVENTS: dict[str, tuple[str, ...]] = {
    "button": ("onReleased", "onLongPressDown", "onLongPressReleased"),
    "switch": ("onReleased", "onLongPressDown", "onLongPressReleased"),
    "slider": ("onChanged",),
    "label": (),
    "select": ("onToggled",),
    "multi": ("onToggled",),
}
ELEMENT_KINDS = tuple(_EVENTS)
#: every UI event type the HC3 knows (plugins.json `UiEventType`)
_HC3_EVENT_TYPES = (
    "onToggled",
    "onReleased",
    "onChanged",
    "onLongPressDown",
    "onLongPressReleased",
    "onTabChanged",
    "onToggleOn",
    "onToggleOff",
)
#: kind -> other fields a row may carry, with the default the HC3 structures get
_FIELDS: dict[str, dict[str, Any]] = {
    "button": {"text": ""},
    "switch": {"text": "", "value": "false"},
    "slider": {"text": "", "min": "0", "max": "100", "step": "1", "value": "0"},
    "label": {"text": ""},
    "select": {"text": "", "options": [], "values": []},
    "multi": {"text": "", "options": [], "values": []},
}
_STRING_FIELDS = ("min", "max", "step", "value")
_LAYOUT_WEIGHTS = {1: "1.2", 2: "0.50", 3: "0.33", 4: "0.25", 5: "0.20"}
_VIEW_WEIGHTS = {1: "1.0", 2: "0.5", 3: "0.33", 4: "0.25", 5: "0.20"}


def element_kind(element: Mapping[str, Any]) -> str:
    """The kind key of a normalized element."""
    return next(k for k in ELEMENT_KINDS if k in element)


def normalize_row(value: Any) -> tuple[UIRow, list[str]]:
    """Check one `--%%u` value; return the row and warnings. `ValueError` if it is no UI row."""
    if isinstance(value, dict):
        items: list[Any] = [value]
    elif isinstance(value, list) and value:
        items = value
    else:
        raise ValueError("a UI row is an element table or a list of them, e.g. {button='b1'}")
    warnings: list[str] = []
    row: list[UIElement] = []
    for item in items:
        if not isinstance(item, dict):
            raise ValueError(f"a UI element must be a table, not {item!r}")
        kinds = [k for k in ELEMENT_KINDS if k in item]
        if len(kinds) != 1:
            raise ValueError(
                f"a UI element needs exactly one of {', '.join(ELEMENT_KINDS)} (got {item!r})"
            )
        kind = kinds[0]
        if not isinstance(item[kind], str) or not item[kind]:
            raise ValueError(f"the name of a {kind} must be a non-empty string")
        element: UIElement = {}
        for key, val in item.items():
            if key == kind or key in _FIELDS[kind] or key == "visible":
                element[key] = val
            elif key in _HC3_EVENT_TYPES:
                if not isinstance(val, str):
                    raise ValueError(f"{key} of {item[kind]} must name a method (a string)")
                element[key] = val
            else:
                warnings.append(f"unknown UI field {key!r} on {kind} {item[kind]!r} ignored")
        row.append(element)
    return tuple(row), warnings


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _weight(table: Mapping[int, str], count: int) -> str:
    return table.get(count, f"{1 / count:.2f}")


def _events(element: Mapping[str, Any]) -> list[str]:
    kind = element_kind(element)
    extra = [e for e in _HC3_EVENT_TYPES if e in element and e not in _EVENTS[kind]]
    return [*_EVENTS[kind], *extra]


def _component(element: Mapping[str, Any], weight: str) -> dict[str, Any]:
    kind = element_kind(element)
    comp: dict[str, Any] = {"type": "select" if kind == "multi" else kind, "name": element[kind]}
    for key, default in _FIELDS[kind].items():
        val = element.get(key, default)
        if key in _STRING_FIELDS or (key == "text" and not isinstance(val, str)):
            val = _text(val)
        elif key in ("options", "values"):
            val = [_option(o) for o in val] if key == "options" else list(val)
        comp[key] = val
    if kind in ("select", "multi"):
        comp["selectionType"] = "multi" if kind == "multi" else "single"
    comp["visible"] = bool(element.get("visible", True))
    comp["style"] = {"weight": weight}
    return comp


def _option(option: Any) -> Any:
    if isinstance(option, dict) and "type" not in option:
        return {"type": "option", **option}
    return option


def build_view_layout(rows: Sequence[UIRow], device_id: int | None = None) -> dict[str, Any]:
    """The legacy `viewLayout` (`$jason`) for these rows."""
    title = f"quickApp_device_{device_id or 0}"
    items = []
    for row in rows:
        weight = _weight(_LAYOUT_WEIGHTS, len(row))
        comps = [_component(e, weight) for e in row]
        first = (
            comps[0]
            if len(comps) == 1
            else {"type": "horizontal", "style": {"weight": "1.2"}, "components": comps}
        )
        space = {"type": "space", "style": {"weight": "0.5"}}
        items.append({"type": "vertical", "style": {"weight": "1.2"}, "components": [first, space]})
    return {
        "$jason": {
            "head": {"title": title},
            "body": {
                "header": {"style": {"height": "0"}, "title": title},
                "sections": {"items": items},
            },
        }
    }


def _binding(event: str, name: str, with_value: bool) -> list[dict[str, Any]]:
    args = [event, name, "$event.value"] if with_value else [event, name]
    return [{"type": "deviceAction", "params": {"actionName": "UIAction", "args": args}}]


def build_ui_view(rows: Sequence[UIRow]) -> list[dict[str, Any]]:
    """The newer `uiView` for these rows."""
    view = []
    for row in rows:
        weight = _weight(_VIEW_WEIGHTS, len(row))
        comps = []
        for element in row:
            kind = element_kind(element)
            comp = _component(element, weight)
            if kind == "slider" and not comp["text"]:
                del comp["text"]
            events = _events(element)
            if events:
                with_value = kind != "button"
                comp["eventBinding"] = {e: _binding(e, element[kind], with_value) for e in events}
            comps.append(comp)
        view.append({"type": "horizontal", "style": {"weight": "1.0"}, "components": comps})
    return view


def build_ui_callbacks(rows: Sequence[UIRow]) -> list[dict[str, str]]:
    """`[{name, eventType, callback}]` for every event of every element ("" = no method named)."""
    callbacks = []
    for row in rows:
        for element in row:
            name = element[element_kind(element)]
            for event in _events(element):
                callback = element.get(event, "")
                callbacks.append({"name": name, "eventType": event, "callback": callback})
    return callbacks


# ---- back: HC3 structures -> rows ------------------------------------------------------------


def _leaves(component: Any) -> Iterable[dict[str, Any]]:
    if not isinstance(component, dict):
        return
    if component.get("type") in ("vertical", "horizontal") or "components" in component:
        for child in component.get("components") or []:
            yield from _leaves(child)
    elif component.get("type") != "space":
        yield component


def _scalar(text: Any) -> Any:
    if isinstance(text, str):
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return text
        return number if _text(number) == text else text
    return text


def _element(comp: Mapping[str, Any], warnings: list[str]) -> UIElement | None:
    ctype, name = comp.get("type"), comp.get("name")
    kind = "multi" if ctype == "select" and comp.get("selectionType") == "multi" else ctype
    if kind not in _FIELDS or not isinstance(name, str) or not name:
        warnings.append(f"UI component {ctype!r} {name!r} has no --%%u form; skipped")
        return None
    element: UIElement = {kind: name}
    for key, default in _FIELDS[kind].items():
        if key not in comp or comp[key] == default:
            continue
        val = comp[key]
        if key in _STRING_FIELDS:
            val = (val == "true") if kind == "switch" and val in ("true", "false") else _scalar(val)
        element[key] = val
    if comp.get("visible", True) is False:
        element["visible"] = False
    return element


def rows_from_view(
    view_layout: Any,
    ui_view: Any,
    ui_callbacks: Any,
    use_ui_view: bool = False,
) -> tuple[tuple[UIRow, ...], list[str]]:
    """The `--%%u` rows that an .fqa's UI structures describe, and what could not be said."""
    warnings: list[str] = []
    layout_items: list[Any] = []
    if isinstance(view_layout, dict):
        body = (view_layout.get("$jason") or {}).get("body") or {}
        layout_items = list(((body.get("sections") or {}).get("items")) or [])
    view_items = list(ui_view) if isinstance(ui_view, list) else []
    items = view_items if (use_ui_view and view_items) or not layout_items else layout_items
    rows: list[UIRow] = []
    by_name: dict[str, UIElement] = {}
    for item in items:
        row = []
        for comp in _leaves(item):
            element = _element(comp, warnings)
            if element is not None:
                row.append(element)
                by_name[element[element_kind(element)]] = element
        if row:
            rows.append(tuple(row))
    for cb in ui_callbacks if isinstance(ui_callbacks, list) else []:
        if not isinstance(cb, dict) or not cb.get("callback"):
            continue
        element = by_name.get(cb.get("name", ""))
        if element is None or cb.get("eventType") not in _HC3_EVENT_TYPES:
            warnings.append(
                f"uiCallback {cb.get('name')!r}/{cb.get('eventType')!r} -> {cb['callback']!r} "
                "matches no UI element; dropped"
            )
            continue
        element[cb["eventType"]] = cb["callback"]
    return tuple(rows), warnings
