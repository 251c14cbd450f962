//! What the SMSC sends us: deliver_sm carrying a delivery receipt or a message from a phone,
//! turned into [`Event`]s; each is answered with deliver_sm_resp only once its event is
//! queued, so that a receipt is never acknowledged and then lost.

use futures_util::{Stream, StreamExt};
use rusmpp::Pdu;
use rusmpp::pdus::{DeliverSm, DeliverSmResp};
use rusmpp::tlvs::TlvValue;
use rusmpp::values::{MessageState, Ton};
use rusmppc::Client;

use super::submit::connection_problem;
use crate::sms::gsm;
use crate::{Event, EventSender};

/// Reads what the SMSC sends until the connection ends.
pub async fn serve(client: &Client, mut incoming: impl Stream<Item = rusmppc::Event> + Unpin, events: &EventSender) {
    while let Some(event) = incoming.next().await {
        let command = match event {
            rusmppc::Event::Incoming(command) => command,
            rusmppc::Event::Error(e) => {
                tracing::warn!(problem = %connection_problem(&e), "SMPP connection error");
                continue;
            }
        };
        let sequence = command.sequence_number();
        match command.pdu() {
            Some(Pdu::DeliverSm(deliver)) => {
                if let Some(event) = event_of(deliver)
                    && events.send(event).await.is_err()
                {
                    // Nobody takes events any more: leave the PDU unanswered so the SMSC
                    // delivers it again later.
                    tracing::warn!("SMPP: deliver_sm not acknowledged, the event queue is closed");
                    continue;
                }
                if let Err(e) = client.deliver_sm_resp(sequence, DeliverSmResp::default()).await {
                    tracing::warn!(problem = %connection_problem(&e), "SMPP: deliver_sm_resp not sent");
                }
            }
            Some(Pdu::Unbind) => {
                tracing::info!("SMPP: the SMSC unbinds");
                let _ = client.unbind_resp(sequence).await;
                return;
            }
            _ => {}
        }
    }
}

/// The event a deliver_sm carries: a receipt (message type bits 0x04, or a
/// receipted_message_id) or a mobile-originated message; `None` for an intermediate receipt
/// or one that names no message.
pub fn event_of(d: &DeliverSm) -> Option<Event> {
    let esm_class = u8::from(d.esm_class);
    let mut receipted_id = None;
    let mut state = None;
    let mut payload = None;
    for tlv in d.tlvs() {
        match tlv.value() {
            Some(TlvValue::ReceiptedMessageId(id)) => receipted_id = Some(text_of(id.as_ref())),
            Some(TlvValue::MessageState(s)) => state = Some(*s),
            Some(TlvValue::MessagePayload(p)) => payload = Some(p.value.as_ref().to_vec()),
            _ => {}
        }
    }
    let short_message = d.short_message().as_ref();
    if esm_class & 0x3C == 0x04 || receipted_id.is_some() {
        // Receipts are ASCII in practice whatever the data_coding says.
        let text = receipt_text(&gsm::decode_latin1(short_message));
        return receipt(receipted_id, state, text);
    }
    let body = if short_message.is_empty() { payload.as_deref().unwrap_or_default() } else { short_message };
    let body = if esm_class & 0x40 != 0 { skip_udh(body) } else { body };
    let source = text_of(d.source_addr.as_ref());
    let from =
        if d.source_addr_ton == Ton::International && !source.starts_with('+') { format!("+{source}") } else { source };
    Some(Event::Inbound { channel: "sms", from, text: decode(u8::from(d.data_coding), body) })
}

fn receipt(receipted_id: Option<String>, state: Option<MessageState>, text: Option<ReceiptText>) -> Option<Event> {
    let provider_id = receipted_id.filter(|i| !i.is_empty()).or_else(|| text.as_ref().map(|t| t.id.clone()))?;
    let stat = text.as_ref().and_then(|t| t.stat.clone()).or_else(|| state.map(state_name).map(str::to_owned))?;
    let delivered = match stat.as_str() {
        "DELIVRD" => true,
        "EXPIRED" | "DELETED" | "UNDELIV" | "REJECTD" | "UNKNOWN" | "SKIPPED" => false,
        // ENROUTE, ACCEPTD, SCHEDULED: not the final word yet.
        _ => return None,
    };
    let err = text.and_then(|t| t.err).filter(|e| !e.trim_start_matches('0').is_empty());
    let detail = match err {
        Some(err) => format!("{stat} err:{err}"),
        None => stat,
    };
    Some(Event::Receipt { channel: "sms", provider_id, delivered, detail })
}

fn state_name(state: MessageState) -> &'static str {
    match state {
        MessageState::Scheduled => "SCHEDULED",
        MessageState::Enroute => "ENROUTE",
        MessageState::Delivered => "DELIVRD",
        MessageState::Expired => "EXPIRED",
        MessageState::Deleted => "DELETED",
        MessageState::Undeliverable => "UNDELIV",
        MessageState::Accepted => "ACCEPTD",
        MessageState::Rejected => "REJECTD",
        MessageState::Skipped => "SKIPPED",
        _ => "UNKNOWN",
    }
}

