// One device's page: worker state and buttons, its QuickApp panel, properties, quickAppVariables,
// the Lua console of its worker and its log lines.
import { attempt, call, clear, fmtBytes, fmtCpu, fmtUptime, fmtValue, h } from "./dom.js";
import { logList } from "./logs.js";
import { qaPanel } from "./qa_ui.js";
import { on, ownerOf, state, uptimeOf } from "./store.js";
import { setState, statePill, workerButtons } from "./workers.js";

/** Properties not worth a row (the UI structures are drawn, the variables have their own card). */
const HIDDEN_PROPS = new Set(["viewLayout", "uiView", "uiCallbacks", "quickAppVariables"]);

function stat(label, value, cls = "v") {
  const v = h("div", { class: cls }, value);
  return { el: h("div", { class: "stat" }, h("div", { class: "k" }, label), v), v };
}

function luaConsole(workerId) {
  const out = h("div", { class: "console-out", id: "lua-out" });
  const input = h("input", { type: "text", id: "lua-in", placeholder: "Lua in this QuickApp, e.g. return quickApp.name", autocomplete: "off", spellcheck: false });
  const run = h("button", { class: "primary", type: "submit" }, "Run");
  const history = [];
  let cursor = 0;
  const line = (cls, text) => {
    out.append(h("div", { class: cls }, text));
    out.scrollTop = out.scrollHeight;
  };
  const form = h("form", { class: "console-form" }, input, run);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = input.value;
    if (!code.trim()) return;
    history.push(code);
    cursor = history.length;
    input.value = "";
    line("in", `> ${code}`);
    run.disabled = true;
    try {
      const answer = await call("POST", `/ui/eval/${workerId}`, { code });
      if (answer.ok) line("out", answer.text === "" ? "(no value)" : answer.text);
      else line("err", answer.error);
    } catch (error) {
      line("err", error.message);
    } finally {
      run.disabled = false;
      input.focus();
    }
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowUp" && cursor > 0) input.value = history[--cursor];
    else if (event.key === "ArrowDown" && cursor < history.length) input.value = history[++cursor] ?? "";
    else return;
    event.preventDefault();
  });
  return h("div", { class: "card" }, h("h2", {}, `Lua console · worker ${workerId}`), out, form);
}

