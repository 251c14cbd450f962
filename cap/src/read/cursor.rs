//! A cursor over quick-xml events that yields the child elements and text of one element at a
//! time, resolving namespaces, refusing DOCTYPEs and undefined entities, and keeping offsets.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::CapVersion;
use crate::codes::Code;
use crate::findings::Finding;

pub(crate) const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The namespace an element is in, as far as CAP cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ns {
    Cap(CapVersion),
    Dsig,
    Other(String),
    None,
}

impl Ns {
    fn of(r: &ResolveResult<'_>) -> Ns {
        match r {
            ResolveResult::Bound(ns) => {
                let uri: &str = ns.as_ref();
                CapVersion::from_namespace(uri)
                    .map(Ns::Cap)
                    .unwrap_or_else(|| if uri == DSIG_NS { Ns::Dsig } else { Ns::Other(uri.to_owned()) })
            }
            ResolveResult::Unbound => Ns::None,
            ResolveResult::Unknown(p) => Ns::Other(format!("undeclared prefix {p}")),
        }
    }
}

/// A start tag.
pub(crate) struct Elem<'a> {
    pub ns: Ns,
    pub local: String,
    pub start: usize,
    tag: BytesStart<'a>,
    /// Attributes other than namespace declarations and xsi: ones.
    pub foreign_attributes: Vec<String>,
}

impl Elem<'_> {
    /// The value of an unprefixed attribute, with references resolved.
    pub(crate) fn attr(&self, name: &str) -> Option<String> {
        self.tag
            .attributes()
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
    }
}

/// A failure that ends reading: the document cannot be read further.
pub(crate) type Fatal = Finding;

pub(crate) struct Cursor<'a> {
    xml: NsReader<&'a [u8]>,
    text: &'a str,
    depth: usize,
    max_depth: usize,
    last_event: usize,
    failed_at: Option<usize>,
}

