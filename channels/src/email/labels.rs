//! The fixed words of an alert email (section labels, the exercise banner, the unsubscribe
//! line) in the languages the rest of Tocsin speaks: Slovak, Polish, Ukrainian and English.

use cap_alerts::model::Status;

/// The labels of one language.
pub(crate) struct Labels {
    pub what_to_do: &'static str,
    pub area: &'static str,
    pub issued_by: &'static str,
    pub expires: &'static str,
    pub read_more: &'static str,
    pub unsubscribe: &'static str,
    pub other_languages: &'static str,
    exercise: &'static str,
    test: &'static str,
}

const EN: Labels = Labels {
    what_to_do: "What to do",
    area: "Area",
    issued_by: "Issued by",
    expires: "Expires",
    read_more: "Read the full alert",
    unsubscribe: "Stop these emails",
    other_languages: "In other languages",
    exercise: "This is an exercise, not a real emergency.",
    test: "This is a test, not a real emergency.",
};

const SK: Labels = Labels {
    what_to_do: "Čo robiť",
    area: "Oblasť",
    issued_by: "Vydal",
    expires: "Platí do",
    read_more: "Celé varovanie",
    unsubscribe: "Zrušiť odber týchto e-mailov",
    other_languages: "V iných jazykoch",
    exercise: "Toto je cvičenie, nie skutočná mimoriadna udalosť.",
    test: "Toto je test, nie skutočná mimoriadna udalosť.",
};

const PL: Labels = Labels {
    what_to_do: "Co robić",
    area: "Obszar",
    issued_by: "Wydał",
    expires: "Ważne do",
    read_more: "Pełna treść ostrzeżenia",
    unsubscribe: "Wypisz się z tych wiadomości",
    other_languages: "W innych językach",
    exercise: "To są ćwiczenia, a nie prawdziwe zagrożenie.",
    test: "To jest test, a nie prawdziwe zagrożenie.",
};

const UK: Labels = Labels {
    what_to_do: "Що робити",
    area: "Територія",
    issued_by: "Видав",
    expires: "Діє до",
    read_more: "Повний текст попередження",
    unsubscribe: "Відписатися від цих листів",
    other_languages: "Іншими мовами",
    exercise: "Це навчання, а не справжня надзвичайна ситуація.",
    test: "Це тест, а не справжня надзвичайна ситуація.",
};

/// The labels for a language tag (`sk`, `sk-SK`, …), English for any other.
pub(crate) fn labels(language: &str) -> &'static Labels {
    match language.split('-').next().unwrap_or_default().to_ascii_lowercase().as_str() {
        "sk" => &SK,
        "pl" => &PL,
        "uk" => &UK,
        _ => &EN,
    }
}

impl Labels {
    /// The sentence that says a message is not a real warning, if it is not.
    pub fn not_real(&self, status: Status) -> Option<&'static str> {
        match status {
            Status::Actual => None,
            Status::Exercise => Some(self.exercise),
            Status::Test | Status::System | Status::Draft => Some(self.test),
        }
    }
}
