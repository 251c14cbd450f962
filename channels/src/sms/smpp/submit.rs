//! submit_sm PDUs for the segments of one message, and what an SMSC's answer means for the
//! fan-out worker.

use std::str::FromStr;
use std::time::Duration;

use rusmpp::CommandStatus;
use rusmpp::pdus::SubmitSm;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, Npi, RegisteredDelivery, ServiceType, Ton};

use super::SmppConfig;
use crate::Outcome;
use crate::sms::Encoding;

/// One submit_sm per segment. esm_class is always set explicitly: rusmpp 0.4.0's default
/// encodes 0x08, which an SMSC reads as a delivery acknowledgement.
pub fn pdus(
    config: &SmppConfig,
    destination: &str,
    encoding: Encoding,
    parts: Vec<Vec<u8>>,
) -> Result<Vec<SubmitSm>, String> {
    let source = COctetString::from_str(&config.source_addr).map_err(|_| "the source address is not usable")?;
    let destination = COctetString::from_str(destination).map_err(|_| "the destination is not usable")?;
    let esm_class = EsmClass::from(if parts.len() > 1 { 0x40 } else { 0x00 });
    let data_coding = match encoding {
        Encoding::Gsm7 => DataCoding::McSpecific,
        Encoding::Ucs2 => DataCoding::Ucs2,
    };
    let registered_delivery = RegisteredDelivery::from(u8::from(config.request_receipts));
    parts
        .into_iter()
        .map(|sm| {
            let short_message =
                OctetString::from_vec(sm).map_err(|_| "a segment is longer than 254 octets".to_owned())?;
            Ok(SubmitSm::builder()
                .service_type(ServiceType::default())
                .source_addr_ton(Ton::from(config.source_ton))
                .source_addr_npi(Npi::from(config.source_npi))
                .source_addr(source.clone())
                .dest_addr_ton(Ton::International)
                .dest_addr_npi(Npi::Isdn)
                .destination_addr(destination.clone())
                .esm_class(esm_class)
                .registered_delivery(registered_delivery)
                .data_coding(data_coding)
                .short_message(short_message)
                .build())
        })
        .collect()
}

/// The SMPP name of a status (`ESME_RTHROTTLED`) and its code.
pub fn status_name(status: CommandStatus) -> String {
    let code = u32::from(status);
    let debug = format!("{status:?}");
    match debug.strip_prefix("Esme") {
        Some(rest) if !rest.contains('(') => format!("ESME_{} (0x{code:08X})", rest.to_uppercase()),
        _ => format!("status 0x{code:08X}"),
    }
}

/// Whether the SMSC asks us to slow down: throttled, or its queue for the number is full.
pub fn is_throttling(status: CommandStatus) -> bool {
    matches!(status, CommandStatus::EsmeRthrottled | CommandStatus::EsmeRmsgqful)
}

/// What a failed submit_sm means, except throttling (which the bind handles, as it slows
/// down). A system error at the SMSC or a bind it forgot are passing troubles; any other
/// status refuses this message for good.
pub fn outcome_for_error(error: &rusmppc::error::Error) -> Outcome {
    use rusmppc::error::Error;
    let retry = |e: String| Outcome::Retry { not_before: None, error: e };
    match error {
        Error::UnexpectedResponse { response } => {
            let status = response.status();
            let name = status_name(status);
            if matches!(status, CommandStatus::EsmeRsyserr | CommandStatus::EsmeRinvbndsts) {
                Outcome::Retry {
                    not_before: Some(Duration::from_secs(1)),
                    error: format!("the SMSC could not take the message now: {name}"),
                }
            } else {
                Outcome::Failed { error: format!("the SMSC refused the message: {name}") }
            }
        }
        Error::ResponseTimeout { timeout, .. } => {
            retry(format!("the SMSC did not answer the submit_sm within {} ms", timeout.as_millis()))
        }
        Error::Encode(_) => Outcome::Failed { error: "the submit_sm could not be encoded".into() },
        other => retry(format!("the SMPP connection failed: {}", connection_problem(other))),
    }
}

/// A connection error in words without any PDU content (which may carry numbers and texts).
pub fn connection_problem(error: &rusmppc::error::Error) -> String {
    use rusmppc::error::Error;
    match error {
        Error::Connect(e) => format!("could not connect ({})", e.kind()),
        Error::Io(e) => format!("input/output error ({})", e.kind()),
        Error::ConnectionClosed => "the connection is closed".into(),
        Error::ConnectionClosedByPeer => "the SMSC closed the connection".into(),
        Error::Decode(_) => "the SMSC sent a PDU that could not be read".into(),
        Error::Encode(_) => "a PDU could not be encoded".into(),
        Error::EnquireLinkTimeout { .. } => "the SMSC did not answer enquire_link".into(),
        Error::ResponseTimeout { .. } => "the SMSC did not answer in time".into(),
        Error::UnexpectedResponse { response } => format!("the SMSC answered {}", status_name(response.status())),
        _ => "unexpected error".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_named_the_smpp_way() {
        assert_eq!(status_name(CommandStatus::EsmeRthrottled), "ESME_RTHROTTLED (0x00000058)");
        assert_eq!(status_name(CommandStatus::EsmeRinvpaswd), "ESME_RINVPASWD (0x0000000E)");
        assert!(is_throttling(CommandStatus::EsmeRmsgqful));
        assert!(!is_throttling(CommandStatus::EsmeRinvdstadr));
    }

    #[test]
    fn esm_class_is_encoded_as_set() {
        assert_eq!(u8::from(EsmClass::from(0x00)), 0x00);
        assert_eq!(u8::from(EsmClass::from(0x40)), 0x40);
    }
}
