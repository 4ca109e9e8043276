// The console (debugMessages), live: the Logs page and the log panel of a device's page.
import { clear, fmtTime, h } from "./dom.js";
import { on, state } from "./store.js";

const LEVELS = ["debug", "trace", "warning", "error"];
const MAX_ROWS = 2000;

function logRow(m) {
  return h("div", { class: `log ${m.type}`, dataset: { id: m.id, device: m.deviceId ?? "" } },
    h("span", { class: "time" }, fmtTime(m.timestamp)),
    h("span", { class: "level" }, m.type),
    h("span", { class: "tag", title: m.tag }, m.tag),
    h("pre", {}, m.message));
}

/**
 * A live list of console lines. `filter()` says which to show; call `redraw()` when it changes.
 * Returns {el, redraw, destroy}.
 */
export function logList(filter, cls = "tall") {
  const el = h("div", { class: `logs ${cls}`, id: "log-panel" });
  let count = 0;
  const nearBottom = () => el.scrollHeight - el.scrollTop - el.clientHeight < 40;

  function append(m, stick) {
    if (!filter(m)) return;
    const empty = el.querySelector(".empty");
    if (empty) empty.remove();
    el.append(logRow(m));
    count += 1;
    if (count > MAX_ROWS) {
      el.firstChild.remove();
      count -= 1;
    }
    if (stick) el.scrollTop = el.scrollHeight;
  }

  function redraw() {
    clear(el);
    count = 0;
    const shown = state.logs.filter(filter).slice(-MAX_ROWS);
    const frag = document.createDocumentFragment();
    for (const m of shown) frag.append(logRow(m));
    el.append(frag);
    count = shown.length;
    if (!count) el.append(h("div", { class: "empty" }, "No log lines yet"));
    el.scrollTop = el.scrollHeight;
  }

  const offs = [on("log", (m) => append(m, nearBottom())), on("snapshot", redraw)];
  redraw();
  return { el, redraw, destroy: () => offs.forEach((off) => off()) };
}

/** The Logs page: filter by device and level, and by text. */
export function logsView(root) {
  const device = h("select", { id: "log-device" });
  const text = h("input", { type: "search", placeholder: "Filter text", size: 26 });
  const levels = new Map(LEVELS.map((level) => [level, h("input", { type: "checkbox", checked: true, value: level })]));

  function fillDevices() {
    const current = device.value;
    clear(device).append(h("option", { value: "" }, "All devices"));
    const ids = new Set([...state.devices.values()].filter((d) => d.quickApp).map((d) => d.id));
    for (const m of state.logs) if (m.deviceId !== undefined) ids.add(m.deviceId);
    for (const id of [...ids].sort((a, b) => a - b)) {
      const row = state.devices.get(id);
      device.append(h("option", { value: String(id) }, row ? `${id} · ${row.name}` : String(id)));
    }
    device.value = [...device.options].some((o) => o.value === current) ? current : "";
  }

  const filter = (m) => {
    if (device.value && String(m.deviceId) !== device.value) return false;
    if (!levels.get(m.type)?.checked) return false;
    const needle = text.value.trim().toLowerCase();
    return !needle || `${m.tag} ${m.message}`.toLowerCase().includes(needle);
  };
  const list = logList(filter, "tall");
  fillDevices();
  for (const input of [device, text, ...levels.values()]) input.addEventListener("input", list.redraw);
  const clearButton = h("button", {
    onclick: () => {
      state.logs.length = 0;
      list.redraw();
    },
  }, "Clear");
  root.append(
    h("div", { class: "toolbar" }, h("h1", {}, "Logs"), h("span", { class: "grow" }),
      h("span", { class: "levels" }, ...LEVELS.map((level) => h("label", {}, levels.get(level), ` ${level}`))),
      device, text, clearButton),
    list.el,
  );
  const offs = [on("devices", fillDevices), on("snapshot", fillDevices)];
  return () => {
    list.destroy();
    offs.forEach((off) => off());
  };
}
