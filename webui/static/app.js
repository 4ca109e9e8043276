// The dashboard's entry: hash routes (#/, #/device/ID, #/logs, #/globals) over one live store.
import { clear, toast } from "./dom.js";
import { deviceView } from "./device.js";
import { devicesView } from "./devices.js";
import { globalsView } from "./globals.js";
import { logsView } from "./logs.js";
import { connect, on, state } from "./store.js";

const view = document.getElementById("view");
const conn = document.getElementById("conn");
let unmount = () => {};
let ready = false;

function route() {
  unmount();
  clear(view);
  const hash = location.hash.replace(/^#/, "") || "/";
  const device = hash.match(/^\/device\/(\d+)$/);
  let nav = "devices";
  if (device) unmount = deviceView(view, Number(device[1]));
  else if (hash === "/logs") { nav = "logs"; unmount = logsView(view); }
  else if (hash === "/globals") { nav = "globals"; unmount = globalsView(view); }
  else unmount = devicesView(view);
  for (const a of document.querySelectorAll("[data-nav]")) a.classList.toggle("active", a.dataset.nav === nav);
}

on("connection", (live) => {
  conn.dataset.state = live ? "live" : "down";
  conn.textContent = live ? "live" : "reconnecting";
  conn.title = conn.textContent;
});
on("snapshot", () => {
  document.getElementById("hc-name").textContent = state.hcName;
  document.title = `plua2 · ${state.hcName}`;
  if (!ready) {
    ready = true;
    document.body.dataset.ready = "1";
    route();
  }
});
on("reload", (d) => toast(d.message, d.ok ? "info" : "error"));  // plua2 up --watch
window.addEventListener("hashchange", () => { if (ready) route(); });
connect();