/// What `next_child` found.
pub(crate) enum Next<'a> {
    Child(Elem<'a>),
    /// Character data where only elements belong, at this offset.
    StrayText(usize),
    End,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(text: &'a str, max_depth: usize) -> Self {
        let mut xml = NsReader::from_str(text);
        let cfg = xml.config_mut();
        cfg.expand_empty_elements = true;
        cfg.check_end_names = true;
        cfg.trim_text(false);
        Cursor { xml, text, depth: 0, max_depth, last_event: 0, failed_at: None }
    }

    pub(crate) fn offset(&self) -> usize {
        usize::try_from(self.xml.buffer_position()).unwrap_or(usize::MAX)
    }

    fn fatal_xml(&mut self, e: quick_xml::Error) -> Fatal {
        self.failed_at = Some(usize::try_from(self.xml.error_position()).unwrap_or(0));
        Finding::new(Code::NotWellFormed, "/", format!("not well-formed XML: {e}"))
    }

    /// Where reading stopped: the position of the XML error, or of the last event read.
    pub(crate) fn failure_offset(&self) -> usize {
        self.failed_at.unwrap_or(self.last_event)
    }

    /// Reads up to the root element; the prolog may hold a declaration, comments, processing
    /// instructions and whitespace, never a DOCTYPE.
    pub(crate) fn root(&mut self) -> Result<Elem<'a>, Fatal> {
        loop {
            match self.next_event()? {
                (_, Event::DocType(_)) => return Err(doctype()),
                (at, Event::Start(tag)) => return self.start(at, tag),
                (_, Event::Decl(_) | Event::PI(_) | Event::Comment(_)) => {}
                (_, Event::Text(t)) if t.bytes().all(|b| b.is_ascii_whitespace()) => {}
                (_, Event::Eof) => return Err(not_well_formed("the document has no root element")),
                _ => return Err(not_well_formed("content before the root element")),
            }
        }
    }

    /// After the root element: only comments, processing instructions and whitespace.
    pub(crate) fn finish(&mut self) -> Result<(), Fatal> {
        loop {
            match self.next_event()? {
                (_, Event::Eof) => return Ok(()),
                (_, Event::PI(_) | Event::Comment(_)) => {}
                (_, Event::Text(t)) if t.bytes().all(|b| b.is_ascii_whitespace()) => {}
                (_, Event::DocType(_)) => return Err(doctype()),
                _ => return Err(not_well_formed("content after the root element")),
            }
        }
    }

    fn next_event(&mut self) -> Result<(usize, Event<'a>), Fatal> {
        let at = self.offset();
        self.last_event = at;
        match self.xml.read_event() {
            Ok(e) => Ok((at, e)),
            Err(e) => Err(self.fatal_xml(e)),
        }
    }

    fn start(&mut self, at: usize, tag: BytesStart<'a>) -> Result<Elem<'a>, Fatal> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(Finding::new(
                Code::TooDeep,
                "/",
                format!("elements nest deeper than {} levels", self.max_depth),
            ));
        }
        let (res, local) = self.xml.resolver().resolve_element(tag.name());
        let ns = Ns::of(&res);
        let local = local.as_ref().to_owned();
        let mut foreign_attributes = Vec::new();
        for attr in tag.attributes().with_checks(true) {
            let attr = attr.map_err(|e| not_well_formed(&format!("malformed attribute: {e}")))?;
            let key = attr.key;
            if key.as_ref() == "xmlns" || key.as_ref().starts_with("xmlns:") {
                continue;
            }
            let (res, _) = self.xml.resolver().resolve_attribute(key);
            if !matches!(res, ResolveResult::Bound(ns) if ns.as_ref() == XSI_NS) {
                foreign_attributes.push(key.as_ref().to_owned());
            }
        }
        Ok(Elem { ns, local, start: at, tag, foreign_attributes })
    }

    /// The next child element of the current element, skipping comments, processing
    /// instructions and whitespace; `End` at the current element's end tag.
    pub(crate) fn next_child(&mut self) -> Result<Next<'a>, Fatal> {
        loop {
            match self.next_event()? {
                (at, Event::Start(tag)) => return self.start(at, tag).map(Next::Child),
                (_, Event::End(_)) => {
                    self.depth -= 1;
                    return Ok(Next::End);
                }
                (_, Event::Comment(_) | Event::PI(_)) => {}
                (_, Event::Text(t)) if t.bytes().all(|b| b.is_ascii_whitespace()) => {}
                (at, Event::Text(_) | Event::CData(_)) => return Ok(Next::StrayText(at)),
                (at, Event::GeneralRef(r)) => {
                    resolve_ref(&r)?;
                    return Ok(Next::StrayText(at));
                }
                (_, Event::DocType(_)) => return Err(doctype()),
                (_, Event::Eof) => return Err(not_well_formed("the document ends inside an element")),
                (_, Event::Decl(_)) => return Err(not_well_formed("an XML declaration inside the document")),
                (_, Event::Empty(_)) => return Err(not_well_formed("unexpected empty element")),
            }
        }
    }

    /// The text content of the element just started, up to its end tag. Child elements are
    /// skipped and returned by name so the caller can report them.
    pub(crate) fn text(&mut self) -> Result<(String, Vec<(String, usize)>), Fatal> {
        let mut out = String::new();
        let mut children = Vec::new();
        loop {
            match self.next_event()? {
                (_, Event::Text(t)) => out.push_str(&t.xml10_content()),
                (_, Event::CData(c)) => out.push_str(&c.xml10_content()),
                (_, Event::GeneralRef(r)) => out.push(resolve_ref(&r)?),
                (_, Event::End(_)) => {
                    self.depth -= 1;
                    return Ok((out, children));
                }
                (at, Event::Start(tag)) => {
                    let elem = self.start(at, tag)?;
                    children.push((elem.local.clone(), at));
                    self.skip(&elem)?;
                }
                (_, Event::Comment(_) | Event::PI(_)) => {}
                (_, Event::DocType(_)) => return Err(doctype()),
                (_, Event::Eof) => return Err(not_well_formed("the document ends inside an element")),
                (_, Event::Decl(_) | Event::Empty(_)) => return Err(not_well_formed("unexpected markup in text")),
            }
        }
    }

    /// Skips the rest of an element just started, checking only that it is well-formed.
    pub(crate) fn skip(&mut self, elem: &Elem<'a>) -> Result<(), Fatal> {
        self.capture(elem).map(|_| ())
    }

    /// Skips the rest of an element just started and returns its exact source text. The depth
    /// limit applies inside skipped content too.
    pub(crate) fn capture(&mut self, elem: &Elem<'a>) -> Result<&'a str, Fatal> {
        let base = self.depth;
        while self.depth >= base {
            match self.next_event()? {
                (at, Event::Start(tag)) => {
                    self.start(at, tag)?;
                }
                (_, Event::End(_)) => self.depth -= 1,
                (_, Event::GeneralRef(r)) => {
                    resolve_ref(&r)?;
                }
                (_, Event::DocType(_)) => return Err(doctype()),
                (_, Event::Eof) => return Err(not_well_formed("the document ends inside an element")),
                _ => {}
            }
        }
        Ok(&self.text[elem.start..self.offset()])
    }

    /// Namespace prefixes declared on the elements now open, innermost last.
    pub(crate) fn prefixes_in_scope(&self) -> Vec<(String, String)> {
        self.xml
            .resolver()
            .bindings()
            .filter_map(|(prefix, ns)| {
                let p = match prefix {
                    quick_xml::name::PrefixDeclaration::Named(p) => p.to_owned(),
                    quick_xml::name::PrefixDeclaration::Default => return None,
                };
                Some((p, ns.as_ref().to_owned()))
            })
            .collect()
    }
}

/// The character an entity or character reference stands for: the five predefined entities
/// and character references only. Anything else was declared in a DTD, which is never read.
fn resolve_ref(r: &quick_xml::events::BytesRef<'_>) -> Result<char, Fatal> {
    let name: &str = r;
    let c = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ if r.is_char_ref() => match r.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => c,
            _ => return Err(not_well_formed(&format!("&{name}; is not a valid character reference"))),
        },
        _ => {
            return Err(Finding::new(
                Code::UndefinedEntity,
                "/",
                format!(
                    "the entity reference &{name}; is refused: only &lt; &gt; &amp; &apos; &quot; and character references are allowed"
                ),
            ));
        }
    };
    Ok(c)
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn doctype() -> Fatal {
    Finding::new(
        Code::DoctypeRefused,
        "/",
        "the document has a DOCTYPE; CAP messages have none, and Tocsin refuses them so that no entity is declared, expanded or fetched",
    )
}

pub(crate) fn not_well_formed(what: &str) -> Fatal {
    Finding::new(Code::NotWellFormed, "/", format!("not well-formed XML: {what}"))
}
