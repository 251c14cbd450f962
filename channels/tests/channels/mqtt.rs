//! The MQTT publisher against the machine's Mosquitto on 127.0.0.1:1883: a retained command
//! reaches a subscriber that connects later, at QoS 1, and acks that devices publish become
//! events (bad ones are ignored).

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use channels::mqtt::{Mqtt, MqttConfig, commands_topic};
use channels::{Event, HealthState};
use rumqttc::{AsyncClient, EventLoop, MqttOptions, Packet, QoS};
use tokio::sync::mpsc;

const BROKER_PORT: u16 = 1883;

/// Mosquitto on loopback, or a skip (a failure under CI).
fn broker() -> Option<()> {
    if std::net::TcpStream::connect(("127.0.0.1", BROKER_PORT)).is_ok() {
        return Some(());
    }
    crate::support::absent("an MQTT broker on 127.0.0.1:1883 (mosquitto -d -p 1883)")
}

/// A device id no earlier run used, so that retained messages of other runs do not interfere.
fn fresh_device_id() -> i64 {
    static NEXT: AtomicI64 = AtomicI64::new(0);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros() as i64;
    now * 10 + NEXT.fetch_add(1, Ordering::Relaxed)
}

fn config(name: &str) -> MqttConfig {
    MqttConfig {
        host: "127.0.0.1".into(),
        port: BROKER_PORT,
        tls: false,
        ca_file: None,
        client_id: format!("tocsin-test-{name}-{}", fresh_device_id()),
        username: None,
        password: None,
        keep_alive: Duration::from_secs(30),
    }
}

/// Starts the publisher and waits until it is subscribed to the acks.
async fn start(name: &str) -> (Mqtt, mpsc::Receiver<Event>) {
    let (tx, rx) = mpsc::channel(16);
    let mqtt = Mqtt::start(config(name), tx).unwrap();
    for _ in 0..200 {
        if mqtt.health().state == HealthState::Up {
            return (mqtt, rx);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the publisher did not connect: {:?}", mqtt.health());
}

/// A device's own MQTT client, independent of the publisher.
fn device(name: &str) -> (AsyncClient, EventLoop) {
    let opts = MqttOptions::new(format!("device-{name}-{}", fresh_device_id()), "127.0.0.1", BROKER_PORT);
    AsyncClient::new(opts, 16)
}

/// Polls a client until the broker delivers a publish.
async fn next_publish(eventloop: &mut EventLoop) -> rumqttc::Publish {
    loop {
        if let rumqttc::Event::Incoming(Packet::Publish(p)) = eventloop.poll().await.unwrap() {
            return p;
        }
    }
}

/// Polls a client until the broker has acknowledged its subscription or publish.
async fn until(eventloop: &mut EventLoop, done: impl Fn(&Packet) -> bool) {
    loop {
        if let rumqttc::Event::Incoming(p) = eventloop.poll().await.unwrap()
            && done(&p)
        {
            return;
        }
    }
}

#[tokio::test]
async fn a_retained_command_reaches_a_device_that_connects_later() {
    let Some(()) = broker() else { return };
    let (mqtt, _events) = start("retained").await;
    let id = fresh_device_id();
    let command = br#"{"commands":[{"id":4711,"signal":{"code":"sk-general-danger"}}]}"#.to_vec();
    mqtt.publish_command(id, command.clone()).await.unwrap();

    // The device connects only now; the broker hands it the retained command.
    let (client, mut eventloop) = device("later");
    client.subscribe(commands_topic(id), QoS::AtLeastOnce).await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(10), next_publish(&mut eventloop)).await.unwrap();
    assert_eq!(got.topic, format!("tocsin/devices/{id}/commands"));
    assert_eq!(&got.payload[..], &command[..]);
    assert!(got.retain, "the command is retained");
    assert_eq!(got.qos, QoS::AtLeastOnce);

    // An empty payload clears it: a device connecting after that gets nothing retained.
    mqtt.publish_command(id, Vec::new()).await.unwrap();
    // The first device, still subscribed, sees the clearing message: the broker has it.
    let cleared = tokio::time::timeout(Duration::from_secs(10), next_publish(&mut eventloop)).await.unwrap();
    assert!(cleared.payload.is_empty());
    let (late, mut late_loop) = device("after-clear");
    let marker = br#"{"commands":[]}"#.to_vec();
    late.subscribe(commands_topic(id), QoS::AtLeastOnce).await.unwrap();
    until(&mut late_loop, |p| matches!(p, Packet::SubAck(_))).await;
    // The first message it sees is the one published after it subscribed, not a retained one.
    mqtt.publish_command(id, marker.clone()).await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(10), next_publish(&mut late_loop)).await.unwrap();
    assert_eq!(&got.payload[..], &marker[..]);
    assert!(!got.retain, "a live message, not a retained one");
    mqtt.publish_command(id, Vec::new()).await.unwrap();
}

#[tokio::test]
async fn acks_from_devices_become_events_and_bad_ones_are_ignored() {
    let Some(()) = broker() else { return };
    let (_mqtt, mut events) = start("acks").await;
    let id = fresh_device_id();
    let (client, mut eventloop) = device("acker");
    let topic = format!("tocsin/devices/{id}/acks");
    for payload in [
        &b"not json"[..],
        br#"{"command":"x","state":"received"}"#,
        br#"{"command":4711,"state":"failed","reason":"amplifier fault"}"#,
    ] {
        client.publish(&topic, QoS::AtLeastOnce, false, payload.to_vec()).await.unwrap();
        until(&mut eventloop, |p| matches!(p, Packet::PubAck(_))).await;
    }

    let got = tokio::time::timeout(Duration::from_secs(10), events.recv()).await.unwrap().unwrap();
    assert_eq!(
        got,
        Event::DeviceAck {
            device_id: id,
            command: 4711,
            state: "failed".into(),
            reason: Some("amplifier fault".into())
        }
    );
}

#[tokio::test]
async fn an_unreachable_broker_is_down_health() {
    let (tx, _rx) = mpsc::channel(1);
    let mut c = config("down");
    c.port = crate::support::free_port();
    let mqtt = Mqtt::start(c, tx).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mqtt.health().state, HealthState::Down);
    // Publishing still queues rather than failing: the command goes out once the broker is back.
    mqtt.publish_command(1, b"{}".to_vec()).await.unwrap();
}
