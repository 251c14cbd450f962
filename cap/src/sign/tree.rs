//! The document as a small tree for signatures: elements with their own namespace declarations,
//! attributes with normalized values, text with references resolved, comments and processing
//! instructions, read from quick-xml events. No DOCTYPE, no entity but the predefined ones.

use quick_xml::Reader as XmlReader;
use quick_xml::events::{BytesStart, Event};

use super::error::SignatureError;

/// The namespace bound to the `xml` prefix.
pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// Elements nest no deeper than this (the walk over the tree is recursive).
const MAX_DEPTH: usize = 64;

/// A node below an element or beside the root element.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    Element(usize),
    Text(String),
    Comment(String),
    Pi { target: String, data: String },
}

/// An attribute as written: prefix, local name and normalized value.
#[derive(Clone, Debug)]
pub(crate) struct Attr {
    pub prefix: Option<String>,
    pub local: String,
    pub value: String,
}

/// An element: its name, the namespaces it declares itself (prefix `""` is the default
/// namespace), its other attributes and its children.
#[derive(Clone, Debug)]
pub(crate) struct Element {
    pub prefix: Option<String>,
    pub local: String,
    pub declares: Vec<(String, String)>,
    pub attrs: Vec<Attr>,
    pub children: Vec<Node>,
    pub parent: Option<usize>,
}

/// A whole document: what comes before the root element, the elements, what comes after.
#[derive(Clone, Debug)]
pub(crate) struct Tree {
    pub before: Vec<Node>,
    pub elements: Vec<Element>,
    pub root: usize,
    pub after: Vec<Node>,
}

impl Tree {
    /// Reads a document.
    pub(crate) fn parse(text: &str) -> Result<Tree, SignatureError> {
        let tree = Builder::default().run(text)?;
        for (at, e) in tree.elements.iter().enumerate() {
            let prefixes = e.prefix.iter().chain(e.attrs.iter().filter_map(|a| a.prefix.as_ref()));
            for p in prefixes {
                if tree.namespace_of(at, p).is_none_or(str::is_empty) {
                    return Err(malformed(&format!("the prefix {p}: is not declared")));
                }
            }
        }
        Ok(tree)
    }

    /// The namespace URI a prefix (`""` for the default) has at an element; `""` when unbound.
    pub(crate) fn namespace_of(&self, mut at: usize, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some(XML_NS);
        }
        loop {
            let e = &self.elements[at];
            if let Some((_, uri)) = e.declares.iter().find(|(p, _)| p == prefix) {
                return Some(uri.as_str());
            }
            at = e.parent?;
        }
    }

    /// The namespace URI of an element's own name.
    pub(crate) fn element_namespace(&self, at: usize) -> &str {
        let prefix = self.elements[at].prefix.as_deref().unwrap_or("");
        self.namespace_of(at, prefix).unwrap_or("")
    }

    /// Every namespace binding in scope at an element, the innermost declaration winning,
    /// sorted by prefix. The default namespace appears only when bound to a non-empty URI.
    pub(crate) fn in_scope(&self, at: usize) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut cur = Some(at);
        while let Some(i) = cur {
            for (p, uri) in &self.elements[i].declares {
                if !out.iter().any(|(q, _)| q == p) {
                    out.push((p.clone(), uri.clone()));
                }
            }
            cur = self.elements[i].parent;
        }
        out.retain(|(p, uri)| !(p.is_empty() && uri.is_empty()) && p != "xml");
        out.sort();
        out
    }

    /// The value of an unprefixed attribute.
    pub(crate) fn attr(&self, at: usize, name: &str) -> Option<&str> {
        self.elements[at].attrs.iter().find(|a| a.prefix.is_none() && a.local == name).map(|a| a.value.as_str())
    }

    /// The child elements of an element, in order.
    pub(crate) fn child_elements(&self, at: usize) -> impl Iterator<Item = usize> + '_ {
        self.elements[at].children.iter().filter_map(|n| match n {
            Node::Element(i) => Some(*i),
            _ => None,
        })
    }

    /// The element's text content (its text children joined; deeper text is not included).
    pub(crate) fn text(&self, at: usize) -> String {
        self.elements[at]
            .children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }
}

#[derive(Default)]
struct Builder {
    before: Vec<Node>,
    after: Vec<Node>,
    elements: Vec<Element>,
    open: Vec<usize>,
    root: Option<usize>,
}

