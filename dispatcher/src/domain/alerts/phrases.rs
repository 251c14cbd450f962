//! The words of a correction (cancel, false alarm, all clear) in the languages Tocsin ships,
//! so that a one-step correction reads right in every info block. English when a language is
//! not known.

/// What kind of correction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Correction {
    /// The warning is withdrawn (CAP Cancel).
    Cancel,
    /// The warning was sent in error (CAP Cancel).
    FalseAlarm,
    /// The danger is over (CAP Update with responseType AllClear).
    AllClear,
}

/// Headline prefix, description and instruction for a correction in a language.
pub fn phrases(kind: Correction, language: &str) -> (&'static str, &'static str, &'static str) {
    let primary = language.split('-').next().unwrap_or("en").to_ascii_lowercase();
    use Correction::*;
    match (primary.as_str(), kind) {
        ("sk", Cancel) => ("Zrušené", "Toto varovanie bolo zrušené.", "Nie je potrebné nič ďalšie robiť."),
        ("sk", FalseAlarm) => (
            "Planý poplach",
            "Toto varovanie bolo odoslané omylom. Nehrozí žiadne nebezpečenstvo.",
            "Nie je potrebné nič robiť.",
        ),
        ("sk", AllClear) => (
            "Koniec ohrozenia",
            "Nebezpečenstvo pominulo.",
            "Môžete sa vrátiť k bežným činnostiam. Riaďte sa ďalšími pokynmi úradov.",
        ),
        ("cs", Cancel) => ("Zrušeno", "Toto varování bylo zrušeno.", "Není třeba nic dalšího dělat."),
        ("cs", FalseAlarm) => {
            ("Planý poplach", "Toto varování bylo odesláno omylem. Nehrozí žádné nebezpečí.", "Není třeba nic dělat.")
        }
        ("cs", AllClear) => (
            "Konec ohrožení",
            "Nebezpečí pominulo.",
            "Můžete se vrátit k běžným činnostem. Řiďte se dalšími pokyny úřadů.",
        ),
        ("pl", Cancel) => ("Odwołane", "To ostrzeżenie zostało odwołane.", "Nie są potrzebne żadne dalsze działania."),
        ("pl", FalseAlarm) => {
            ("Fałszywy alarm", "To ostrzeżenie zostało wysłane omyłkowo. Nie ma zagrożenia.", "Nie trzeba nic robić.")
        }
        ("pl", AllClear) => (
            "Koniec zagrożenia",
            "Niebezpieczeństwo minęło.",
            "Możesz wrócić do normalnych zajęć. Stosuj się do dalszych poleceń władz.",
        ),
        ("uk", Cancel) => ("Скасовано", "Це попередження скасовано.", "Жодних подальших дій не потрібно."),
        ("uk", FalseAlarm) => {
            ("Хибна тривога", "Це попередження надіслано помилково. Небезпеки немає.", "Нічого робити не потрібно.")
        }
        ("uk", AllClear) => (
            "Відбій тривоги",
            "Небезпека минула.",
            "Можна повернутися до звичайних справ. Дотримуйтеся подальших вказівок влади.",
        ),
        ("de", Cancel) => ("Aufgehoben", "Diese Warnung wurde aufgehoben.", "Es ist nichts weiter zu tun."),
        ("de", FalseAlarm) => {
            ("Fehlalarm", "Diese Warnung wurde irrtümlich versandt. Es besteht keine Gefahr.", "Es ist nichts zu tun.")
        }
        ("de", AllClear) => (
            "Entwarnung",
            "Die Gefahr ist vorüber.",
            "Sie können zu Ihren gewohnten Tätigkeiten zurückkehren. Beachten Sie weitere Hinweise der Behörden.",
        ),
        ("hu", Cancel) => ("Visszavonva", "Ezt a figyelmeztetést visszavonták.", "Nincs szükség további teendőre."),
        ("hu", FalseAlarm) => {
            ("Téves riasztás", "Ezt a figyelmeztetést tévedésből küldték ki. Nincs veszély.", "Nincs teendő.")
        }
        ("hu", AllClear) => (
            "Veszély elmúlt",
            "A veszély elmúlt.",
            "Visszatérhet a megszokott tevékenységeihez. Kövesse a hatóságok további utasításait.",
        ),
        (_, Cancel) => ("Cancelled", "This warning has been cancelled.", "No further action is needed."),
        (_, FalseAlarm) => {
            ("False alarm", "This warning was sent in error. There is no danger.", "No action is needed.")
        }
        (_, AllClear) => (
            "All clear",
            "The danger is over.",
            "You may resume normal activities. Follow any further instructions from the authorities.",
        ),
    }
}
