//! MQTT for sirens and displays registered with `mqtt: true`: each device's commands are
//! published retained at QoS 1 to `tocsin/devices/{id}/commands`, and acknowledgements that
//! devices publish to `tocsin/devices/{id}/acks` become [`Event::DeviceAck`]s. Polling over HTTP
//! stays the device protocol's main path; MQTT is a second way in, so a publish is queued in the
//! client and reaches the broker when the connection is up.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rumqttc::{AsyncClient, ConnectionError, EventLoop, MqttOptions, Packet, QoS, TlsConfiguration, Transport};
use tokio::task::JoinHandle;

use crate::{Event, EventSender, Health};

/// The topic filter Tocsin subscribes to for acknowledgements.
pub const ACKS_FILTER: &str = "tocsin/devices/+/acks";

/// Commands carry texts in several languages; rumqttc's default limit of 10 KB is too small.
const MAX_PACKET: usize = 256 * 1024;
/// Publishes queued in the client before `publish_command` waits (one alert may reach
/// thousands of devices at once).
const QUEUE: usize = 1024;
/// The longest pause between two connection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// How to reach the broker.
#[derive(Clone)]
pub struct MqttConfig {
    /// The broker's host name or address.
    pub host: String,
    /// Its port (1883 plain, 8883 TLS by custom).
    pub port: u16,
    /// Whether to speak TLS.
    pub tls: bool,
    /// PEM file with the certificate authorities to trust for TLS (the system bundle when
    /// absent).
    pub ca_file: Option<PathBuf>,
    /// The client id; stable across restarts, so the broker keeps the session (and the acks
    /// that arrive while Tocsin is away).
    pub client_id: String,
    /// The user name, when the broker wants one.
    pub username: Option<String>,
    /// The password, when the broker wants one.
    pub password: Option<String>,
    /// How often to ping an idle connection.
    pub keep_alive: Duration,
}

impl std::fmt::Debug for MqttConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MqttConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("ca_file", &self.ca_file)
            .field("client_id", &self.client_id)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("keep_alive", &self.keep_alive)
            .finish()
    }
}

/// What can go wrong starting the client or publishing.
#[derive(Debug)]
pub enum MqttError {
    /// The configuration cannot work.
    Config(String),
    /// The CA file could not be read.
    CaFile {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The client's background task has stopped, so nothing can be published.
    Stopped,
}

impl std::fmt::Display for MqttError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MqttError::Config(problem) => write!(f, "MQTT configuration: {problem}"),
            MqttError::CaFile { path, source } => write!(f, "MQTT: cannot read the CA file {path}: {source}"),
            MqttError::Stopped => write!(f, "MQTT: the client has stopped"),
        }
    }
}

impl std::error::Error for MqttError {}

/// The system's bundle of certificate authorities (Debian and derivatives).
const SYSTEM_CA: &str = "/etc/ssl/certs/ca-certificates.crt";

/// A connection to the broker, kept up in the background.
pub struct Mqtt {
    client: AsyncClient,
    state: Arc<Mutex<Link>>,
    task: JoinHandle<()>,
}

/// The connection's state, as health shows it.
#[derive(Clone, Debug)]
enum Link {
    Connecting,
    /// Connected and subscribed to the acks.
    Up,
    Down(String),
}

impl Mqtt {
    /// Starts connecting in the background (with reconnection) and subscribes to the devices'
    /// acknowledgements, which go to `events`. Must be called within a Tokio runtime.
    pub fn start(config: MqttConfig, events: EventSender) -> Result<Mqtt, MqttError> {
        let options = options(&config)?;
        let (client, eventloop) = AsyncClient::new(options, QUEUE);
        let state = Arc::new(Mutex::new(Link::Connecting));
        let task = tokio::spawn(run(eventloop, client.clone(), state.clone(), events));
        Ok(Mqtt { client, state, task })
    }

    /// Publishes a device's commands (the poll answer's JSON) retained at QoS 1 to
    /// `tocsin/devices/{id}/commands`; an empty `json` clears the retained message when the
    /// device has nothing to do. Queued while the broker is unreachable.
    pub async fn publish_command(&self, device_id: i64, json: Vec<u8>) -> Result<(), MqttError> {
        let topic = commands_topic(device_id);
        self.client.publish(topic, QoS::AtLeastOnce, true, json).await.map_err(|_| MqttError::Stopped)
    }

    /// Up when connected and subscribed to the acknowledgements, down otherwise.
    pub fn health(&self) -> Health {
        match &*self.state.lock().unwrap_or_else(PoisonError::into_inner) {
            Link::Up => Health::up("connected to the MQTT broker"),
            Link::Connecting => Health::down("connecting to the MQTT broker"),
            Link::Down(why) => Health::down(format!("not connected to the MQTT broker: {why}")),
        }
    }
}