export function deviceView(root, deviceId) {
  const offs = [];
  let tick = null;
  let dto = null;
  let gone = false;

  async function load() {
    dto = await attempt(() => call("GET", `/api/devices/${deviceId}`), `device ${deviceId}`);
    if (gone) return;
    clear(root);
    offs.splice(0).forEach((off) => off());
    clearInterval(tick);
    if (!dto) {
      root.append(h("div", { class: "card empty" }, `No device ${deviceId}. `, h("a", { href: "#/" }, "All devices")));
      return;
    }
    draw();
  }

  function draw() {
    const props = dto.properties || {};
    const row = state.devices.get(deviceId);
    const workerId = row ? ownerOf(deviceId) : null;
    const isQuickApp = Boolean(row && row.quickApp);

    // header: name, meta, worker state and buttons
    const pill = statePill(state.workers.get(workerId));
    const head = h("div", { class: "dev-head" },
      h("a", { href: "#/" }, "\u2190 Devices"),
      h("h1", { id: "device-name" }, dto.name),
      h("span", { class: "meta mono" }, `#${dto.id}`),
      h("span", { class: "meta" }, `${dto.type} · ${state.rooms.get(dto.roomID) || "no room"}`),
      workerId ? pill : null,
      !isQuickApp && workerId ? h("span", { class: "meta" }, "child of ", h("a", { href: `#/device/${workerId}` }, `#${workerId}`)) : null);
    let buttons = null;
    if (isQuickApp) {
      buttons = workerButtons(deviceId);
      head.append(h("div", { class: "actions" }, ...buttons.buttons));
    }
    root.append(head);

    // worker stats
    const stats = {};
    if (workerId) {
      for (const [key, label] of [["uptime", "Uptime"], ["restarts", "Restarts"], ["cpu", "CPU"], ["memory", "Memory"], ["pid", "PID"]]) {
        stats[key] = stat(label, "");
      }
      stats.error = stat("Last error", "", "v small");
      root.append(h("div", { class: "stats" }, ...Object.values(stats).map((s) => s.el)));
    }
    const drawWorker = () => {
      const info = state.workers.get(workerId);
      setState(pill, info);
      if (buttons) buttons.update(info);
      if (!workerId) return;
      stats.uptime.v.textContent = fmtUptime(uptimeOf(info)) || "—";
      stats.restarts.v.textContent = info ? info.restarts : "—";
      stats.cpu.v.textContent = (info && fmtCpu(info.cpu_percent)) || "—";
      stats.memory.v.textContent = (info && fmtBytes(info.rss_bytes)) || "—";
      stats.pid.v.textContent = (info && info.pid) || "—";
      stats.pid.v.id = "worker-pid";
      stats.error.v.textContent = (info && info.last_error) || "—";
    };
    drawWorker();

    // the QuickApp panel and the properties
    const panel = isQuickApp ? qaPanel(deviceId, props, state.views.get(deviceId)) : null;
    const propBody = h("tbody");
    const propRows = new Map();
    for (const name of Object.keys(props).sort()) {
      if (HIDDEN_PROPS.has(name)) continue;
      const cell = h("td", {}, fmtValue(props[name]));
      const tr = h("tr", { dataset: { prop: name } }, h("td", {}, name), cell);
      propRows.set(name, { tr, cell });
      propBody.append(tr);
    }
    const variables = Array.isArray(props.quickAppVariables) ? props.quickAppVariables : [];
    const left = h("div", { class: "column" });
    const right = h("div", { class: "column" });
    if (panel) left.append(h("div", { class: "card" }, h("h2", {}, "QuickApp"), panel.el));
    if (variables.length) {
      left.append(h("div", { class: "card" }, h("h2", {}, "quickAppVariables"),
        h("table", { class: "props", id: "qa-variables" }, h("tbody", {}, ...variables.map((v) =>
          h("tr", {}, h("td", {}, v.name), h("td", {}, fmtValue(v.value))))))));
    }
    if (workerId && state.console) left.append(luaConsole(workerId));
    const propsCard = h("div", { class: "card" }, h("h2", {}, "Properties"),
      h("div", { class: "scroll" }, h("table", { class: "props", id: "props" }, propBody)));
    const logs = workerId ? logList((m) => m.deviceId === workerId || m.deviceId === deviceId, "short") : null;
    (left.firstChild ? right : left).append(propsCard);
    if (logs) right.append(h("div", { class: "card" }, h("h2", {}, "Log"), logs.el));
    root.append(h("div", { class: "grid2" }, left, right));

    tick = setInterval(() => {
      const info = state.workers.get(workerId);
      if (workerId && info && info.state === "running") stats.uptime.v.textContent = fmtUptime(uptimeOf(info));
    }, 1000);
    offs.push(
      on("workers", (list) => { if (list.some((i) => i.id === workerId)) drawWorker(); }),
      on("prop", (d) => {
        if (d.id !== deviceId) return;
        props[d.name] = d.value;
        let entry = propRows.get(d.name);
        if (!entry && !HIDDEN_PROPS.has(d.name)) {
          const cell = h("td", {});
          entry = { tr: h("tr", { dataset: { prop: d.name } }, h("td", {}, d.name), cell), cell };
          propRows.set(d.name, entry);
          propBody.append(entry.tr);
        }
        if (!entry) return;
        entry.cell.textContent = fmtValue(d.value);
        entry.tr.classList.remove("flash");
        void entry.tr.offsetWidth; // restart the animation
        entry.tr.classList.add("flash");
      }),
      on("view", (d) => { if (panel && d.id === deviceId) panel.apply(d.component, d.prop, d.value); }),
      on("snapshot", load),
      on("devices", () => { if (!state.devices.has(deviceId)) load(); }),
    );
    if (logs) offs.push(logs.destroy);
  }

  load();
  return () => {
    gone = true;
    clearInterval(tick);
    offs.forEach((off) => off());
  };
}