/// The fields of a receipt's text that we use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptText {
    /// The message id the receipt is about.
    pub id: String,
    /// The final state (`DELIVRD`, `UNDELIV`, …), upper-cased.
    pub stat: Option<String>,
    /// The network's error code.
    pub err: Option<String>,
}

/// Reads the de-facto standard receipt text (SMPP 3.4 appendix B):
/// `id:IIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD
/// err:E text: …`, with keys in any case. `None` without an id.
pub fn parse_receipt_text(text: &str) -> Option<ReceiptText> {
    receipt_text(text)
}

fn receipt_text(text: &str) -> Option<ReceiptText> {
    let id = field(text, "id:")?.to_owned();
    let stat = field(text, "stat:").map(str::to_ascii_uppercase);
    let err = field(text, "err:").map(str::to_owned);
    Some(ReceiptText { id, stat, err })
}

/// The value after the first `key` that starts a word, up to the next space.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(key).map(|p| p + from) {
        if pos == 0 || lower[..pos].ends_with(char::is_whitespace) {
            let rest = &text[pos + key.len()..];
            let value = rest.split(char::is_whitespace).next().unwrap_or_default();
            return (!value.is_empty()).then_some(value);
        }
        from = pos + key.len();
    }
    None
}

/// The user data after its header.
fn skip_udh(body: &[u8]) -> &[u8] {
    let header = body.first().map_or(0, |&l| usize::from(l) + 1);
    body.get(header..).unwrap_or_default()
}

/// A message's text by its data_coding: GSM 03.38, Latin-1, UCS-2, or ASCII.
fn decode(data_coding: u8, body: &[u8]) -> String {
    match data_coding {
        0x00 => gsm::decode(body),
        0x03 => gsm::decode_latin1(body),
        0x08 => gsm::decode_ucs2(body),
        // The GSM data coding group (0xF0–0xFF): bit 2 says 8-bit data, else the alphabet.
        dc if dc & 0xF0 == 0xF0 && dc & 0x04 == 0 => gsm::decode(body),
        _ => gsm::decode_latin1(body),
    }
}

fn text_of(bytes: &[u8]) -> String {
    gsm::decode_latin1(bytes.strip_suffix(&[0]).unwrap_or(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_receipt_texts_are_read() {
        let t = parse_receipt_text(
            "id:0123456789 sub:001 dlvrd:001 submit date:2611231000 done date:2611231001 stat:DELIVRD err:000 text:Flood",
        )
        .unwrap();
        assert_eq!(t, ReceiptText { id: "0123456789".into(), stat: Some("DELIVRD".into()), err: Some("000".into()) });
        let t = parse_receipt_text("ID:ab-7 SUB:001 DLVRD:000 STAT:undeliv ERR:034 Text:x").unwrap();
        assert_eq!((t.id.as_str(), t.stat.as_deref(), t.err.as_deref()), ("ab-7", Some("UNDELIV"), Some("034")));
        assert_eq!(parse_receipt_text("stat:DELIVRD"), None, "no id");
        let t = parse_receipt_text("id:9 text:my id:5 stat:X").unwrap();
        assert_eq!(t.id, "9");
    }

    #[test]
    fn receipts_become_events_and_intermediate_ones_do_not() {
        let text = |s: &str| parse_receipt_text(s);
        let r = receipt(None, None, text("id:m1 stat:DELIVRD err:000"));
        assert_eq!(
            r,
            Some(Event::Receipt {
                channel: "sms",
                provider_id: "m1".into(),
                delivered: true,
                detail: "DELIVRD".into()
            })
        );
        let r = receipt(Some("m2".into()), None, text("id:other stat:UNDELIV err:034"));
        assert_eq!(
            r,
            Some(Event::Receipt {
                channel: "sms",
                provider_id: "m2".into(),
                delivered: false,
                detail: "UNDELIV err:034".into()
            })
        );
        let r = receipt(Some("m3".into()), Some(MessageState::Expired), None);
        assert!(matches!(r, Some(Event::Receipt { delivered: false, ref detail, .. }) if detail == "EXPIRED"));
        assert_eq!(receipt(None, None, text("id:m4 stat:ENROUTE")), None);
        assert_eq!(receipt(None, Some(MessageState::Delivered), None), None, "no id");
    }

    #[test]
    fn mobile_originated_texts_decode_by_data_coding() {
        assert_eq!(decode(0x00, &gsm::encode("STOP €")), "STOP €");
        assert_eq!(decode(0x08, &gsm::encode_ucs2("СТОП")), "СТОП");
        assert_eq!(decode(0x03, b"stop\xE9"), "stopé");
        assert_eq!(skip_udh(&[0x05, 0, 3, 1, 2, 1, b'S']), b"S");
    }
}
