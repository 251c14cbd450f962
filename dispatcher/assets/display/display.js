// The public display page, /display/{device}#secret=…: takes the secret from the fragment (a
// fragment never reaches the server's or a proxy's logs), keeps it for reloads, and shows what
// the device protocol says, or the pairing form when it has no secret.

import { Board } from "./board.js";
import { DeviceClient, pair } from "./protocol.js";
import { drawAlert, drawConnection, drawIdle, drawPairing, redrawSoon, showScreen } from "./screen.js";

const params = new URLSearchParams(location.search);
/** The language of the display's own words (clock, "no warnings"): ?lang=sk, else the browser's. */
const lang = params.get("lang") || navigator.language || "en";
document.documentElement.lang = lang;

const storageKey = (id) => `tocsin.display.${id}.secret`;

function remember(id, secret) {
  try {
    localStorage.setItem(storageKey(id), secret);
  } catch {
    // A kiosk without storage still works until the next reload.
  }
}

function recall(id) {
  try {
    return localStorage.getItem(storageKey(id));
  } catch {
    return null;
  }
}

function forget(id) {
  try {
    localStorage.removeItem(storageKey(id));
  } catch {
    // Nothing stored.
  }
}

/** The device id of a secret `tdv_{id}_{random}`. */
function secretDevice(secret) {
  const m = /^tdv_(\d+)_/.exec(secret);
  return m ? m[1] : null;
}

/** Moves to /display/{id} (without reloading) and keeps the secret there. */
function adopt(id, secret) {
  remember(id, secret);
  history.replaceState(null, "", `/display/${id}${location.search}`);
  return id;
}

/** The secret from the fragment (then removed from the address bar) or from storage. */
function takeSecret(pathDevice) {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const secret = fragment.get("secret");
  if (secret) {
    history.replaceState(null, "", location.pathname + location.search);
    const id = secretDevice(secret) || pathDevice;
    adopt(id, secret);
    return { id, secret };
  }
  const stored = pathDevice && recall(pathDevice);
  return stored ? { id: pathDevice, secret: stored } : null;
}

function showPairing(reason) {
  drawPairing(lang, reason, async (code) => {
    const answer = await pair(code);
    const id = adopt(String(answer.deviceId), answer.secret);
    run(id, answer.secret);
  });
}

/** Runs the display with its secret until the server refuses it. */
function run(id, secret) {
  const board = new Board((command, state) => client.ack(command, state));
  let offset = 0;
  let deviceName = "";
  // "No warnings" is said only while the server answers: a display that cannot reach it
  // does not know.
  let answered = false;
  let online = true;
  const now = () => Date.now() + offset;
  const tick = () => {
    const slide = board.view(now());
    if (slide) {
      drawAlert(slide, now());
      showScreen("alert");
    } else {
      drawIdle(now(), lang, deviceName, answered && online);
      showScreen("idle");
    }
  };
  const client = new DeviceClient(secret, {
    answer(body, receivedAt) {
      const server = Date.parse(body.serverTime);
      // The kiosk's clock may be wrong; the server's is the one alerts are timed by.
      if (!Number.isNaN(server)) offset = server - receivedAt;
      deviceName = (body.device && body.device.name) || "";
      answered = true;
      board.update(Array.isArray(body.commands) ? body.commands : []);
      tick();
    },
    online() {
      online = true;
      drawConnection(true, lang);
      tick();
    },
    offline() {
      online = false;
      drawConnection(false, lang);
      tick();
    },
    unauthorized() {
      clearInterval(timer);
      resize.abort();
      forget(id);
      showPairing("noLongerPaired");
    },
  });
  const timer = setInterval(tick, 1000);
  const resize = new AbortController();
  addEventListener(
    "resize",
    () => {
      redrawSoon();
      tick();
    },
    { signal: resize.signal },
  );
  drawConnection(true, lang);
  tick();
  client.run();
}

function start() {
  const pathDevice = (/^\/display\/(\d+)/.exec(location.pathname) || [])[1] || null;
  const found = takeSecret(pathDevice);
  if (found) run(found.id, found.secret);
  else showPairing("notPaired");
}

start();
