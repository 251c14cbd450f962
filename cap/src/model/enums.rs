//! The code values of CAP 1.2 as Rust enums, each written and read as its exact CAP text.

use std::fmt;
use std::str::FromStr;

/// A text that is not one of an enumeration's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not one of: {allowed}")]
pub struct NotAllowed {
    /// The text that was given.
    pub value: String,
    /// The allowed values, comma-separated.
    pub allowed: String,
}

macro_rules! cap_enum {
    ($(#[$m:meta])* $name:ident { $( $(#[$vm:meta])* $variant:ident = $text:literal ),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vm])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every value, in the order of the specification.
            pub const ALL: &'static [$name] = &[$( $name::$variant, )+];

            /// The CAP text of this value.
            pub const fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text, )+ }
            }

            /// The allowed CAP texts, comma-separated, for messages.
            pub fn allowed() -> String {
                [$( $text ),+].join(", ")
            }
        }

        impl FromStr for $name {
            type Err = NotAllowed;
            fn from_str(s: &str) -> Result<Self, NotAllowed> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    _ => Err(NotAllowed { value: s.to_owned(), allowed: Self::allowed() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

cap_enum! {
    /// `status`: the code denoting the appropriate handling of the alert message.
    Status {
        /// Actionable by all targeted recipients.
        Actual = "Actual",
        /// Actionable only by designated exercise participants.
        Exercise = "Exercise",
        /// For messages that support alert network internal functions.
        System = "System",
        /// Technical testing only, all recipients disregard.
        Test = "Test",
        /// A preliminary template or draft, not actionable in its current form.
        Draft = "Draft",
    }
}

cap_enum! {
    /// `msgType`: the code denoting the nature of the alert message.
    MsgType {
        /// Initial information requiring attention by targeted recipients.
        Alert = "Alert",
        /// Updates and supersedes the earlier message(s) identified in references.
        Update = "Update",
        /// Cancels the earlier message(s) identified in references.
        Cancel = "Cancel",
        /// Acknowledges receipt and acceptance of the message(s) identified in references.
        Ack = "Ack",
        /// Indicates rejection of the message(s) identified in references.
        Error = "Error",
    }
}

cap_enum! {
    /// `scope`: the code denoting the intended distribution of the alert message.
    Scope {
        /// For general dissemination to unrestricted audiences.
        Public = "Public",
        /// For dissemination only to users with a known operational requirement.
        Restricted = "Restricted",
        /// For dissemination only to specified addresses.
        Private = "Private",
    }
}

cap_enum! {
    /// `category`: the code denoting the category of the subject event.
    Category {
        /// Geophysical (including landslide).
        Geo = "Geo",
        /// Meteorological (including flood).
        Met = "Met",
        /// General emergency and public safety.
        Safety = "Safety",
        /// Law enforcement, military, homeland and local/private security.
        Security = "Security",
        /// Rescue and recovery.
        Rescue = "Rescue",
        /// Fire suppression and rescue.
        Fire = "Fire",
        /// Medical and public health.
        Health = "Health",
        /// Pollution and other environmental.
        Env = "Env",
        /// Public and private transportation.
        Transport = "Transport",
        /// Utility, telecommunication, other non-transport infrastructure.
        Infra = "Infra",
        /// Chemical, Biological, Radiological, Nuclear or High-Yield Explosive threat or attack.
        Cbrne = "CBRNE",
        /// Other events.
        Other = "Other",
    }
}

cap_enum! {
    /// `responseType`: the code denoting the type of action recommended for the target audience.
    ResponseType {
        /// Take shelter in place or per instruction.
        Shelter = "Shelter",
        /// Relocate as instructed.
        Evacuate = "Evacuate",
        /// Make preparations per instruction.
        Prepare = "Prepare",
        /// Execute a pre-planned activity identified in instruction.
        Execute = "Execute",
        /// Avoid the subject event as per instruction.
        Avoid = "Avoid",
        /// Attend to information sources as described in instruction.
        Monitor = "Monitor",
        /// Evaluate the information in this message.
        Assess = "Assess",
        /// The subject event no longer poses a threat or concern.
        AllClear = "AllClear",
        /// No action recommended.
        None = "None",
    }
}

cap_enum! {
    /// `urgency`: the code denoting the urgency of the subject event.
    Urgency {
        /// Responsive action should be taken immediately.
        Immediate = "Immediate",
        /// Responsive action should be taken soon (within next hour).
        Expected = "Expected",
        /// Responsive action should be taken in the near future.
        Future = "Future",
        /// Responsive action is no longer required.
        Past = "Past",
        /// Urgency not known.
        Unknown = "Unknown",
    }
}

cap_enum! {
    /// `severity`: the code denoting the severity of the subject event.
    Severity {
        /// Extraordinary threat to life or property.
        Extreme = "Extreme",
        /// Significant threat to life or property.
        Severe = "Severe",
        /// Possible threat to life or property.
        Moderate = "Moderate",
        /// Minimal to no known threat to life or property.
        Minor = "Minor",
        /// Severity unknown.
        Unknown = "Unknown",
    }
}

cap_enum! {
    /// `certainty`: the code denoting the certainty of the subject event.
    Certainty {
        /// Determined to have occurred or to be ongoing.
        Observed = "Observed",
        /// Likely (p > ~50%).
        Likely = "Likely",
        /// Possible but not likely (p <= ~50%).
        Possible = "Possible",
        /// Not expected to occur (p ~ 0).
        Unlikely = "Unlikely",
        /// Certainty unknown.
        Unknown = "Unknown",
    }
}

impl Severity {
    /// Rank for comparisons: Extreme 4, Severe 3, Moderate 2, Minor 1, Unknown 0.
    pub const fn rank(self) -> u8 {
        match self {
            Severity::Extreme => 4,
            Severity::Severe => 3,
            Severity::Moderate => 2,
            Severity::Minor => 1,
            Severity::Unknown => 0,
        }
    }
}

impl MsgType {
    /// Whether this type of message must name earlier messages in `references`.
    pub const fn requires_references(self) -> bool {
        !matches!(self, MsgType::Alert)
    }
}