impl Drop for Mqtt {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The topic a device's commands are published to.
pub fn commands_topic(device_id: i64) -> String {
    format!("tocsin/devices/{device_id}/commands")
}

fn options(config: &MqttConfig) -> Result<MqttOptions, MqttError> {
    if config.client_id.is_empty() {
        return Err(MqttError::Config("the client id must not be empty".into()));
    }
    let mut options = MqttOptions::new(&config.client_id, &config.host, config.port);
    options
        .set_keep_alive(config.keep_alive.max(Duration::from_secs(5)))
        .set_clean_session(false)
        .set_max_packet_size(MAX_PACKET, MAX_PACKET);
    if let Some(user) = &config.username {
        options.set_credentials(user, config.password.clone().unwrap_or_default());
    }
    if config.tls {
        let path = config.ca_file.clone().unwrap_or_else(|| PathBuf::from(SYSTEM_CA));
        let ca =
            std::fs::read(&path).map_err(|source| MqttError::CaFile { path: path.display().to_string(), source })?;
        options.set_transport(Transport::tls_with_config(TlsConfiguration::Simple {
            ca,
            alpn: None,
            client_auth: None,
        }));
    }
    Ok(options)
}

/// Drives the connection: subscribes after each connect, turns acks into events, and waits
/// with backoff after an error (the next poll reconnects).
async fn run(mut eventloop: EventLoop, client: AsyncClient, state: Arc<Mutex<Link>>, events: EventSender) {
    let mut backoff = Duration::from_millis(500);
    loop {
        match eventloop.poll().await {
            Ok(rumqttc::Event::Incoming(packet)) => {
                backoff = Duration::from_millis(500);
                if !incoming(packet, &client, &state, &events).await {
                    return;
                }
            }
            Ok(rumqttc::Event::Outgoing(_)) => {}
            Err(e) => {
                let why = describe(&e);
                tracing::warn!(error = %why, "MQTT connection lost; reconnecting in {backoff:?}");
                set(&state, Link::Down(why));
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Handles one packet from the broker; false when the dispatcher no longer takes events.
async fn incoming(packet: Packet, client: &AsyncClient, state: &Mutex<Link>, events: &EventSender) -> bool {
    match packet {
        Packet::ConnAck(_) => {
            // Subscribing again after each connect is harmless and covers a broker that lost
            // the session.
            if let Err(e) = client.try_subscribe(ACKS_FILTER, QoS::AtLeastOnce) {
                tracing::warn!(error = %e, "MQTT: could not subscribe to the acknowledgements");
            }
        }
        Packet::SubAck(_) => set(state, Link::Up),
        Packet::Publish(p) => {
            if let Some(event) = parse_ack(&p.topic, &p.payload) {
                return events.send(event).await.is_ok();
            }
        }
        _ => {}
    }
    true
}

fn set(state: &Mutex<Link>, link: Link) {
    *state.lock().unwrap_or_else(PoisonError::into_inner) = link;
}

fn describe(e: &ConnectionError) -> String {
    match e {
        ConnectionError::ConnectionRefused(code) => format!("the broker refused the connection ({code:?})"),
        other => other.to_string(),
    }
}

/// An acknowledgement as a device publishes it: the same JSON as `POST /api/v1/device/ack`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Ack {
    command: i64,
    state: String,
    #[serde(default)]
    reason: Option<String>,
}

/// The event for an ack published on `tocsin/devices/{id}/acks`; `None` (logged) for another
/// topic or a payload that is not an ack.
pub fn parse_ack(topic: &str, payload: &[u8]) -> Option<Event> {
    let Some(device_id) = ack_topic_device(topic) else {
        tracing::warn!(topic, "MQTT: ignored a message on an unexpected topic");
        return None;
    };
    match serde_json::from_slice::<Ack>(payload) {
        Ok(ack) => Some(Event::DeviceAck { device_id, command: ack.command, state: ack.state, reason: ack.reason }),
        Err(e) => {
            tracing::warn!(device_id, error = %e, "MQTT: ignored an acknowledgement that is not valid JSON of an ack");
            None
        }
    }
}

fn ack_topic_device(topic: &str) -> Option<i64> {
    let id = topic.strip_prefix("tocsin/devices/")?.strip_suffix("/acks")?;
    id.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acks_are_parsed_from_topic_and_payload() {
        let e = parse_ack("tocsin/devices/12/acks", br#"{"command":4711,"state":"failed","reason":"amp"}"#);
        assert_eq!(
            e,
            Some(Event::DeviceAck { device_id: 12, command: 4711, state: "failed".into(), reason: Some("amp".into()) })
        );
        let e = parse_ack("tocsin/devices/3/acks", br#"{"command":1,"state":"received"}"#);
        assert!(matches!(e, Some(Event::DeviceAck { device_id: 3, reason: None, .. })));
    }

    #[test]
    fn bad_acks_are_ignored() {
        assert_eq!(parse_ack("tocsin/devices/x/acks", br#"{"command":1,"state":"received"}"#), None);
        assert_eq!(parse_ack("tocsin/devices/1/commands", br#"{"command":1,"state":"received"}"#), None);
        assert_eq!(parse_ack("tocsin/devices/1/acks", b"not json"), None);
        assert_eq!(parse_ack("tocsin/devices/1/acks", br#"{"command":"a","state":"received"}"#), None);
        assert_eq!(parse_ack("tocsin/devices/1/acks", br#"{"state":"received"}"#), None);
    }

    #[test]
    fn the_password_is_not_printed() {
        let c = MqttConfig {
            host: "broker".into(),
            port: 1883,
            tls: false,
            ca_file: None,
            client_id: "tocsin".into(),
            username: Some("tocsin".into()),
            password: Some("hunter2".into()),
            keep_alive: Duration::from_secs(30),
        };
        let printed = format!("{c:?}");
        assert!(!printed.contains("hunter2") && printed.contains("[redacted]"), "{printed}");
    }
}
