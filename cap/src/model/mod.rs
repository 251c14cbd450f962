//! The typed model of a CAP 1.2 message: every element and its content.
//!
//! Value types check their own rules when they are made, so a model never holds a malformed
//! identifier, time, polygon or URI. Rules that relate several elements (scope and
//! restriction, msgType and references, ceiling and altitude, the order of times) are checked
//! by [`crate::validate`], because a message that breaks them can still be read and relayed.
//!
//! The JSON form (serde) uses the CAP element names in camelCase; repeated elements become
//! arrays named in the plural (`infos`, `areas`, `polygons`, ...); see `docs/cap-json.md`.

mod enums;
mod reference;
mod time;
mod values;

use serde::{Deserialize, Serialize};

pub use enums::{Category, Certainty, MsgType, NotAllowed, ResponseType, Scope, Severity, Status, Urgency};
pub use reference::{Reference, join_group, split_group};
pub use time::{CapDateTime, Deviation, MalformedDateTime};
pub use values::{
    AbsoluteUri, DerefUri, Digest, Identifier, InvalidValue, Language, MimeType, NamedValue, Sender, Signature,
    is_absolute_uri,
};

use crate::geo::{Circle, Polygon};

/// `alert`: one CAP message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// A number or string uniquely identifying this message, assigned by the sender.
    pub identifier: Identifier,
    /// The identifier of the originator of the alert.
    pub sender: Sender,
    /// The time and date of the origination of the alert message.
    pub sent: CapDateTime,
    /// The appropriate handling of the alert message.
    pub status: Status,
    /// The nature of the alert message.
    pub msg_type: MsgType,
    /// The particular source of this alert, for example an operator or a specific device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The intended distribution of the alert message.
    pub scope: Scope,
    /// The rule for limiting distribution of a Restricted message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restriction: Option<String>,
    /// The intended recipients of a Private message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// Codes denoting special handling of the message (`code`, repeated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    /// Text describing the purpose or significance of the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Earlier messages this one refers to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// Names of the incidents this message concerns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incidents: Vec<String>,
    /// The information blocks, typically one per language.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub infos: Vec<Info>,
    /// XML signatures, kept byte for byte.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<Signature>,
}

impl Alert {
    /// This message as a reference from a later one.
    pub fn as_reference(&self) -> Reference {
        Reference { sender: self.sender.clone(), identifier: self.identifier.clone(), sent: self.sent }
    }

    /// Whether the message is for real (status Actual), not a test, exercise or draft.
    pub fn is_actual(&self) -> bool {
        self.status == Status::Actual
    }
}

/// `info`: what the alert says, in one language.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    /// The language of this block; absent means `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// The categories of the subject event (at least one).
    pub categories: Vec<Category>,
    /// The type of the subject event.
    pub event: String,
    /// The recommended actions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_types: Vec<ResponseType>,
    /// The urgency of the subject event.
    pub urgency: Urgency,
    /// The severity of the subject event.
    pub severity: Severity,
    /// The certainty of the subject event.
    pub certainty: Certainty,
    /// The intended audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// System-specific codes for the event type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_codes: Vec<NamedValue>,
    /// When the information becomes effective.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<CapDateTime>,
    /// The expected time of the beginning of the subject event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset: Option<CapDateTime>,
    /// When the information expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<CapDateTime>,
    /// The human-readable name of the agency or authority issuing this alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<String>,
    /// A brief human-readable headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    /// An extended description of the hazard or event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The recommended action for the recipients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction: Option<String>,
    /// A page with additional information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web: Option<AbsoluteUri>,
    /// Contact for follow-up and confirmation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// System-specific additional parameters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<NamedValue>,
    /// Supplemental files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resource>,
    /// The affected areas.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<Area>,
}

impl Info {
    /// The language tag, `en-US` when absent as CAP specifies.
    pub fn language_or_default(&self) -> &str {
        self.language.as_ref().map_or("en-US", Language::as_str)
    }

    /// The first parameter with this valueName.
    pub fn parameter(&self, value_name: &str) -> Option<&str> {
        self.parameters.iter().find(|p| p.value_name == value_name).map(|p| p.value.as_str())
    }
}

/// `resource`: a supplemental file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// The type and content of the resource file.
    pub resource_desc: String,
    /// The MIME content type and sub-type.
    pub mime_type: MimeType,
    /// The size of the file in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Where to get the file, or (relative) the name of the derefUri content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// The file itself, base-64 encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deref_uri: Option<DerefUri>,
    /// The SHA-1 digest of the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
}

/// `area`: an affected geographic area.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Area {
    /// The text describing the area.
    pub area_desc: String,
    /// Polygons delineating the area.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub polygons: Vec<Polygon>,
    /// Circles delineating the area.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub circles: Vec<Circle>,
    /// Geographic codes delineating the area.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub geocodes: Vec<NamedValue>,
    /// The specific or minimum altitude of the area, in feet above mean sea level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude: Option<f64>,
    /// The maximum altitude of the area, in feet above mean sea level; only with `altitude`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceiling: Option<f64>,
}

impl Area {
    /// An area with only a description.
    pub fn described(area_desc: impl Into<String>) -> Self {
        Area {
            area_desc: area_desc.into(),
            polygons: Vec::new(),
            circles: Vec::new(),
            geocodes: Vec::new(),
            altitude: None,
            ceiling: None,
        }
    }

    /// Whether the area has a polygon or circle.
    pub fn has_shape(&self) -> bool {
        !self.polygons.is_empty() || !self.circles.is_empty()
    }
}