impl Builder {
    fn run(mut self, text: &str) -> Result<Tree, SignatureError> {
        let mut xml = XmlReader::from_str(text);
        let cfg = xml.config_mut();
        cfg.expand_empty_elements = true;
        cfg.check_end_names = true;
        cfg.trim_text(false);
        loop {
            let event = xml.read_event().map_err(|e| malformed(&format!("not well-formed XML: {e}")))?;
            match event {
                Event::Start(tag) => self.start(&tag)?,
                Event::End(_) => {
                    self.open.pop();
                }
                Event::Text(t) => self.text(&t.xml10_content())?,
                Event::CData(c) => self.text(&c.xml10_content())?,
                Event::GeneralRef(r) => self.text(&resolve_ref(&r)?.to_string())?,
                Event::Comment(c) => self.misc(Node::Comment(c.xml10_content().into_owned())),
                Event::PI(pi) => {
                    self.misc(Node::Pi { target: pi.target().to_owned(), data: pi.content().trim_start().to_owned() })
                }
                Event::Decl(_) => {}
                Event::DocType(_) => return Err(malformed("the document has a DOCTYPE")),
                Event::Empty(_) => return Err(malformed("unexpected empty element")),
                Event::Eof if self.open.is_empty() => break,
                Event::Eof => return Err(malformed("the document ends inside an element")),
            }
        }
        let root = self.root.ok_or_else(|| malformed("the document has no root element"))?;
        Ok(Tree { before: self.before, elements: self.elements, root, after: self.after })
    }

    fn start(&mut self, tag: &BytesStart<'_>) -> Result<(), SignatureError> {
        if self.open.len() >= MAX_DEPTH {
            return Err(malformed("elements nest too deep"));
        }
        let parent = self.open.last().copied();
        if parent.is_none() && self.root.is_some() {
            return Err(malformed("a second root element"));
        }
        let (prefix, local) = split_name(tag.name().as_ref())?;
        let mut element =
            Element { prefix, local, declares: Vec::new(), attrs: Vec::new(), children: Vec::new(), parent };
        for attr in tag.attributes().with_checks(true) {
            let attr = attr.map_err(|e| malformed(&format!("malformed attribute: {e}")))?;
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| malformed(&format!("attribute value: {e}")))?
                .into_owned();
            let (prefix, local) = split_name(attr.key.as_ref())?;
            match (prefix.as_deref(), local.as_str()) {
                (None, "xmlns") => element.declares.push((String::new(), value)),
                (Some("xmlns"), p) => element.declares.push((p.to_owned(), value)),
                _ => element.attrs.push(Attr { prefix, local, value }),
            }
        }
        let id = self.elements.len();
        self.elements.push(element);
        match parent {
            Some(p) => self.elements[p].children.push(Node::Element(id)),
            None => self.root = Some(id),
        }
        self.open.push(id);
        Ok(())
    }

    fn text(&mut self, t: &str) -> Result<(), SignatureError> {
        let Some(&at) = self.open.last() else {
            return if t.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) {
                Ok(())
            } else {
                Err(malformed("text outside the root element"))
            };
        };
        let children = &mut self.elements[at].children;
        match children.last_mut() {
            Some(Node::Text(prev)) => prev.push_str(t),
            _ => children.push(Node::Text(t.to_owned())),
        }
        Ok(())
    }

    fn misc(&mut self, node: Node) {
        match (self.open.last(), self.root) {
            (Some(&at), _) => self.elements[at].children.push(node),
            (None, None) => self.before.push(node),
            (None, Some(_)) => self.after.push(node),
        }
    }
}

fn split_name(name: &str) -> Result<(Option<String>, String), SignatureError> {
    Ok(match name.split_once(':') {
        Some((p, l)) => (Some(p.to_owned()), l.to_owned()),
        None => (None, name.to_owned()),
    })
}

/// The predefined entities and character references; anything else would need a DTD.
fn resolve_ref(r: &quick_xml::events::BytesRef<'_>) -> Result<char, SignatureError> {
    let name: &str = r;
    match name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        _ => match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c),
            _ => Err(malformed(&format!("the reference &{name}; is not allowed"))),
        },
    }
}

pub(crate) fn malformed(what: &str) -> SignatureError {
    SignatureError::Malformed(what.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_and_text_are_resolved() {
        let t = Tree::parse("<?pi x?><a xmlns='u' xmlns:p='v'><p:b c='1&amp;2'>x&lt;y<![CDATA[&]]></p:b></a><!--c-->")
            .unwrap();
        assert_eq!(t.before.len(), 1);
        assert_eq!(t.after.len(), 1);
        let b = t.child_elements(t.root).next().unwrap();
        assert_eq!(t.element_namespace(b), "v");
        assert_eq!(t.attr(b, "c"), Some("1&2"));
        assert_eq!(t.text(b), "x<y&");
        assert_eq!(t.in_scope(b), vec![(String::new(), "u".to_owned()), ("p".to_owned(), "v".to_owned())]);
    }

    #[test]
    fn doctype_and_unknown_entities_are_refused() {
        assert!(Tree::parse("<!DOCTYPE a><a/>").is_err());
        assert!(Tree::parse("<a>&x;</a>").is_err());
        assert!(Tree::parse("<p:a/>").is_err());
        assert!(Tree::parse("<a><b></b>").is_err(), "unclosed");
        assert!(Tree::parse("<a p:b='1'/>").is_err());
    }
}
