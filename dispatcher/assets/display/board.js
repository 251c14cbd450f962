// Which command is on screen: the commands of the last poll answer, what the display has
// acknowledged of each, expiry, how long a Cancel stays up, and the rotation through commands
// and their languages.

/** How long each slide (one command in one language) stays on screen. */
export const ROTATE_MS = 10000;
/** A Cancel (all clear) stays up this long at least, then the display returns to idle. */
export const CANCEL_MIN_MS = 15000;

const time = (s) => (typeof s === "string" ? Date.parse(s) : Number.NaN);

export class Board {
  /** `ack(id, state)` sends an acknowledgement (once per id and state). */
  constructor(ack) {
    this.ack = ack;
    this.commands = [];
    this.seen = new Map();
    this.finished = new Set();
    this.slide = 0;
    this.slideSince = 0;
    this.order = "";
  }

  /** Takes the commands of a poll answer: new ones are received, vanished ones completed. */
  update(commands) {
    const ids = new Set(commands.map((c) => c.id));
    for (const c of commands) {
      if (!this.seen.has(c.id)) {
        this.seen.set(c.id, { started: false, cancelUntil: null });
        this.ack(c.id, "received");
      }
    }
    for (const id of [...this.seen.keys()]) {
      if (!ids.has(id)) {
        // Replaced by an Update or Cancel, expired, or finished here: it ran its course.
        this.finish(id);
        this.seen.delete(id);
        this.finished.delete(id);
      }
    }
    this.commands = commands;
  }

  finish(id) {
    if (this.finished.has(id)) return;
    this.finished.add(id);
    this.ack(id, "completed");
  }

  /** Whether command `c` belongs on screen at `now`; finishes it when its time is over. */
  current(c, now) {
    if (this.finished.has(c.id)) return false;
    if (time(c.expires) <= now) {
      this.finish(c.id);
      return false;
    }
    if (time(c.startAt) > now) return false;
    const state = this.seen.get(c.id);
    if (c.msgType === "Cancel" && state.cancelUntil !== null && now >= state.cancelUntil) {
      this.finish(c.id);
      return false;
    }
    return true;
  }

  /** Marks `c` as shown: acknowledged `started` once, and a Cancel's time on screen begins. */
  shown(c, now) {
    const state = this.seen.get(c.id);
    if (!state.started) {
      state.started = true;
      this.ack(c.id, "started");
    }
    if (c.msgType === "Cancel" && state.cancelUntil === null) {
      const languages = Math.max(1, (c.texts || []).length);
      state.cancelUntil = now + Math.max(CANCEL_MIN_MS, languages * ROTATE_MS);
    }
  }

  /**
   * The slide to show at `now`, or null for the idle screen. A slide is one command in one of
   * its languages; the most urgent command comes first, and a newly arrived one at once.
   */
  view(now) {
    const live = this.commands.filter((c) => this.current(c, now));
    const slides = live.flatMap((c) => (c.texts && c.texts.length ? c.texts : [null]).map((text) => ({ command: c, text })));
    const order = live.map((c) => c.id).join(",");
    if (slides.length === 0) {
      this.order = "";
      return null;
    }
    if (order !== this.order) {
      const before = new Set(this.order.split(","));
      const arrived = live.some((c) => !before.has(String(c.id)));
      if (arrived || this.slide >= slides.length) {
        this.slide = 0;
        this.slideSince = now;
      }
      this.order = order;
    } else if (now - this.slideSince >= ROTATE_MS) {
      this.slide = (this.slide + 1) % slides.length;
      this.slideSince = now;
    }
    const slide = slides[this.slide];
    this.shown(slide.command, now);
    return { ...slide, index: this.slide, count: slides.length };
  }
}
