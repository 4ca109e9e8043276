// A QuickApp's UI panel drawn from its viewLayout / uiView (the HC3 shapes, REFERENCE.md §4),
// sending the HC3's UI events (/api/plugins/callUIEvent) and applying updateView changes.
import { attempt, call, h } from "./dom.js";

/** The rows of components: uiView when the QuickApp renders it, else viewLayout. */
export function uiRows(props) {
  const leaves = (c) => {
    if (!c || typeof c !== "object") return [];
    if (c.type === "vertical" || c.type === "horizontal" || Array.isArray(c.components)) {
      return (c.components || []).flatMap(leaves);
    }
    return c.type === "space" ? [] : [c];
  };
  const uiView = Array.isArray(props.uiView) ? props.uiView : [];
  const layout = props.viewLayout?.$jason?.body?.sections?.items || [];
  const items = (props.useUiView && uiView.length) || !layout.length ? uiView : layout;
  return items.map(leaves).filter((row) => row.length);
}

function sendEvent(deviceId, element, eventType, value) {
  return attempt(async () => {
    if (Array.isArray(value)) {
      await call("POST", "/api/plugins/callUIEvent", { deviceID: deviceId, elementName: element, eventType, value });
      return;
    }
    const q = new URLSearchParams({ deviceID: deviceId, elementName: element, eventType });
    if (value !== undefined) q.set("value", String(value));
    await call("GET", `/api/plugins/callUIEvent?${q}`);
  }, `${element} ${eventType}`);
}

const optionsOf = (c) => (Array.isArray(c.options) ? c.options : []).map((o) =>
  typeof o === "object" && o !== null ? { text: String(o.text ?? o.value ?? ""), value: String(o.value ?? o.text ?? "") }
    : { text: String(o), value: String(o) });

/** One component: {el, apply(prop, value)}. */
function component(c, deviceId) {
  const name = c.name;
  const send = (eventType, value) => sendEvent(deviceId, name, eventType, value);
  switch (c.type) {
    case "button":
    case "switch": {
      const isSwitch = c.type === "switch";
      let on = String(c.value) === "true";
      let longTimer = null;
      let long = false;
      const el = h("button", { class: `qa-btn${isSwitch ? " qa-switch" : ""}`, dataset: { element: name } }, c.text ?? "");
      const show = () => isSwitch && el.classList.toggle("on", on);
      el.addEventListener("pointerdown", () => {
        long = false;
        longTimer = setTimeout(() => { long = true; send("onLongPressDown"); }, 600);
      });
      el.addEventListener("pointerup", () => clearTimeout(longTimer));
      el.addEventListener("pointerleave", () => clearTimeout(longTimer));
      el.addEventListener("click", () => {
        if (long) { send("onLongPressReleased"); return; }
        if (isSwitch) { on = !on; show(); send("onReleased", String(on)); } else send("onReleased");
      });
      show();
      return { el, apply(prop, value) {
        if (prop === "text") el.textContent = String(value ?? "");
        else if (prop === "value") { on = String(value) === "true"; show(); }
      } };
    }
    case "slider": {
      const input = h("input", { type: "range", min: c.min ?? 0, max: c.max ?? 100, step: c.step ?? 1, value: c.value ?? 0, dataset: { element: name } });
      const output = h("output", {}, String(c.value ?? 0));
      const text = h("span", { class: "text" }, c.text ?? "");
      input.addEventListener("input", () => { output.textContent = input.value; });
      input.addEventListener("change", () => send("onChanged", input.value));
      const el = h("div", { class: "qa-slider" }, text, input, output);
      return { el, apply(prop, value) {
        if (prop === "value") { input.value = String(value); output.textContent = input.value; }
        else if (prop === "text") text.textContent = String(value ?? "");
        else if (prop === "min" || prop === "max" || prop === "step") input[prop] = String(value);
      } };
    }
    case "label": {
      const el = h("div", { class: "qa-label", dataset: { element: name } }, c.text ?? "");
      return { el, apply(prop, value) { if (prop === "text") el.textContent = String(value ?? ""); } };
    }
    case "select": {
      if (c.selectionType === "multi") {
        const el = h("div", { class: "qa-multi", dataset: { element: name } });
        let selected = new Set((c.values || []).map(String));
        let options = optionsOf(c);
        const draw = () => {
          el.replaceChildren(...(c.text ? [h("span", { class: "text" }, c.text)] : []), ...options.map((o) => {
            const box = h("input", { type: "checkbox", value: o.value, checked: selected.has(o.value) });
            box.addEventListener("change", () => {
              if (box.checked) selected.add(o.value); else selected.delete(o.value);
              send("onToggled", [...selected]);
            });
            return h("label", {}, box, ` ${o.text}`);
          }));
        };
        draw();
        return { el, apply(prop, value) {
          if (prop === "options") { c.options = value; options = optionsOf(c); draw(); }
          else if (prop === "selectedItems" || prop === "values") { selected = new Set((value || []).map(String)); draw(); }
          else if (prop === "text") { c.text = value; draw(); }
        } };
      }
      const select = h("select", { dataset: { element: name } });
      const fill = () => {
        const current = select.value;
        select.replaceChildren(h("option", { value: "" }, c.text || "—"),
          ...optionsOf(c).map((o) => h("option", { value: o.value }, o.text)));
        select.value = current;
      };
      fill();
      if (Array.isArray(c.values) && c.values.length) select.value = String(c.values[0]);
      select.addEventListener("change", () => send("onToggled", select.value));
      return { el: h("div", { class: "qa-select" }, select), apply(prop, value) {
        if (prop === "options") { c.options = value; fill(); }
        else if (prop === "selectedItem" || prop === "value") select.value = String(value ?? "");
      } };
    }
    case "image": {
      const el = h("img", { class: "qa-image", src: c.url || "", alt: name || "" });
      return { el, apply(prop, value) { if (prop === "url") el.src = String(value); } };
    }
    default:
      return { el: h("div", { class: "qa-label muted" }, `(${c.type})`), apply() {} };
  }
}

/**
 * The panel of device `deviceId` from its properties and the stored view state
 * ({component: {prop: value}}). Returns {el, apply(component, prop, value)}.
 */
export function qaPanel(deviceId, props, viewState) {
  const rows = uiRows(props);
  const byName = new Map();
  const el = h("div", { class: "qa-ui", id: "qa-ui" });
  for (const row of rows) {
    const rowEl = h("div", { class: "qa-row" });
    for (const c of row) {
      const comp = component(c, deviceId);
      if (c.visible === false) comp.el.classList.add("qa-hidden");
      rowEl.append(comp.el);
      if (c.name) byName.set(c.name, comp);
    }
    el.append(rowEl);
  }
  if (!rows.length) el.append(h("div", { class: "qa-none" }, "This QuickApp has no UI"));
  const apply = (name, prop, value) => {
    const comp = byName.get(name);
    if (!comp) return;
    if (prop === "visible") comp.el.classList.toggle("qa-hidden", !(value === true || value === "true"));
    else comp.apply(prop, value);
  };
  for (const [name, propsOf] of Object.entries(viewState || {})) {
    for (const [prop, value] of Object.entries(propsOf)) apply(name, prop, value);
  }
  return { el, apply };
}
