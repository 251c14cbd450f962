//! The XSD sequences of CAP's complex elements, and a tracker that checks children against
//! them: order, repetition and required elements.

use super::CapVersion;

/// One element of a sequence: its name and whether it is required and may repeat.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    pub name: &'static str,
    pub required: bool,
    pub repeats: bool,
}

const fn one(name: &'static str) -> Slot {
    Slot { name, required: true, repeats: false }
}
const fn opt(name: &'static str) -> Slot {
    Slot { name, required: false, repeats: false }
}
const fn many(name: &'static str) -> Slot {
    Slot { name, required: false, repeats: true }
}
const fn some(name: &'static str) -> Slot {
    Slot { name, required: true, repeats: true }
}

/// The name used for the XML signature slot at the end of `alert`.
pub(crate) const SIGNATURE: &str = "Signature";

#[rustfmt::skip]
const ALERT_12: &[Slot] = &[
    one("identifier"), one("sender"), one("sent"), one("status"), one("msgType"), opt("source"),
    one("scope"), opt("restriction"), opt("addresses"), many("code"), opt("note"),
    opt("references"), opt("incidents"), many("info"), many(SIGNATURE),
];
#[rustfmt::skip]
const ALERT_10: &[Slot] = &[
    one("identifier"), one("sender"), one("sent"), one("status"), one("msgType"), opt("password"),
    opt("source"), opt("scope"), opt("restriction"), opt("addresses"), many("code"), opt("note"),
    opt("references"), opt("incidents"), many("info"), many(SIGNATURE),
];
#[rustfmt::skip]
const INFO_12: &[Slot] = &[
    opt("language"), some("category"), one("event"), many("responseType"), one("urgency"),
    one("severity"), one("certainty"), opt("audience"), many("eventCode"), opt("effective"),
    opt("onset"), opt("expires"), opt("senderName"), opt("headline"), opt("description"),
    opt("instruction"), opt("web"), opt("contact"), many("parameter"), many("resource"),
    many("area"),
];
#[rustfmt::skip]
const INFO_10: &[Slot] = &[
    opt("language"), many("category"), one("event"), one("urgency"), one("severity"),
    one("certainty"), opt("audience"), many("eventCode"), opt("effective"), opt("onset"),
    opt("expires"), opt("senderName"), opt("headline"), opt("description"), opt("instruction"),
    opt("web"), opt("contact"), many("parameter"), many("resource"), many("area"),
];
#[rustfmt::skip]
const RESOURCE_12: &[Slot] = &[
    one("resourceDesc"), one("mimeType"), opt("size"), opt("uri"), opt("derefUri"), opt("digest"),
];
#[rustfmt::skip]
const RESOURCE_11: &[Slot] = &[
    one("resourceDesc"), opt("mimeType"), opt("size"), opt("uri"), opt("derefUri"), opt("digest"),
];
#[rustfmt::skip]
const RESOURCE_10: &[Slot] = &[
    one("resourceDesc"), opt("mimeType"), opt("size"), opt("uri"), opt("digest"),
];
#[rustfmt::skip]
const AREA: &[Slot] = &[
    one("areaDesc"), many("polygon"), many("circle"), many("geocode"), opt("altitude"), opt("ceiling"),
];
#[rustfmt::skip]
const VALUE_PAIR: &[Slot] = &[
    one("valueName"), one("value"),
];

/// The complex elements of CAP.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Parent {
    Alert,
    Info,
    Resource,
    Area,
    ValuePair,
}

impl Parent {
    pub(crate) fn slots(self, v: CapVersion) -> &'static [Slot] {
        match (self, v) {
            (Parent::Alert, CapVersion::V1_0) => ALERT_10,
            (Parent::Alert, _) => ALERT_12,
            (Parent::Info, CapVersion::V1_0) => INFO_10,
            (Parent::Info, _) => INFO_12,
            (Parent::Resource, CapVersion::V1_0) => RESOURCE_10,
            (Parent::Resource, CapVersion::V1_1) => RESOURCE_11,
            (Parent::Resource, CapVersion::V1_2) => RESOURCE_12,
            (Parent::Area, _) => AREA,
            (Parent::ValuePair, _) => VALUE_PAIR,
        }
    }
}

/// What the tracker says of a child.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// In order; `n` is its 1-based count among its name.
    InOrder { n: usize, repeats: bool },
    /// Known but after an element that the schema puts later.
    OutOfOrder { n: usize, repeats: bool, after: &'static str },
    /// A second occurrence of an element that may occur once.
    Repeated,
    /// Not an element of this sequence.
    Unknown,
}

pub(crate) struct Sequence {
    slots: &'static [Slot],
    counts: Vec<usize>,
    furthest: Option<usize>,
}

impl Sequence {
    pub(crate) fn new(parent: Parent, v: CapVersion) -> Self {
        let slots = parent.slots(v);
        Sequence { slots, counts: vec![0; slots.len()], furthest: None }
    }

    pub(crate) fn accept(&mut self, name: &str) -> Verdict {
        let Some(i) = self.slots.iter().position(|s| s.name == name) else {
            return Verdict::Unknown;
        };
        let slot = self.slots[i];
        if self.counts[i] > 0 && !slot.repeats {
            return Verdict::Repeated;
        }
        self.counts[i] += 1;
        let n = self.counts[i];
        match self.furthest {
            Some(f) if f > i => Verdict::OutOfOrder { n, repeats: slot.repeats, after: self.slots[f].name },
            _ => {
                self.furthest = Some(i);
                Verdict::InOrder { n, repeats: slot.repeats }
            }
        }
    }

    /// The required elements that never came.
    pub(crate) fn missing(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.slots.iter().zip(&self.counts).filter(|(s, c)| s.required && **c == 0).map(|(s, _)| s.name)
    }

    /// How many times an element came.
    pub(crate) fn count(&self, name: &str) -> usize {
        self.slots.iter().position(|s| s.name == name).map_or(0, |i| self.counts[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_repetition_and_missing() {
        let mut s = Sequence::new(Parent::Area, CapVersion::V1_2);
        assert_eq!(s.accept("areaDesc"), Verdict::InOrder { n: 1, repeats: false });
        assert_eq!(s.accept("geocode"), Verdict::InOrder { n: 1, repeats: true });
        assert_eq!(s.accept("polygon"), Verdict::OutOfOrder { n: 1, repeats: true, after: "geocode" });
        assert_eq!(s.accept("geocode"), Verdict::InOrder { n: 2, repeats: true });
        assert_eq!(s.accept("areaDesc"), Verdict::Repeated);
        assert_eq!(s.accept("foo"), Verdict::Unknown);
        assert_eq!(s.missing().count(), 0);
        let s = Sequence::new(Parent::Resource, CapVersion::V1_2);
        assert_eq!(s.missing().collect::<Vec<_>>(), ["resourceDesc", "mimeType"]);
        let s = Sequence::new(Parent::Resource, CapVersion::V1_1);
        assert_eq!(s.missing().collect::<Vec<_>>(), ["resourceDesc"]);
    }
}
