//! `[devices]`: sirens and displays: how often they poll, and the national catalogue of siren
//! signals that alerts name.

use serde::{Deserialize, Serialize};

/// One siren signal of the catalogue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    /// What alerts name it by (CAP parameter `TOCSIN_SIREN_SIGNAL`), such as `sk-general-danger`.
    pub code: String,
    /// Its name as people know it.
    pub name: String,
    /// `wavering`, `steady` or `silent`.
    pub pattern: String,
    /// How long it sounds.
    pub seconds: u32,
    /// Whether it ends a danger (what a Cancel or an all-clear sounds).
    #[serde(default)]
    pub end: bool,
    /// Whether scheduled siren tests may sound it (only these may).
    #[serde(default)]
    pub test: bool,
}

/// `[devices.mqtt]`: the broker that devices registered with `mqtt` also get commands from.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Mqtt {
    /// Whether to publish commands to a broker.
    pub enabled: bool,
    /// The broker's host.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// Speak TLS to it.
    pub tls: bool,
    /// A PEM file of the CAs to trust for TLS (empty: the system's).
    pub ca_file: String,
    /// The client id (keep it stable: the broker keeps acks for the session).
    pub client_id: String,
    /// The user name, if the broker wants one.
    pub username: String,
    /// Its password.
    pub password: super::Secret,
}

impl Default for Mqtt {
    fn default() -> Self {
        Mqtt {
            enabled: false,
            host: "127.0.0.1".into(),
            port: 1883,
            tls: false,
            ca_file: String::new(),
            client_id: "tocsin".into(),
            username: String::new(),
            password: super::Secret::default(),
        }
    }
}

/// `[devices]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Devices {
    /// How often a new device polls, in seconds (a device registered with its own keeps that).
    pub poll_seconds: u32,
    /// The signal an alert gets when it names none.
    pub default_signal: String,
    /// The signal catalogue.
    pub signals: Vec<Signal>,
    /// MQTT.
    pub mqtt: Mqtt,
    /// Staff addresses told by email (through `[channels.email]`) when a device goes offline
    /// or comes back.
    pub notify_emails: Vec<String>,
    /// How late a scheduled siren test may still run (the server was down at its time);
    /// later than this it is recorded as missed, not sounded at a surprising hour.
    pub test_grace_minutes: u32,
}

fn signal(code: &str, name: &str, pattern: &str, seconds: u32, end: bool) -> Signal {
    Signal { code: code.into(), name: name.into(), pattern: pattern.into(), seconds, end, test: false }
}

fn test_signal(code: &str, name: &str, pattern: &str, seconds: u32) -> Signal {
    Signal { test: true, ..signal(code, name, pattern, seconds, false) }
}

impl Default for Devices {
    fn default() -> Self {
        Devices {
            poll_seconds: 30,
            default_signal: "sk-general-danger".into(),
            signals: vec![
                signal("sk-general-danger", "Všeobecné ohrozenie", "wavering", 120, false),
                signal("sk-water-danger", "Ohrozenie vodou", "steady", 360, false),
                signal("sk-end-of-danger", "Koniec ohrozenia", "steady", 120, true),
                signal("pl-alarm", "Ogłoszenie alarmu", "wavering", 180, false),
                signal("pl-all-clear", "Odwołanie alarmu", "steady", 180, true),
                test_signal("sk-audible-test", "Preskúšanie sirén", "steady", 120),
                test_signal("silent-test", "Silent test", "silent", 0),
            ],
            mqtt: Mqtt::default(),
            notify_emails: Vec::new(),
            test_grace_minutes: 15,
        }
    }
}
