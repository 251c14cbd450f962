// What the app keeps on the phone: the interface language, the languages for warnings, and the
// resident's subscriptions (id and the secret token shown once by the server).

const KEY = 'tocsin.pwa.';

function read(name, fallback) {
  try {
    const v = localStorage.getItem(KEY + name);
    return v === null ? fallback : JSON.parse(v);
  } catch (e) {
    return fallback;
  }
}

function write(name, value) {
  try {
    localStorage.setItem(KEY + name, JSON.stringify(value));
  } catch (e) {
    // Private mode or a full disk: the app still works for this visit.
  }
}

export const store = {
  lang: () => read('lang', null),
  setLang: (l) => write('lang', l),
  alertLanguages: () => read('alertLanguages', null),
  setAlertLanguages: (ls) => write('alertLanguages', ls),
  subscriptions: () => read('subscriptions', []),
  /** Adds or replaces a subscription by id: { id, token, channel, status, label }. */
  saveSubscription(s) {
    const all = read('subscriptions', []).filter((x) => x.id !== s.id);
    all.push(s);
    write('subscriptions', all);
  },
  forgetSubscription(id) {
    write('subscriptions', read('subscriptions', []).filter((x) => x.id !== id));
  },
};
