//! The demo town's templates, each in Slovak and English: flood, chemical leak, all clear and
//! siren test, with `{placeholders}` where a real warning would need a value. Their areas are
//! chosen when composing.

use serde_json::{Value, json};

use super::town::ORIGIN;
use crate::app::App;
use crate::domain::audit::Actor;
use crate::domain::templates::{self, Template};

/// One language's texts of a template.
struct Texts {
    event: &'static str,
    headline: &'static str,
    description: &'static str,
    instruction: &'static str,
}

/// What both languages of a template share.
struct Kind {
    name: &'static str,
    description: &'static str,
    status: &'static str,
    category: &'static str,
    response: &'static str,
    urgency: &'static str,
    severity: &'static str,
    certainty: &'static str,
    signal: &'static str,
    sk: Texts,
    en: Texts,
}

const KINDS: &[Kind] = &[
    Kind {
        name: "Povodeň / Flood",
        description: "A river rises over its banks; the riverside is evacuated.",
        status: "Actual",
        category: "Met",
        response: "Evacuate",
        urgency: "Immediate",
        severity: "Severe",
        certainty: "Observed",
        signal: "sk-water-danger",
        sk: Texts {
            event: "Povodeň",
            headline: "Povodeň: {river} stúpa na {level} cm",
            description: "Hladina rieky {river} stúpa a dosiahla {level} cm. Voda sa môže vyliať do ulíc pri rieke.",
            instruction: "Opustite domy pri rieke, vezmite si doklady a lieky a choďte do školy na námestí.",
        },
        en: Texts {
            event: "Flood",
            headline: "Flood: the {river} is rising to {level} cm",
            description: "The {river} is rising and has reached {level} cm. Water may flood the streets by the river.",
            instruction: "Leave houses by the river, take your papers and medicines, and go to the school on the square.",
        },
    },
    Kind {
        name: "Únik chemickej látky / Chemical leak",
        description: "A dangerous substance leaks from a plant; people nearby shelter indoors.",
        status: "Actual",
        category: "CBRNE",
        response: "Shelter",
        urgency: "Immediate",
        severity: "Extreme",
        certainty: "Observed",
        signal: "sk-general-danger",
        sk: Texts {
            event: "Únik nebezpečnej látky",
            headline: "Únik látky {substance} v objekte {place}",
            description: "V objekte {place} uniká {substance}. Oblak sa šíri po vetre.",
            instruction: "Zostaňte vnútri, zatvorte okná a dvere, vypnite vetranie a sledujte ďalšie správy.",
        },
        en: Texts {
            event: "Dangerous substance leak",
            headline: "{substance} leaking at {place}",
            description: "{substance} is leaking at {place}. The cloud drifts with the wind.",
            instruction: "Stay indoors, close windows and doors, switch off ventilation and follow further messages.",
        },
    },
    Kind {
        name: "Koniec ohrozenia / All clear",
        description: "The danger is over.",
        status: "Actual",
        category: "Safety",
        response: "AllClear",
        urgency: "Immediate",
        severity: "Minor",
        certainty: "Observed",
        signal: "sk-end-of-danger",
        sk: Texts {
            event: "Koniec ohrozenia",
            headline: "Koniec ohrozenia: {event}",
            description: "Nebezpečenstvo ({event}) pominulo.",
            instruction: "Môžete sa vrátiť k bežnému životu. Pri škodách volajte obecný úrad.",
        },
        en: Texts {
            event: "All clear",
            headline: "All clear: {event}",
            description: "The danger ({event}) is over.",
            instruction: "You may return to normal life. Call the municipal office about any damage.",
        },
    },
    Kind {
        name: "Skúška sirén / Siren test",
        description: "The monthly siren test (a Test message: residents who did not ask for tests get nothing).",
        status: "Test",
        category: "Safety",
        response: "None",
        urgency: "Immediate",
        severity: "Minor",
        certainty: "Observed",
        signal: "sk-audible-test",
        sk: Texts {
            event: "Skúška sirén",
            headline: "Skúška sirén o {time}",
            description: "O {time} sa preskúšajú sirény: dvojminútový stály tón.",
            instruction: "Nič nerobte, je to len skúška.",
        },
        en: Texts {
            event: "Siren test",
            headline: "Siren test at {time}",
            description: "The sirens are tested at {time}: a steady tone for two minutes.",
            instruction: "Do nothing; it is only a test.",
        },
    },
];

fn info(k: &Kind, language: &str, t: &Texts) -> Value {
    json!({
        "language": language,
        "categories": [k.category],
        "event": t.event,
        "responseTypes": [k.response],
        "urgency": k.urgency,
        "severity": k.severity,
        "certainty": k.certainty,
        "senderName": format!("Obec {}", super::town::NAME),
        "headline": t.headline,
        "description": t.description,
        "instruction": t.instruction,
        "parameters": [{ "valueName": "TOCSIN_SIREN_SIGNAL", "value": k.signal }],
    })
}

/// The templates as the API takes them.
pub fn all() -> Vec<Template> {
    KINDS
        .iter()
        .map(|k| Template {
            id: 0,
            name: k.name.into(),
            description: k.description.into(),
            content: json!({ "status": k.status, "infos": [info(k, "sk", &k.sk), info(k, "en", &k.en)] }),
            placeholders: Vec::new(),
        })
        .collect()
}

/// Stores the templates.
pub async fn add(app: &App) -> anyhow::Result<()> {
    for t in all() {
        templates::create(app, &Actor::System, ORIGIN, &t).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::domain::alerts::content::AlertContent;

    #[test]
    fn every_template_is_valid_content_with_the_same_placeholders_in_both_languages() {
        for t in super::all() {
            let c = AlertContent::from_json(t.content.clone()).unwrap();
            assert_eq!(c.infos.len(), 2, "{}", t.name);
            assert!(!c.placeholders().is_empty(), "{}", t.name);
            for info in &t.content["infos"].as_array().unwrap()[..] {
                let one = AlertContent::from_json(serde_json::json!({ "status": "Actual", "infos": [info] })).unwrap();
                assert_eq!(one.placeholders(), c.placeholders(), "{}", t.name);
            }
        }
    }
}
