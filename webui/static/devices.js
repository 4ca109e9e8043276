// The devices page: every device, its QuickApp worker's state and resources, live.
import { clear, fmtBytes, fmtCpu, fmtUptime, fmtValue, h } from "./dom.js";
import { on, ownerOf, state, uptimeOf } from "./store.js";
import { setState, statePill, workerButtons } from "./workers.js";

/** Devices in display order: by id, each QuickApp's children right after it. */
function ordered() {
  const rows = [...state.devices.values()].sort((a, b) => a.id - b.id);
  const children = new Map();
  const top = [];
  for (const row of rows) {
    if (row.child && state.devices.has(row.parentId)) {
      if (!children.has(row.parentId)) children.set(row.parentId, []);
      children.get(row.parentId).push(row);
    } else top.push(row);
  }
  return top.flatMap((row) => [row, ...(children.get(row.id) || [])]);
}

export function devicesView(root) {
  const filter = h("input", { type: "search", placeholder: "Filter by name, id, type or room", size: 34 });
  const summary = h("div", { class: "summary" });
  const body = h("tbody");
  const table = h("table", { class: "devices", id: "devices" },
    h("thead", {}, h("tr", {},
      h("th", {}, "ID"), h("th", {}, "Name"), h("th", {}, "Type"), h("th", {}, "Room"), h("th", {}, "Value"),
      h("th", {}, "Worker"), h("th", {}, "Uptime"), h("th", {}, "Restarts"), h("th", {}, "CPU"),
      h("th", {}, "Memory"), h("th", {}, "Last error"), h("th", {}, ""))),
    body);
  root.append(
    h("div", { class: "toolbar" }, h("h1", {}, "Devices"), h("span", { class: "grow" }), summary, filter),
    h("div", { class: "card table-wrap" }, table),
  );
  let rows = new Map(); // device id -> cells

  function drawSummary() {
    const counts = {};
    for (const info of state.workers.values()) counts[info.state] = (counts[info.state] || 0) + 1;
    clear(summary).append(
      h("span", { class: "chip" }, `${state.devices.size} devices`),
      h("span", { class: "chip" }, `${state.workers.size} QuickApps`),
      ...Object.entries(counts).sort().map(([s, n]) => h("span", { class: "chip" }, `${n} ${s}`)),
    );
  }

  function drawWorker(id) {
    const cells = rows.get(id);
    if (!cells || !cells.pill) return;
    const info = state.workers.get(id);
    setState(cells.pill, info);
    cells.uptime.textContent = fmtUptime(uptimeOf(info));
    cells.restarts.textContent = info ? info.restarts : "";
    cells.cpu.textContent = info ? fmtCpu(info.cpu_percent) : "";
    cells.memory.textContent = info ? fmtBytes(info.rss_bytes) : "";
    const error = info ? info.last_error || "" : "";
    cells.error.textContent = error;
    cells.error.title = error;
    if (info && info.crashed) cells.error.prepend(h("span", { class: "badge" }, "crashed"));
    cells.update(info);
  }

  function drawTable() {
    clear(body);
    rows = new Map();
    const needle = filter.value.trim().toLowerCase();
    for (const row of ordered()) {
      const room = state.rooms.get(row.roomID) || "";
      const hay = `${row.id} ${row.name} ${row.type} ${room}`.toLowerCase();
      if (needle && !hay.includes(needle)) continue;
      const cells = {
        value: h("td", { class: "value" }, fmtValue(row.value)),
        uptime: h("td", { class: "num" }), restarts: h("td", { class: "num" }),
        cpu: h("td", { class: "num" }), memory: h("td", { class: "num" }), error: h("span", { class: "err" }),
      };
      const actions = h("td", { class: "actions" });
      const worker = h("td", {});
      if (row.quickApp) {
        const group = workerButtons(row.id);
        cells.pill = statePill(state.workers.get(row.id));
        cells.update = group.update;
        worker.append(cells.pill);
        actions.append(...group.buttons);
      } else if (row.child) {
        const owner = ownerOf(row.id);
        worker.append(h("span", { class: "muted" }, owner ? `in ${owner}` : ""));
      }
      const tr = h("tr", { class: row.child ? "child" : "", dataset: { id: row.id, name: row.name } },
        h("td", { class: "num mono" }, row.id),
        h("td", { class: "name" }, h("a", { href: `#/device/${row.id}` }, row.name)),
        h("td", { class: "muted" }, row.type.replace(/^com\.fibaro\./, "")),
        h("td", {}, room), cells.value, worker, cells.uptime, cells.restarts, cells.cpu, cells.memory,
        h("td", { class: "error" }, cells.error), actions);
      body.append(tr);
      rows.set(row.id, cells);
      if (row.quickApp) drawWorker(row.id);
    }
    if (!body.firstChild) body.append(h("tr", {}, h("td", { colspan: 12, class: "empty" }, "No devices")));
    drawSummary();
  }

  filter.addEventListener("input", drawTable);
  const tick = setInterval(() => {
    for (const [id, info] of state.workers) {
      if (info.state === "running" && rows.has(id)) rows.get(id).uptime.textContent = fmtUptime(uptimeOf(info));
    }
  }, 1000);
  const offs = [
    on("snapshot", drawTable),
    on("devices", drawTable),
    on("workers", (list) => {
      for (const info of list) drawWorker(info.id);
      drawSummary();
    }),
    on("prop", (d) => {
      if (d.name !== "value" || !rows.has(d.id)) return;
      rows.get(d.id).value.textContent = fmtValue(d.value);
    }),
  ];
  drawTable();
  return () => {
    clearInterval(tick);
    offs.forEach((off) => off());
  };
}
