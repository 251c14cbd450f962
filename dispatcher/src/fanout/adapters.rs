//! Building the configured channels from the settings: webhooks, Web Push (with the stored
//! VAPID key), SMS over SMPP or an HTTP gateway, email over SMTP.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use channels::email::{Email, EmailConfig, Security};
use channels::push::{Push, PushConfig, PushHosts};
use channels::sms::SmsOptions;
use channels::sms::http_gateway::{HttpGateway, HttpGatewayConfig};
use channels::sms::smpp::{Smpp, SmppConfig};

use super::Runtime;
use crate::app::App;
use crate::config::{EmailSettings, SmsSettings};

fn seconds(s: u32) -> Duration {
    Duration::from_secs(u64::from(s.max(1)))
}

/// The channels the settings enable. An error names the setting at fault.
pub async fn configured(app: &App) -> anyhow::Result<Vec<Runtime>> {
    let c = &app.settings.channels;
    let mut out = Vec::new();
    if c.webhook.enabled {
        let hook = channels::webhook::Webhook::new(seconds(c.webhook.timeout_seconds), app.settings.outbound.guard())?;
        out.push(Runtime { channel: Arc::new(hook), settings: c.webhook.clone() });
    }
    if c.push.enabled {
        let vapid = crate::domain::push::vapid_key(app).await.context("loading the VAPID key")?;
        let subject = push_subject(app);
        let timeout = seconds(c.push.timeout_seconds);
        let push = Push::new(PushConfig {
            vapid,
            subject,
            timeout,
            connect_timeout: seconds(c.push.connect_timeout_seconds),
            hosts: PushHosts::new(&c.push.allowed_hosts),
            guard: app.settings.outbound.guard(),
            key_pool: c.push.key_pool,
        })
        .context("channels.push")?;
        out.push(Runtime { channel: Arc::new(push), settings: c.push.limits() });
    }
    // Sirens and displays poll for their commands; these channels make them available.
    for kind in [super::device_channel::DeviceChannel::SIRENS, super::device_channel::DeviceChannel::DISPLAYS] {
        let settings = crate::config::ChannelSettings { concurrency: 256, ..Default::default() };
        out.push(Runtime { channel: Arc::new(kind), settings });
    }
    let m = &app.settings.devices.mqtt;
    if m.enabled && app.channels.mqtt().is_none() {
        let config = channels::mqtt::MqttConfig {
            host: m.host.clone(),
            port: m.port,
            tls: m.tls,
            ca_file: (!m.ca_file.is_empty()).then(|| m.ca_file.clone().into()),
            client_id: m.client_id.clone(),
            username: (!m.username.is_empty()).then(|| m.username.clone()),
            password: (!m.password.is_empty()).then(|| m.password.expose().to_owned()),
            keep_alive: Duration::from_secs(30),
        };
        let mqtt = channels::mqtt::Mqtt::start(config, app.channels.events()).context("devices.mqtt")?;
        app.channels.set_mqtt(Arc::new(mqtt));
    }
    if let Some(cascade) = &app.cascade.channel {
        let settings =
            crate::config::ChannelSettings { concurrency: app.settings.cascade.concurrency, ..Default::default() };
        out.push(Runtime { channel: Arc::new(cascade.clone()), settings });
    }
    if c.sms.enabled {
        out.push(sms(app, &c.sms)?);
    }
    if c.email.enabled {
        let email = Email::new(email_config(&c.email)?).context("channels.email")?;
        out.push(Runtime { channel: Arc::new(email), settings: c.email.limits() });
    }
    Ok(out)
}

/// The VAPID contact: the configured one, else the public URL when it is https, else the CAP
/// sender when it is an address. Push services may refuse pushes without a contact they can reach.
fn push_subject(app: &App) -> String {
    let s = &app.settings;
    if !s.channels.push.subject.is_empty() {
        return s.channels.push.subject.clone();
    }
    if s.server.public_url.starts_with("https://") {
        return s.server.public_url.clone();
    }
    let sender = &s.cap.sender;
    if sender.contains('@') && !sender.chars().any(char::is_whitespace) {
        return format!("mailto:{sender}");
    }
    tracing::warn!("channels.push.subject is not set and neither server.public_url nor cap.sender gives a contact");
    "mailto:operator@invalid".into()
}

fn sms_options(s: &SmsSettings) -> SmsOptions {
    SmsOptions { segment_limit: s.segment_limit, transliterate: s.transliterate }
}

fn sms(app: &App, s: &SmsSettings) -> anyhow::Result<Runtime> {
    let timeout = seconds(s.timeout_seconds);
    if s.provider == "http" {
        let h = &s.http;
        let mut headers: Vec<(String, String)> = h
            .headers
            .iter()
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        if !h.authorization.is_empty() {
            headers.push(("Authorization".into(), h.authorization.expose().to_owned()));
        }
        let gateway = Arc::new(
            HttpGateway::new(HttpGatewayConfig {
                url: h.url.clone(),
                method: h.method.clone(),
                headers,
                content_type: h.content_type.clone(),
                body_template: h.body_template.clone(),
                from: h.from.clone(),
                id_pointer: (!h.id_pointer.is_empty()).then(|| h.id_pointer.clone()),
                status_id_pointer: h.status_id_pointer.clone(),
                status_pointer: h.status_pointer.clone(),
                delivered_values: h.delivered_values.clone(),
                failed_values: h.failed_values.clone(),
                sms: sms_options(s),
                timeout,
            })
            .context("channels.sms.http")?,
        );
        app.channels.set_sms_gateway(gateway.clone());
        return Ok(Runtime { channel: gateway, settings: s.limits() });
    }
    let p = &s.smpp;
    let config = SmppConfig {
        host: p.host.clone(),
        port: p.port,
        tls: p.tls,
        system_id: p.system_id.clone(),
        password: p.password.expose().to_owned(),
        system_type: p.system_type.clone(),
        source_addr: p.source_addr.clone(),
        source_ton: p.source_ton,
        source_npi: p.source_npi,
        binds: p.binds,
        window: p.window,
        rate_per_second: p.rate_per_bind,
        enquire_link: seconds(p.enquire_link_seconds),
        request_receipts: p.delivery_receipts,
        sms: sms_options(s),
        timeout,
    };
    let smpp = Smpp::start(config, app.channels.events()).context("channels.sms.smpp")?;
    Ok(Runtime { channel: Arc::new(smpp), settings: s.limits() })
}

fn email_config(e: &EmailSettings) -> anyhow::Result<EmailConfig> {
    let root_certificate_pem = if e.ca_file.is_empty() {
        None
    } else {
        Some(std::fs::read(&e.ca_file).with_context(|| format!("channels.email.ca_file: reading {}", e.ca_file))?)
    };
    Ok(EmailConfig {
        host: e.host.clone(),
        port: e.port,
        security: match e.security.as_str() {
            "tls" => Security::Tls,
            "none" => Security::None,
            _ => Security::StartTls,
        },
        username: (!e.username.is_empty()).then(|| e.username.clone()),
        password: (!e.password.is_empty()).then(|| e.password.expose().to_owned()),
        from: e.from.clone(),
        reply_to: (!e.reply_to.is_empty()).then(|| e.reply_to.clone()),
        pool_size: e.pool_size,
        timeout: seconds(e.timeout_seconds),
        root_certificate_pem,
    })
}
