// Worker state pills and the Restart / Stop / Start buttons (POST /plua/workers/{id}/{verb}).
import { attempt, call, h } from "./dom.js";

const CAN_START = new Set(["stopped", "fatal", "crashed", "backoff"]);
const CAN_STOP = new Set(["running", "starting", "backoff", "hung"]);

export function statePill(info) {
  const el = h("span", { class: "state none" });
  setState(el, info);
  return el;
}

export function setState(el, info) {
  const state = info ? info.state : null;
  el.className = `state ${state || "none"}`;
  el.textContent = state ? state.toUpperCase() : "";
  el.title = info && info.last_error ? info.last_error : "";
}

// No toast on success: the state pill changes as soon as the worker does.
function act(id, verb) {
  return attempt(() => call("POST", `/plua/workers/${id}/${verb}`), `${verb} ${id}`);
}

/** The three buttons of one QuickApp; `update(info)` enables what makes sense in its state. */
export function workerButtons(id) {
  const restart = h("button", { onclick: () => act(id, "restart"), dataset: { action: "restart" } }, "Restart");
  const stop = h("button", { onclick: () => act(id, "stop"), dataset: { action: "stop" } }, "Stop");
  const start = h("button", { onclick: () => act(id, "start"), dataset: { action: "start" } }, "Start");
  const update = (info) => {
    const state = info ? info.state : null;
    restart.disabled = !state || state === "stopping";
    stop.disabled = !CAN_STOP.has(state);
    start.disabled = !CAN_START.has(state);
  };
  return { buttons: [restart, stop, start], update };
}
