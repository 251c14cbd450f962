//! Acknowledgements that arrive over MQTT (as `Event::DeviceAck` from the MQTT channel, whose
//! own tests run against Mosquitto) move a device's delivery like `POST /api/v1/device/ack`;
//! an ack for a device that does not use MQTT, or for another device's command, is dropped.

use std::time::Duration;

use channels::Event;
use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::lifecycle::{approve_and_issue, submitted};
use crate::on_both;
use crate::support::{Auth, Session, TestApp, content};

async fn siren(t: &TestApp, op: &Session, name: &str, mqtt: bool) -> (i64, String) {
    let body = json!({ "kind": "siren", "name": name, "lat": 48.15, "lon": 17.1, "mqtt": mqtt });
    let r = t.post("/api/v1/devices", Auth::Session(op), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    (v["device"]["id"].as_i64().unwrap(), v["secret"].as_str().unwrap().to_owned())
}

/// The device's first command id, polled for.
async fn command(t: &TestApp, secret: &str) -> i64 {
    let client = reqwest::Client::new();
    for _ in 0..100 {
        let r = client.get(format!("{}/api/v1/device/poll?wait=1", t.base)).bearer_auth(secret).send().await.unwrap();
        let v: Value = r.json().await.unwrap();
        if let Some(id) = v["commands"][0]["id"].as_i64() {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no command reached the siren");
}

async fn siren_states(t: &TestApp, s: &Session, alert: i64) -> Value {
    t.get(&format!("/api/v1/alerts/{alert}/deliveries"), Auth::Session(s)).await.json()["channels"]["siren"].clone()
}

fn ack(device_id: i64, command: i64, state: &str) -> Event {
    Event::DeviceAck { device_id, command, state: state.into(), reason: None }
}

on_both!(mqtt_acks_move_deliveries_of_mqtt_devices_only, |t: TestApp| async move {
    let op = t.user("olga", &[Role::Operator]).await;
    let author = t.user("ana", &[Role::Author]).await;
    let approver = t.user("boris", &[Role::Approver]).await;
    let (mqtt_id, mqtt_secret) = siren(&t, &op, "MQTT siren", true).await;
    let (http_id, http_secret) = siren(&t, &op, "HTTP siren", false).await;
    let alert = approve_and_issue(&t, &approver, &submitted(&t, &author, content("Actual")).await).await["id"]
        .as_i64()
        .unwrap();
    let (on_mqtt, on_http) = (command(&t, &mqtt_secret).await, command(&t, &http_secret).await);

    let handle = dispatcher::fanout::events::handle;
    handle(&t.app, &ack(mqtt_id, on_mqtt, "started")).await.unwrap();
    // Dropped, not retried: a device without MQTT, another device's command, an unknown state.
    handle(&t.app, &ack(http_id, on_http, "started")).await.unwrap();
    handle(&t.app, &ack(mqtt_id, on_http, "started")).await.unwrap();
    handle(&t.app, &ack(mqtt_id, on_mqtt, "exploded")).await.unwrap();

    let states = siren_states(&t, &approver, alert).await;
    assert_eq!(states["acknowledged"], 1, "only the MQTT siren's own ack counted: {states}");
});

/// Whether Mosquitto listens on 127.0.0.1:1883: a skip on a user's machine, required under CI.
fn broker() -> bool {
    if std::net::TcpStream::connect(("127.0.0.1", 1883)).is_ok() {
        return true;
    }
    assert!(std::env::var_os("TOCSIN_CI").is_none(), "an MQTT broker on 127.0.0.1:1883 is required under CI");
    eprintln!("skipping: no MQTT broker on 127.0.0.1:1883");
    false
}

#[tokio::test]
async fn mqtt_devices_get_their_commands_retained() {
    use rumqttc::{AsyncClient, Event as MqttEvent, MqttOptions, Packet, QoS};
    if !broker() {
        return;
    }
    let unique = format!("{}-{}", std::process::id(), dispatcher::db::now_ms());
    let Some(t) = crate::support::spawn_with(crate::support::Backend::Sqlite, |s| {
        s.devices.mqtt.enabled = true;
        s.devices.mqtt.client_id = format!("tocsin-test-{unique}");
    })
    .await
    else {
        return;
    };
    let op = t.user("olga", &[Role::Operator]).await;
    let author = t.user("ana", &[Role::Author]).await;
    let approver = t.user("boris", &[Role::Approver]).await;
    let name = format!("MQTT siren {unique}");
    let (id, _) = siren(&t, &op, &name, true).await;
    let alert = approve_and_issue(&t, &approver, &submitted(&t, &author, content("Actual")).await).await["id"]
        .as_i64()
        .unwrap();

    // A device that connects after the command was published still gets it (retained, QoS 1).
    let (client, mut events) = AsyncClient::new(MqttOptions::new(format!("device-{unique}"), "127.0.0.1", 1883), 16);
    client.subscribe(format!("tocsin/devices/{id}/commands"), QoS::AtLeastOnce).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut got = None;
    while tokio::time::Instant::now() < deadline {
        let Ok(Ok(event)) = tokio::time::timeout(Duration::from_secs(1), events.poll()).await else { continue };
        if let MqttEvent::Incoming(Packet::Publish(p)) = event {
            let Ok(v) = serde_json::from_slice::<Value>(&p.payload) else { continue };
            // Other tests share the broker and device ids: only this device's message counts.
            if v["device"]["name"] == name.as_str() && v["commands"][0]["alertId"] == alert {
                got = Some((v, p.qos));
                break;
            }
        }
    }
    let (v, qos) = got.expect("the siren's command arrived over MQTT");
    assert_eq!(qos, QoS::AtLeastOnce);
    assert_eq!(v["commands"][0]["signal"]["code"], "sk-general-danger");
    let op_view = t.get("/api/v1/channels", Auth::Session(&op)).await.json();
    assert!(op_view.as_array().unwrap().iter().any(|c| c["name"] == "mqtt"), "{op_view}");
}
