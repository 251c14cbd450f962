//! The catalogue of finding codes. Each code is stable once published: integrators match on it,
//! and `docs/cap-findings.md` lists every one with the rule it enforces.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::findings::Severity;

macro_rules! codes {
    ($( $variant:ident = $code:literal, $sev:ident, $title:literal, $rule:literal; )*) => {
        /// A finding code. `as_str` gives the stable text form (for example `CAP-T002`),
        /// `rule` the sentence of the specification or profile it enforces.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(missing_docs)]
        pub enum Code { $( $variant, )* }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[$( Code::$variant, )*];

            /// The stable text form, for example `CAP-T002`.
            pub const fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// The severity findings with this code normally have.
            pub const fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            /// A short title.
            pub const fn title(self) -> &'static str {
                match self { $( Code::$variant => $title, )* }
            }

            /// The rule this code enforces, quoting the specification where it has words for it.
            pub const fn rule(self) -> &'static str {
                match self { $( Code::$variant => $rule, )* }
            }
        }
    };
}

codes! {
    // The document: XML and security.
    NotWellFormed = "CAP-X001", Error, "not well-formed XML", "XML 1.0 §2.1: a document must be well-formed. Reading stops at the first well-formedness error.";
    DoctypeRefused = "CAP-X002", Error, "DOCTYPE refused", "CAP has no DTD. A DOCTYPE could declare entities that expand or fetch data, so any DOCTYPE is refused before anything else is read.";
    TooLarge = "CAP-X003", Error, "document too large", "Input over the configured size (1 MiB unless set otherwise) is refused before it is parsed.";
    UnsupportedEncoding = "CAP-X004", Error, "unsupported encoding", "Documents are read in UTF-8, US-ASCII or ISO-8859-1, as their XML declaration says.";
    TooDeep = "CAP-X005", Error, "nesting too deep", "CAP elements nest a few levels deep; deeper nesting than the configured limit is refused.";
    NotCap = "CAP-X006", Error, "not a CAP alert", "The root element must be <alert> in the namespace of CAP 1.2 (urn:oasis:names:tc:emergency:cap:1.2), 1.1 or 1.0.";
    UndefinedEntity = "CAP-X007", Error, "entity reference refused", "Only the five predefined XML entities and character references are allowed; no other entity is ever resolved.";
    TextNotAllowed = "CAP-X008", Error, "text where only elements belong", "CAP 1.2 XSD: alert, info, resource, area and the value pairs contain elements only, not character data.";
    UnexpectedAttribute = "CAP-X009", Error, "unexpected attribute", "CAP 1.2 XSD: CAP elements have no attributes (namespace declarations and xsi: attributes aside).";
    InvalidCharacter = "CAP-X010", Error, "character not allowed in XML", "XML 1.0 §2.2: control characters other than tab, line feed and carriage return are not allowed.";

    // The schema: elements, order, enumerations.
    MissingElement = "CAP-S001", Error, "required element missing", "CAP 1.2 XSD: the element is REQUIRED (minOccurs 1).";
    OutOfOrder = "CAP-S002", Error, "element out of order", "CAP 1.2 XSD: the children of alert, info, resource and area appear in the order of the schema's sequence.";
    UnexpectedElement = "CAP-S003", Error, "unexpected element", "CAP 1.2 XSD: only the elements of the schema are allowed (and, after the info blocks, XML signatures).";
    RepeatedElement = "CAP-S004", Error, "element repeated", "CAP 1.2 XSD: the element may occur at most once here (maxOccurs 1).";
    NotInEnumeration = "CAP-S005", Error, "value not allowed", "CAP 1.2 XSD: the value must be one of the enumerated code values.";
    SurroundingWhitespace = "CAP-S006", Warning, "surrounding whitespace", "Code values are compared exactly; whitespace around them is not part of the value and was ignored.";
    NotANumber = "CAP-S007", Error, "not a number", "CAP 1.2 XSD: size is an xs:integer, altitude and ceiling are xs:decimal.";
    MixedVersions = "CAP-S008", Error, "element of another CAP version", "All elements of a CAP message are in the namespace of its root <alert>.";
    EmptyTreatedAsAbsent = "CAP-S009", Warning, "empty element ignored", "An empty element carries no value; it was treated as absent.";

    // Times.
    MalformedDateTime = "CAP-T001", Error, "malformed date and time", "CAP 1.2 §3.3.2: date and time is represented in the format \"YYYY-MM-DDThh:mm:ssXzh:zm\".";
    ZuluTimeZone = "CAP-T002", Error, "Z instead of -00:00", "CAP 1.2 §3.3.2: alphabetic timezone designators such as \"Z\" MUST NOT be used. The timezone for UTC MUST be represented as -00:00.";
    FractionalSeconds = "CAP-T003", Error, "fractional seconds", "CAP 1.2 XSD: date and time values match \\d\\d\\d\\d-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[-,+]\\d\\d:\\d\\d, without fractions of a second.";
    ExpiresBeforeEffective = "CAP-T004", Error, "expires before effective", "An info block cannot expire before it becomes effective: <expires> is not earlier than <effective>.";
    ExpiresBeforeOnset = "CAP-T005", Error, "expires before onset", "An info block cannot expire before the expected onset of the event: <expires> is not earlier than <onset>.";
    ExpiredWhenSent = "CAP-T006", Warning, "expired when sent", "<expires> is not after <sent>: the information had expired when the message was sent.";

    // Identification, scope and references.
    ForbiddenInIdentifier = "CAP-I001", Error, "identifier has forbidden characters", "identifier: MUST NOT include spaces, commas or restricted characters (< and &); it must not be empty.";
    ForbiddenInSender = "CAP-I002", Error, "sender has forbidden characters", "sender: MUST NOT include spaces, commas or restricted characters (< and &); it must not be empty.";
    RestrictionWithoutRestrictedScope = "CAP-I003", Error, "restriction with a scope other than Restricted", "restriction: used when <scope> value is \"Restricted\".";
    RestrictedWithoutRestriction = "CAP-I004", Error, "Restricted scope without restriction", "scope Restricted: dissemination is restricted to users who meet the rule given in <restriction>, which must therefore be present.";
    PrivateWithoutAddresses = "CAP-I005", Error, "Private scope without addresses", "addresses: required when <scope> is \"Private\".";
    UnbalancedQuotes = "CAP-I006", Error, "unbalanced quotes", "addresses, incidents: multiple space-delimited values; values including whitespace MUST be enclosed in double-quotes.";
    EmptyReferences = "CAP-I010", Error, "empty references", "references: the extended message identifier(s) of earlier messages; an empty <references> names none.";
    MalformedReference = "CAP-I011", Error, "reference is not sender,identifier,sent", "references: the extended message identifier(s) (in the form sender,identifier,sent) of an earlier CAP message or messages, separated by whitespace.";
    SelfReference = "CAP-I012", Error, "message references itself", "references name earlier messages; a message cannot reference its own identifier.";
    MissingReferences = "CAP-I013", Error, "Update, Cancel, Ack or Error without references", "msgType: Update and Cancel supersede, Ack acknowledges and Error rejects the earlier message(s) identified in <references>.";
    RepeatedReference = "CAP-I014", Warning, "reference repeated", "Each earlier message need be referenced once.";
    PostdatedReference = "CAP-I015", Warning, "reference to a later message", "A referenced message was sent after this one, which cannot be earlier as <references> requires.";

    // Language and content.
    InvalidLanguage = "CAP-L001", Error, "invalid language tag", "language: the code denoting the language of the info sub-element, per RFC 3066 (XSD type xs:language: [a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*).";
    EmptyValueName = "CAP-C001", Warning, "empty valueName or value", "eventCode, parameter and geocode: a valueName naming the system and a value; an empty one carries nothing.";
    EmptyEvent = "CAP-C002", Warning, "empty event", "event: the text denoting the type of the subject event of the alert message (REQUIRED).";

    // Resources and links.
    WebNotAbsolute = "CAP-R001", Error, "web is not an absolute URI", "web: a full, absolute URI for an HTML page or other text resource with additional or reference information regarding this alert.";
    ResourceUriInvalid = "CAP-R002", Error, "resource uri not usable", "uri: a full absolute URI, or a relative URI to name the content of a <derefUri> element if one is present in this resource block.";
    DerefUriNotBase64 = "CAP-R003", Error, "derefUri is not base64", "derefUri: the base-64 encoded data content of the resource file.";
    DigestMalformed = "CAP-R004", Error, "digest is not a SHA-1 hash", "digest: the code representing the digital digest (\"hash\") computed from the resource file, calculated using the Secure Hash Algorithm (SHA-1): 40 hexadecimal digits.";
    DigestMismatch = "CAP-R005", Warning, "digest does not match", "The SHA-1 of the <derefUri> content differs from <digest>.";
    MimeTypeInvalid = "CAP-R006", Error, "mimeType is not a MIME type", "mimeType: the identifier of the MIME content type and sub-type describing the resource file (RFC 2046: type/subtype).";
    SizeMismatch = "CAP-R007", Warning, "size does not match", "size: the integer indicating the size of the resource file; it differs from the length of the <derefUri> content.";
    DigestNotSha1 = "CAP-R008", Warning, "SHA-256 digest", "digest: CAP 1.2 specifies SHA-1; a 64-digit SHA-256 digest was accepted but receivers may not check it.";

    // Geometry.
    PolygonMalformed = "CAP-G001", Error, "polygon malformed", "polygon: a whitespace-delimited list of [WGS 84] coordinate pairs, each latitude,longitude.";
    PolygonTooFewPoints = "CAP-G002", Error, "polygon has fewer than four points", "polygon: a minimum of 4 coordinate pairs MUST be present.";
    PolygonNotClosed = "CAP-G003", Error, "polygon not closed", "polygon: the first and last pairs of coordinates MUST be the same.";
    CoordinateOutOfRange = "CAP-G004", Error, "coordinate out of range", "[WGS 84] latitude lies in -90..90 and longitude in -180..180.";
    PolygonSelfCrossing = "CAP-G005", Error, "polygon crosses itself", "polygon: the pairs delineate the affected area; edges that cross or overlap leave the area undefined.";
    PolygonTooComplex = "CAP-G006", Warning, "polygon too complex to check", "The polygon has so many edges that the crossing check stopped at its work limit; it was not checked for crossings.";
    PolygonEmpty = "CAP-G007", Error, "empty polygon", "polygon: an empty element delineates no area.";
    CircleMalformed = "CAP-G008", Error, "circle malformed", "circle: a central point given as a [WGS 84] coordinate pair followed by a space character and a radius value in kilometers.";
    CircleNegativeRadius = "CAP-G009", Error, "negative radius", "circle: the radius is a distance in kilometers and cannot be negative.";
    CeilingWithoutAltitude = "CAP-G010", Error, "ceiling without altitude", "ceiling: MUST NOT be used except in combination with the <altitude> element.";
    CeilingBelowAltitude = "CAP-G011", Error, "ceiling below altitude", "ceiling: the maximum altitude of the affected area; it cannot be below <altitude>.";
    PolygonWide = "CAP-G012", Warning, "polygon spans more than 180° of longitude", "Polygons are read as plane figures in latitude and longitude; one spanning more than half the globe (or the antimeridian) is probably not what was meant.";

    // Feeds.
    NotAFeed = "CAP-F001", Error, "not an Atom or RSS feed", "A CAP index feed is an Atom 1.0 <feed> (RFC 4287) or an RSS 2.0 <rss>.";
    FeedMissingElement = "CAP-F002", Error, "feed element missing", "RFC 4287 §4.1.1: atom:feed elements MUST contain exactly one atom:id, atom:title and atom:updated. RSS 2.0: a channel has a title, link and description.";
    EntryMissingElement = "CAP-F003", Error, "entry element missing", "RFC 4287 §4.1.2: atom:entry elements MUST contain exactly one atom:id, atom:title and atom:updated.";
    EntryWithoutCap = "CAP-F004", Error, "entry has no CAP link or content", "An index feed entry links to its CAP message (a link, preferably typed application/cap+xml) or carries it as content.";
    FeedUnexpectedElement = "CAP-F005", Error, "unexpected element in the feed", "RFC 4287: extension elements must be in a foreign namespace; this element is in the Atom namespace but not defined by it.";
    ItemWithoutTitle = "CAP-F006", Error, "RSS item without title or description", "RSS 2.0: at least one of title or description must be present in an item.";
    FeedDateInvalid = "CAP-F007", Error, "feed date malformed", "RFC 4287 §3.3: dates are RFC 3339 date-times; RSS 2.0 dates are RFC 822 dates.";
    DuplicateEntryId = "CAP-F008", Error, "entry id repeated", "RFC 4287 §4.1.1: a feed must not contain entries with the same atom:id and atom:updated; index feeds name each message once.";
    RssItemWithoutGuid = "CAP-F009", Warning, "RSS item without guid", "RSS 2.0: a guid lets aggregators tell whether an item is new; CAP index feeds should give one.";
    EdxlWithoutCap = "CAP-F010", Error, "EDXL-DE without CAP", "An EDXL-DE distribution used to carry CAP has at least one contentObject holding a CAP alert.";

    // Profile: IPAWS v1.0.
    IpawsCode = "IPAWS-001", Error, "IPAWSv1.0 code required", "IPAWS profile v1.0: <code>IPAWSv1.0</code> is required.";
    IpawsLocalTime = "IPAWS-002", Error, "local time offset required", "IPAWS profile v1.0: <sent> and <expires> include the local time-zone offset, not a zero offset.";
    IpawsInfoRequired = "IPAWS-003", Error, "info required", "IPAWS profile v1.0: an Alert or Update has at least one <info> block (a Cancel may have none).";
    IpawsInfosMustMatch = "IPAWS-004", Error, "categories and event codes must match", "IPAWS profile v1.0: all <info> blocks carry the same <category> and <eventCode> values.";
    IpawsExpiresRequired = "IPAWS-005", Error, "expires required", "IPAWS profile v1.0: <expires> is required.";
    IpawsSameEventCode = "IPAWS-006", Error, "SAME event code required", "IPAWS profile v1.0: exactly one <eventCode> with valueName SAME and a three-letter value.";
    IpawsAreaRequired = "IPAWS-007", Error, "area required", "IPAWS profile v1.0: each <info> has at least one <area>.";
    IpawsIgnored = "IPAWS-008", Warning, "element ignored by IPAWS", "IPAWS profile v1.0: <effective> and <onset> are ignored; the message is effective when sent.";
    IpawsRecommended = "IPAWS-009", Warning, "recommended element missing", "IPAWS profile v1.0: <description> and <instruction> are recommended.";
    IpawsSameGeocode = "IPAWS-010", Warning, "SAME geocode recommended", "IPAWS profile v1.0: each <area> carries a <geocode> with valueName SAME and a six-digit value.";
    IpawsParameter = "IPAWS-011", Error, "IPAWS parameter value not allowed", "IPAWS profile v1.0: CMAMtext has at most 90 characters, CMAMlongtext at most 360; BLOCKCHANNEL is one of CMAS, EAS, NWEM, PUBLIC, CAPEXCH; EAS-ORG is one of EAS, CIV, WXR, PEP.";

    // Profile: CAP-CP.
    CapCpCode = "CAPCP-001", Error, "CAP-CP code required", "CAP-CP rule 3: a <code> naming the profile, profile:CAP-CP:<version>.";
    CapCpInfoRequired = "CAPCP-002", Error, "info required", "CAP-CP rule 5: at least one <info> unless msgType is Ack or Error.";
    CapCpEventCodesMatch = "CAPCP-003", Error, "event codes must match", "CAP-CP rule 2: all <info> blocks carry the same <eventCode> values.";
    CapCpEventCode = "CAPCP-004", Error, "CAP-CP event code required", "CAP-CP rule 8: each <info> has an <eventCode> whose valueName is profile:CAP-CP:Event:<version>.";
    CapCpAreaRequired = "CAPCP-005", Error, "area required", "CAP-CP rule 10: each <info> has at least one <area>.";
    CapCpLocation = "CAPCP-006", Error, "CAP-CP location geocode required", "CAP-CP rule 9: each <area> has a <geocode> whose valueName is profile:CAP-CP:Location:<version>.";
    CapCpRecommended = "CAPCP-007", Warning, "strongly recommended element missing", "CAP-CP rules 13 to 15: <expires>, <senderName>, <responseType> and <instruction> are strongly recommended.";
    CapCpGeometry = "CAPCP-008", Warning, "polygon or circle encouraged", "CAP-CP rule 18: areas should also be described by a polygon or circle.";
    CapCpLanguages = "CAPCP-009", Warning, "English and French recommended", "CAP-CP rule 6: messages carry info blocks in English (en-CA) and French (fr-CA).";

    // Profile: CAP-AU.
    CapAuCode = "CAPAU-001", Error, "CAP-AU code required", "CAP-AU 1.0: <code>urn:oasis:names:tc:emergency:cap:1.2:profile:CAP-AU:1.0</code> is required.";
    CapAuInfoRequired = "CAPAU-002", Error, "info required", "CAP-AU 1.0: at least one <info> unless msgType is Ack or Error.";
    CapAuInfosMustMatch = "CAPAU-003", Error, "categories and event codes must match", "CAP-AU 1.0: all <info> blocks carry the same <category> and <eventCode> values.";
    CapAuEventCode = "CAPAU-004", Error, "one AUeventLIST code per alert", "CAP-AU 1.0: each <info> carries the alert's one <eventCode> with valueName https://govshare.gov.au/xmlui/handle/10772/6495.";
    CapAuUnknownEvent = "CAPAU-005", Error, "event code not in AUeventLIST", "CAP-AU 1.0: the event code is one of AUeventLIST 1.0.";
    CapAuEventMismatch = "CAPAU-006", Error, "event does not match its code", "CAP-AU 1.0: <event> is the Tier I or Tier II event name that AUeventLIST gives for the event code.";
    CapAuSameLanguageEvent = "CAPAU-007", Error, "events differ within a language", "CAP-AU 1.0: info blocks in the same language name the same <event>.";
    CapAuCancelEffective = "CAPAU-008", Error, "Cancel with effective", "CAP-AU 1.0: <effective> is not used with msgType Cancel.";
    CapAuAreaRequired = "CAPAU-009", Error, "area required", "CAP-AU 1.0: each <info> has at least one <area>.";
    CapAuSenderEmail = "CAPAU-010", Warning, "sender should be an email address", "CAP-AU 1.0: <sender> is the originator's email-style address.";
    CapAuTest = "CAPAU-011", Warning, "Test alerts are not broadcast", "CAP-AU 1.0: status Test messages are not broadcast.";
    CapAuRecommended = "CAPAU-012", Warning, "strongly recommended element missing", "CAP-AU 1.0: <expires>, <senderName>, <responseType> and <instruction> are strongly recommended.";
    CapAuGeocode = "CAPAU-013", Warning, "recognised geocode recommended", "CAP-AU 1.0: areas carry a geocode from a recognised gazetteer (G-NAF, ISO 3166, Gazetteer of Australia, postcodes).";
    CapAuGeometry = "CAPAU-014", Warning, "polygon or circle encouraged", "CAP-AU 1.0: areas should also be described by a polygon or circle.";
    CapAuNoEventList = "CAPAU-015", Warning, "AUeventLIST not loaded", "The CAP-AU event list was not given, so event codes were not checked against it.";

    // Profile: MeteoAlarm.
    MeteoAlarmLevel = "MA-001", Error, "awareness_level required", "MeteoAlarm: each <info> has a parameter awareness_level, one of \"1; green; Minor\", \"2; yellow; Moderate\", \"3; orange; Severe\", \"4; red; Extreme\".";
    MeteoAlarmType = "MA-002", Error, "awareness_type required", "MeteoAlarm: each <info> has a parameter awareness_type such as \"1; Wind\" with a known type number.";
    MeteoAlarmEmma = "MA-003", Error, "EMMA_ID geocode required", "MeteoAlarm: each <area> has a <geocode> with valueName EMMA_ID.";
    MeteoAlarmLanguage = "MA-004", Error, "language required", "MeteoAlarm: each <info> names its <language>; feeds carry one info per language.";
    MeteoAlarmExpires = "MA-005", Error, "onset and expires required", "MeteoAlarm: warnings give the period they are valid for, <onset> to <expires>.";
    MeteoAlarmSeverity = "MA-006", Warning, "awareness level and severity disagree", "MeteoAlarm: the awareness level's severity word matches <severity>.";

    // Profile: Tocsin authoring.
    TocsinInfoRequired = "TOCSIN-001", Error, "info required", "Tocsin: an Alert or Update says what is happening, so it has at least one <info>.";
    TocsinExpires = "TOCSIN-002", Error, "expires required", "Tocsin: every <info> sets <expires>, so that no warning stays active by mistake.";
    TocsinOneInfoPerLanguage = "TOCSIN-003", Error, "one info per language", "Tocsin: each <info> names its <language>, and no two share one; they are translations of the same warning.";
    TocsinArea = "TOCSIN-004", Error, "targetable area required", "Tocsin: each <info> has at least one <area> with a polygon, a circle or a geocode that the dispatcher knows.";
    TocsinHeadline = "TOCSIN-005", Error, "headline required", "Tocsin: every <info> has a <headline>: it is what push notifications, SMS and displays show first.";
    TocsinTranslationsDiffer = "TOCSIN-006", Error, "translations differ", "Tocsin: info blocks are translations of one warning, so category, urgency, severity, certainty, event codes, times and areas are the same in each.";
    TocsinInstruction = "TOCSIN-007", Warning, "instruction recommended", "Tocsin: residents should be told what to do (<instruction>).";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::str::FromStr for Code {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s).ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// A code text that is not in the catalogue.
#[derive(Debug, thiserror::Error)]
#[error("unknown finding code {0:?}")]
pub struct UnknownCode(pub String);

/// The catalogue as Markdown tables (findings, then upgrade notes), as kept in
/// `docs/cap-findings.md`.
pub fn catalogue_markdown() -> String {
    let md = |s: &str| s.replace('|', "\\|").replace('<', "&lt;").replace('>', "&gt;");
    let mut out = String::from("| code | severity | title | rule |\n|---|---|---|---|\n");
    for c in Code::ALL {
        out.push_str(&format!("| `{}` | {} | {} | {} |\n", c.as_str(), c.severity().as_str(), c.title(), md(c.rule())));
    }
    out.push_str("\n| upgrade note | what changed |\n|---|---|\n");
    for (code, what) in crate::read::UPGRADE_CODES {
        out.push_str(&format!("| `{code}` | {} |\n", md(what)));
    }
    out
}
