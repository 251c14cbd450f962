// Drawing the screens: idle clock, alert slide, pairing form and the connection indicator.
// Everything goes in through textContent (the page runs under Trusted Types), and the alert's
// text shrinks until it fits, so nothing is ever cut off or scrolls.

import { severityWords, word } from "./words.js";

const $ = (id) => document.getElementById(id);
const SCREENS = ["idle", "alert", "pairing"];
/** How far the alert's text may shrink (long messages) and grow (short ones). */
const MIN_SCALE = 0.4;
const MAX_SCALE = 1.6;

function setText(id, text) {
  const el = $(id);
  const value = text || "";
  if (el.textContent !== value) el.textContent = value;
  return el;
}

/** Shows one screen (`idle`, `alert` or `pairing`) and records it on the body for tests. */
export function showScreen(name) {
  for (const s of SCREENS) $(s).hidden = s !== name;
  document.body.dataset.state = name;
}

/** The idle screen: clock and date in local time (24 h), device name, and "no warnings" once `known`. */
export function drawIdle(now, lang, deviceName, known) {
  const at = new Date(now);
  setText("idle-clock", new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at));
  setText("idle-date", new Intl.DateTimeFormat(lang, { weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(at));
  setText("idle-device", deviceName);
  setText("idle-status", known ? word(lang, "noWarnings") : "");
}

function expiry(lang, expires, now) {
  const at = new Date(expires);
  if (Number.isNaN(at.getTime())) return "";
  const sameDay = new Date(now).toDateString() === at.toDateString();
  const options = sameDay
    ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
    : { day: "numeric", month: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  return `${word(lang, "until")} ${new Intl.DateTimeFormat(lang, options).format(at)}`;
}

let drawn = "";

/** The alert screen for one slide; redrawn only when the slide changes (or `force`). */
export function drawAlert(slide, now, force = false) {
  const c = slide.command;
  const t = slide.text || {};
  const lang = t.language || document.documentElement.lang;
  const key = `${c.id} ${lang} ${slide.index}/${slide.count}`;
  if (key === drawn && !force) return;
  drawn = key;
  const cancel = c.msgType === "Cancel";
  const root = $("alert");
  root.lang = lang;
  root.dataset.severity = c.severity || "Unknown";
  root.dataset.command = String(c.id);
  root.toggleAttribute("data-cancel", cancel);
  // Not live: the EXERCISE/TEST banner across the top. Live: an Update's marker as a tag.
  const drill = c.mode !== "live";
  const marker = drill ? t.marker || String(c.mode || "test").toUpperCase() : "";
  setText("alert-marker", marker).hidden = !marker;
  const kind = !drill && !cancel ? t.marker || "" : "";
  setText("alert-kind", kind).hidden = !kind;
  setText("alert-severity", cancel ? word(lang, "cancelled") : t.severityText || severityWords(lang, c.severity));
  setText("alert-pager", `${lang.toUpperCase()} ${slide.index + 1}/${slide.count}`).hidden = slide.count < 2;
  setText("alert-headline", t.headline || (cancel ? word(lang, "cancelled") : severityWords(lang, c.severity)));
  setText("alert-instruction", t.instruction);
  setText("alert-description", t.description);
  setText("alert-area", t.area);
  setText("alert-expires", cancel ? "" : expiry(lang, c.expires, now));
  setText("alert-sender", t.senderName);
  fit();
}

/** Forgets what is drawn, so the next slide is drawn again (after a resize). */
export function redrawSoon() {
  drawn = "";
}

/** The largest text scale at which the message fits its box: short messages grow, long ones
 *  shrink. The description (the least urgent part) goes when it would shrink the rest. */
function fit() {
  const root = $("alert");
  const body = $("alert-body");
  const description = $("alert-description");
  const overflows = (scale) => {
    root.style.setProperty("--fit", scale.toFixed(3));
    return body.scrollHeight > body.clientHeight + 1 || body.scrollWidth > body.clientWidth + 1;
  };
  const best = () => {
    let [low, high] = [MIN_SCALE, MAX_SCALE];
    if (!overflows(high)) return high;
    // Seven halvings find the scale to within 1 %.
    for (let i = 0; i < 7; i++) {
      const mid = (low + high) / 2;
      if (overflows(mid)) high = mid;
      else low = mid;
    }
    return low;
  };
  for (const id of ["alert-instruction", "alert-description", "alert-area", "alert-expires", "alert-sender"]) {
    $(id).hidden = !$(id).textContent;
  }
  let scale = best();
  if (scale < 1 && !description.hidden) {
    description.hidden = true;
    scale = best();
  }
  overflows(scale);
}

/** Shows or hides the discreet "connection lost" line. */
export function drawConnection(online, lang) {
  setText("connection", word(lang, "offline")).hidden = online;
  document.body.dataset.online = online ? "yes" : "no";
}

/** The pairing form with the reason it is shown; `submit(code)` returns a promise. */
export function drawPairing(lang, reason, submit) {
  setText("pairing-title", word(lang, "pairTitle"));
  setText("pairing-reason", `${word(lang, reason)} ${word(lang, "pairHint")}`);
  setText("pairing-label", word(lang, "pairLabel"));
  setText("pairing-submit", word(lang, "pairButton"));
  setText("pairing-error", "");
  $("connection").hidden = true;
  const form = $("pairing-form");
  form.onsubmit = async (event) => {
    event.preventDefault();
    const code = $("pairing-code").value.trim();
    $("pairing-submit").disabled = true;
    setText("pairing-error", "");
    try {
      await submit(code);
    } catch (e) {
      setText("pairing-error", word(lang, e.message === "rejected" ? "badCode" : "pairFailed"));
    } finally {
      $("pairing-submit").disabled = false;
    }
  };
  showScreen("pairing");
  $("pairing-code").focus();
}
