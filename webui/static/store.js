// The page's whole state, kept current by one websocket (/ws).
//
// The server sends a snapshot first, then arrays of {t: topic, d: data}. Views read `state` and
// subscribe to topics with `on(topic, fn)` (returns an unsubscribe function). When the socket
// drops, we reconnect with a growing delay and get a fresh snapshot: the page never polls.

export const state = {
  connected: false,
  hcName: "",
  console: false,
  rooms: new Map(),     // id -> name
  devices: new Map(),   // id -> row {id, name, type, roomID, parentId, quickApp, child, value}
  workers: new Map(),   // id -> info (+ receivedAt, ms)
  views: new Map(),     // device id -> {component: {prop: value}}
  globals: new Map(),   // name -> {name, value, readOnly, isEnum, enumValues}
  logs: [],             // console messages, oldest first
  lastLogId: 0,
};

const MAX_LOGS = 5000;
const listeners = new Map();

export function on(topic, fn) {
  if (!listeners.has(topic)) listeners.set(topic, new Set());
  listeners.get(topic).add(fn);
  return () => listeners.get(topic).delete(fn);
}

function emit(topic, data) {
  for (const fn of [...(listeners.get(topic) || [])]) {
    try { fn(data); } catch (error) { console.error(topic, error); }
  }
}

function setDevices(rows, rooms) {
  state.devices = new Map(rows.map((row) => [row.id, row]));
  if (rooms) state.rooms = new Map(Object.entries(rooms).map(([id, name]) => [Number(id), name]));
}

function setWorker(info) {
  if (info.removed) {
    state.workers.delete(info.id);
    return;
  }
  const old = state.workers.get(info.id) || {};
  state.workers.set(info.id, { ...old, ...info, receivedAt: "uptime" in info ? performance.now() : old.receivedAt });
}

function addLog(message) {
  if (message.id <= state.lastLogId) return false;
  state.lastLogId = message.id;
  state.logs.push(message);
  if (state.logs.length > MAX_LOGS) state.logs.splice(0, state.logs.length - MAX_LOGS);
  return true;
}

const handlers = {
  snapshot(d) {
    state.hcName = d.hcName;
    state.console = d.console;
    setDevices(d.devices, d.rooms);
    state.workers = new Map();
    for (const info of d.workers) setWorker(info);
    state.views = new Map(Object.entries(d.views).map(([id, v]) => [Number(id), v]));
    state.globals = new Map(d.globals.map((g) => [g.name, g]));
    for (const message of d.logs) addLog(message);
    emit("snapshot", d);
  },
  workers(list) {
    for (const info of list) setWorker(info);
    emit("workers", list);
  },
  worker(info) {
    setWorker(info);
    emit("workers", [info]);
  },
  prop(d) {
    const row = state.devices.get(d.id);
    if (row && d.name === "value") row.value = d.value;
    emit("prop", d);
  },
  view(d) {
    if (!state.views.has(d.id)) state.views.set(d.id, {});
    const view = state.views.get(d.id);
    view[d.component] = { ...(view[d.component] || {}), [d.prop]: d.value };
    emit("view", d);
  },
  log(message) {
    if (addLog(message)) emit("log", message);
  },
  global(d) {
    if (d.removed) state.globals.delete(d.name);
    else state.globals.set(d.name, { ...(state.globals.get(d.name) || { name: d.name }), value: d.value });
    emit("global", d);
  },
  devices(d) {
    setDevices(d.devices, d.rooms);
    emit("devices", d);
  },
  reload(d) {
    emit("reload", d);  // plua2 up --watch: {kind, file, id, ok, action, message}
  },
};

function handle(message) {
  const handler = handlers[message.t];
  if (handler) handler(message.d);
}

let retryDelay = 500;

export function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}/ws`);
  socket.onopen = () => {
    retryDelay = 500;
    state.connected = true;
    emit("connection", true);
  };
  socket.onmessage = (event) => {
    const data = JSON.parse(event.data);
    if (Array.isArray(data)) data.forEach(handle);
    else handle(data);
  };
  socket.onclose = () => {
    if (state.connected) emit("connection", false);
    state.connected = false;
    setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 8000);
  };
}

/** The worker (QuickApp) that runs a device: itself, or its QuickApp parent. */
export function ownerOf(deviceId) {
  let row = state.devices.get(deviceId);
  while (row) {
    if (row.quickApp) return row.id;
    if (!row.child) return null;
    row = state.devices.get(row.parentId);
  }
  return null;
}

/** A worker's uptime now, counted up locally since its last report. */
export function uptimeOf(info) {
  if (!info || info.uptime === null || info.uptime === undefined) return null;
  if (info.state !== "running" || info.receivedAt === undefined) return info.uptime;
  return info.uptime + (performance.now() - info.receivedAt) / 1000;
}
