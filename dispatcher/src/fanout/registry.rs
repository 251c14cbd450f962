//! The channels this instance runs, for the health endpoint and the SMS status callback, and
//! the queue of events (receipts, inbound messages) that channels report.

use std::sync::{Arc, Mutex, RwLock};

use channels::{Channel, Event, EventSender};
use tokio::sync::mpsc::Receiver;

use super::Runtime;
use crate::config::ChannelSettings;

/// Events waiting to be handled at most; a channel reading receipts waits when it is full.
const EVENT_QUEUE: usize = 10_000;

/// The running channels and the event queue.
pub struct Registry {
    running: RwLock<Vec<(Arc<dyn Channel>, ChannelSettings)>>,
    sms_gateway: RwLock<Option<Arc<channels::sms::http_gateway::HttpGateway>>>,
    mqtt: RwLock<Option<Arc<channels::mqtt::Mqtt>>>,
    events: EventSender,
    receiver: Mutex<Option<Receiver<Event>>>,
    /// Issued alerts as commands are built from them (device polls).
    pub payloads: super::payloads::Payloads,
    /// The signals that wake devices' long polls.
    pub devices: super::device_hub::DeviceHub,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("running", &self.names()).finish_non_exhaustive()
    }
}

impl Default for Registry {
    fn default() -> Self {
        let (events, receiver) = tokio::sync::mpsc::channel(EVENT_QUEUE);
        Registry {
            running: RwLock::default(),
            sms_gateway: RwLock::default(),
            mqtt: RwLock::default(),
            events,
            receiver: Mutex::new(Some(receiver)),
            payloads: super::payloads::Payloads::default(),
            devices: super::device_hub::DeviceHub::default(),
        }
    }
}

impl Registry {
    /// Where channels report events.
    pub fn events(&self) -> EventSender {
        self.events.clone()
    }

    /// The event queue's receiving end, once (the first caller handles events).
    pub fn take_receiver(&self) -> Option<Receiver<Event>> {
        self.receiver.lock().ok()?.take()
    }

    /// Records the channels that run.
    pub fn set_running(&self, runtimes: &[Runtime]) {
        if let Ok(mut r) = self.running.write() {
            *r = runtimes.iter().map(|rt| (rt.channel.clone(), rt.settings.clone())).collect();
        }
    }

    /// Records the HTTP SMS gateway, whose status callbacks the API receives.
    pub fn set_sms_gateway(&self, gateway: Arc<channels::sms::http_gateway::HttpGateway>) {
        if let Ok(mut g) = self.sms_gateway.write() {
            *g = Some(gateway);
        }
    }

    /// The HTTP SMS gateway, if SMS goes over one.
    pub fn sms_gateway(&self) -> Option<Arc<channels::sms::http_gateway::HttpGateway>> {
        self.sms_gateway.read().ok()?.clone()
    }

    /// Records the MQTT connection devices also get their commands over.
    pub fn set_mqtt(&self, mqtt: Arc<channels::mqtt::Mqtt>) {
        if let Ok(mut m) = self.mqtt.write() {
            *m = Some(mqtt);
        }
    }

    /// The MQTT connection, if devices get commands over MQTT.
    pub fn mqtt(&self) -> Option<Arc<channels::mqtt::Mqtt>> {
        self.mqtt.read().ok()?.clone()
    }

    /// The running channels.
    pub fn running(&self) -> Vec<(Arc<dyn Channel>, ChannelSettings)> {
        self.running.read().map(|r| r.clone()).unwrap_or_default()
    }

    fn names(&self) -> Vec<&'static str> {
        self.running().iter().map(|(c, _)| c.name()).collect()
    }
}
