// The display's own words (everything that does not come from the alert itself), in the
// languages of the regions Tocsin is used in; English when a language is missing.

const WORDS = {
  en: {
    noWarnings: "No warnings in force",
    offline: "Connection lost, retrying…",
    until: "Valid until",
    cancelled: "Warning cancelled",
    pairTitle: "Pair this display",
    pairLabel: "Pairing code",
    pairButton: "Pair",
    pairHint: "Enter the 8-character code from the Tocsin operator.",
    notPaired: "This display is not paired.",
    noLongerPaired: "This display is no longer paired.",
    badCode: "The code was not accepted. Ask the operator for a new one.",
    pairFailed: "The server could not be reached. Try again.",
    severity: { Extreme: "Extreme danger", Severe: "Severe danger", Moderate: "Moderate danger", Minor: "Minor danger", Unknown: "Warning" },
  },
  sk: {
    noWarnings: "Žiadne platné varovania",
    offline: "Spojenie stratené, skúšam znova…",
    until: "Platí do",
    cancelled: "Varovanie odvolané",
    pairTitle: "Spárovanie displeja",
    pairLabel: "Párovací kód",
    pairButton: "Spárovať",
    pairHint: "Zadajte 8-znakový kód od operátora systému Tocsin.",
    notPaired: "Tento displej nie je spárovaný.",
    noLongerPaired: "Tento displej už nie je spárovaný.",
    badCode: "Kód nebol prijatý. Vyžiadajte si od operátora nový.",
    pairFailed: "Server je nedostupný. Skúste to znova.",
    severity: { Extreme: "Extrémne nebezpečenstvo", Severe: "Vážne nebezpečenstvo", Moderate: "Stredné nebezpečenstvo", Minor: "Malé nebezpečenstvo", Unknown: "Varovanie" },
  },
  cs: {
    noWarnings: "Žádná platná varování",
    offline: "Spojení ztraceno, zkouším znovu…",
    until: "Platí do",
    cancelled: "Varování odvoláno",
    severity: { Extreme: "Extrémní nebezpečí", Severe: "Vysoké nebezpečí", Moderate: "Střední nebezpečí", Minor: "Nízké nebezpečí", Unknown: "Varování" },
  },
  pl: {
    noWarnings: "Brak obowiązujących ostrzeżeń",
    offline: "Utracono połączenie, ponawiam…",
    until: "Ważne do",
    cancelled: "Ostrzeżenie odwołane",
    severity: { Extreme: "Skrajne zagrożenie", Severe: "Poważne zagrożenie", Moderate: "Umiarkowane zagrożenie", Minor: "Niewielkie zagrożenie", Unknown: "Ostrzeżenie" },
  },
  hu: {
    noWarnings: "Nincs érvényes figyelmeztetés",
    offline: "A kapcsolat megszakadt, újrapróbálom…",
    until: "Érvényes",
    cancelled: "Figyelmeztetés visszavonva",
    severity: { Extreme: "Rendkívüli veszély", Severe: "Súlyos veszély", Moderate: "Mérsékelt veszély", Minor: "Csekély veszély", Unknown: "Figyelmeztetés" },
  },
  de: {
    noWarnings: "Keine gültigen Warnungen",
    offline: "Verbindung unterbrochen, neuer Versuch…",
    until: "Gültig bis",
    cancelled: "Warnung aufgehoben",
    severity: { Extreme: "Extreme Gefahr", Severe: "Große Gefahr", Moderate: "Mäßige Gefahr", Minor: "Geringe Gefahr", Unknown: "Warnung" },
  },
  uk: {
    noWarnings: "Чинних попереджень немає",
    offline: "Зв’язок втрачено, повторюю…",
    until: "Діє до",
    cancelled: "Попередження скасовано",
    severity: { Extreme: "Надзвичайна небезпека", Severe: "Серйозна небезпека", Moderate: "Помірна небезпека", Minor: "Незначна небезпека", Unknown: "Попередження" },
  },
};

/** The base language of a tag: "sk-SK" gives "sk". */
export function baseLanguage(tag) {
  return String(tag || "en").toLowerCase().split(/[-_]/)[0];
}

/** The display's word `key` in `lang`, falling back to English. */
export function word(lang, key) {
  const own = WORDS[baseLanguage(lang)];
  return (own && own[key]) || WORDS.en[key];
}

/** The severity in words, for when the command's text does not say it. */
export function severityWords(lang, severity) {
  const own = WORDS[baseLanguage(lang)] || WORDS.en;
  const table = own.severity || WORDS.en.severity;
  return table[severity] || table.Unknown;
}
