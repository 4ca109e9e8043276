// Global variables: listed live, edited in place (PUT /api/globalVariables/{name}), added (POST).
import { attempt, call, clear, h, toast } from "./dom.js";
import { on, state } from "./store.js";

export function globalsView(root) {
  const body = h("tbody");
  const rows = new Map(); // name -> {tr, input}

  function save(name, value) {
    return attempt(async () => {
      await call("PUT", `/api/globalVariables/${encodeURIComponent(name)}`, { value });
      toast(`${name} = ${value}`);
    }, `save ${name}`);
  }

  function editor(g) {
    if (g.isEnum && Array.isArray(g.enumValues) && g.enumValues.length) {
      const select = h("select", {}, ...g.enumValues.map((v) => h("option", { value: v }, v)));
      select.value = g.value;
      select.addEventListener("change", () => save(g.name, select.value));
      return select;
    }
    const input = h("input", { type: "text", value: g.value ?? "", readOnly: Boolean(g.readOnly) });
    input.addEventListener("keydown", (event) => { if (event.key === "Enter") save(g.name, input.value); });
    return input;
  }

  function draw() {
    clear(body);
    rows.clear();
    for (const g of [...state.globals.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const input = editor(g);
      const button = h("button", { onclick: () => save(g.name, input.value), disabled: Boolean(g.readOnly) }, "Save");
      const tr = h("tr", { dataset: { name: g.name } }, h("td", { class: "name" }, g.name), h("td", {}, input), h("td", { class: "actions" }, button));
      rows.set(g.name, { tr, input });
      body.append(tr);
    }
    if (!rows.size) body.append(h("tr", {}, h("td", { colspan: 3, class: "empty" }, "No global variables")));
  }

  const newName = h("input", { type: "text", placeholder: "name" });
  const newValue = h("input", { type: "text", placeholder: "value" });
  const add = h("form", { class: "toolbar" }, newName, newValue, h("button", { type: "submit" }, "Add variable"));
  add.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = newName.value.trim();
    if (!name) return;
    const ok = await attempt(() => call("POST", "/api/globalVariables", { name, value: newValue.value }), `add ${name}`);
    if (ok !== undefined) { newName.value = ""; newValue.value = ""; }
  });

  root.append(
    h("div", { class: "toolbar" }, h("h1", {}, "Global variables")),
    h("div", { class: "card" }, h("table", { class: "globals", id: "globals" },
      h("thead", {}, h("tr", {}, h("th", { style: "width:30%" }, "Name"), h("th", {}, "Value"), h("th", { style: "width:1%" }, ""))), body),
      h("div", { style: "margin-top:14px" }, add)),
  );
  const offs = [
    on("snapshot", draw),
    on("global", (d) => {
      const row = rows.get(d.name);
      if (d.removed || !row) { draw(); return; }
      if (document.activeElement !== row.input) row.input.value = d.value;
      row.tr.classList.remove("flash");
      void row.tr.offsetWidth;
      row.tr.classList.add("flash");
    }),
  ];
  draw();
  return () => offs.forEach((off) => off());
}
