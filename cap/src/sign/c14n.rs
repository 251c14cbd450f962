//! Canonical XML, written here from the W3C recommendations: inclusive C14N 1.0
//! (<https://www.w3.org/TR/xml-c14n>), C14N 1.1 (<https://www.w3.org/TR/xml-c14n11/>) and
//! exclusive C14N 1.0 (<https://www.w3.org/TR/xml-exc-c14n/>), each with or without comments,
//! over a whole document or one element's subtree, with one element left out (the
//! enveloped-signature transform).
//!
//! What it does: UTF-8 output; no XML declaration or DOCTYPE; empty elements as start and end
//! tag pairs; namespace declarations first, sorted by prefix, then attributes sorted by namespace
//! URI and local name; only namespace declarations the output does not already have in scope
//! (exclusive: only those the element or its attributes use, or that the `InclusiveNamespaces`
//! prefix list names); attribute values and text escaped as the recommendations say; CDATA as
//! text; processing instructions and (if asked) comments outside the root element on their own
//! lines. For a subtree, the inclusive forms render on its top element the namespaces and the
//! `xml:` attributes it inherits (1.1 inherits `xml:lang` and `xml:space` only; it does not do
//! the `xml:base` fix-up, which no CAP signature needs).

use super::error::SignatureError;
use super::tree::{Node, Tree, XML_NS};

/// A canonicalization algorithm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Canonicalization {
    /// Inclusive C14N.
    Inclusive {
        /// C14N 1.1 rather than 1.0.
        v11: bool,
        /// Comments kept.
        comments: bool,
    },
    /// Exclusive C14N 1.0.
    Exclusive {
        /// Comments kept.
        comments: bool,
        /// The prefixes of its `InclusiveNamespaces PrefixList` (`#default` is the default
        /// namespace), rendered as inclusive C14N would.
        prefixes: Vec<String>,
    },
}

impl Canonicalization {
    /// The algorithm an XML-DSig URI names.
    pub fn from_uri(uri: &str) -> Option<Canonicalization> {
        let (v11, comments) = match uri {
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315" => (false, false),
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments" => (false, true),
            "http://www.w3.org/2006/12/xml-c14n11" => (true, false),
            "http://www.w3.org/2006/12/xml-c14n11#WithComments" => (true, true),
            "http://www.w3.org/2001/10/xml-exc-c14n#" => {
                return Some(Canonicalization::Exclusive { comments: false, prefixes: Vec::new() });
            }
            "http://www.w3.org/2001/10/xml-exc-c14n#WithComments" => {
                return Some(Canonicalization::Exclusive { comments: true, prefixes: Vec::new() });
            }
            _ => return None,
        };
        Some(Canonicalization::Inclusive { v11, comments })
    }

    fn comments(&self) -> bool {
        match self {
            Canonicalization::Inclusive { comments, .. } | Canonicalization::Exclusive { comments, .. } => *comments,
        }
    }

    /// The same algorithm with comments left out (a same-document reference drops them).
    pub(crate) fn without_comments(&self) -> Canonicalization {
        let mut c = self.clone();
        match &mut c {
            Canonicalization::Inclusive { comments, .. } | Canonicalization::Exclusive { comments, .. } => {
                *comments = false
            }
        }
        c
    }
}

/// What to canonicalize: the whole document or one element's subtree, less one element.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Subset<'a> {
    /// `None` for the whole document.
    pub apex: Option<usize>,
    /// Elements left out with everything below them.
    pub omit: &'a [usize],
}

/// The canonical form of a whole document (UTF-8, US-ASCII or ISO-8859-1 as declared). The
/// document may have no DOCTYPE and no entities but the predefined ones.
pub fn canonicalize_document(xml: &[u8], method: &Canonicalization) -> Result<Vec<u8>, SignatureError> {
    let text = crate::read::prepare::prepare(xml, usize::MAX).map_err(|f| SignatureError::Malformed(f.message))?;
    let tree = Tree::parse(&text)?;
    Ok(canonicalize(&tree, method, Subset { apex: None, omit: &[] }))
}

/// The canonical form of a subset of a document.
pub(crate) fn canonicalize(tree: &Tree, method: &Canonicalization, subset: Subset<'_>) -> Vec<u8> {
    let mut w = Writer { tree, method, omit: subset.omit, out: String::new() };
    match subset.apex {
        Some(apex) => w.element(apex, &[], true),
        None => {
            for n in &tree.before {
                if w.misc(n) {
                    w.out.push('\n');
                }
            }
            w.element(tree.root, &[], false);
            for n in &tree.after {
                if w.wants(n) {
                    w.out.push('\n');
                    w.misc(n);
                }
            }
        }
    }
    w.out.into_bytes()
}

struct Writer<'a> {
    tree: &'a Tree,
    method: &'a Canonicalization,
    omit: &'a [usize],
    out: String,
}

impl Writer<'_> {
    fn wants(&self, n: &Node) -> bool {
        !matches!(n, Node::Comment(_)) || self.method.comments()
    }

    /// Writes a comment or processing instruction; false when it was left out.
    fn misc(&mut self, n: &Node) -> bool {
        match n {
            Node::Comment(c) if self.method.comments() => {
                self.out.push_str("<!--");
                self.out.push_str(c);
                self.out.push_str("-->");
            }
            Node::Pi { target, data } => {
                self.out.push_str("<?");
                self.out.push_str(target);
                if !data.is_empty() {
                    self.out.push(' ');
                    self.out.push_str(data);
                }
                self.out.push_str("?>");
            }
            _ => return false,
        }
        true
    }

    /// Writes an element; `rendered` holds the namespace bindings the output already has in
    /// scope from the element's output ancestors.
    fn element(&mut self, at: usize, rendered: &[(String, String)], apex: bool) {
        let e = &self.tree.elements[at];
        let declare = self.declarations(at, rendered);
        let mut now: Vec<(String, String)> = rendered.to_vec();
        for (p, u) in &declare {
            now.retain(|(q, _)| q != p);
            now.push((p.clone(), u.clone()));
        }
        let qname = match &e.prefix {
            Some(p) => format!("{p}:{}", e.local),
            None => e.local.clone(),
        };
        self.out.push('<');
        self.out.push_str(&qname);
        for (p, u) in &declare {
            self.out.push_str(if p.is_empty() { " xmlns" } else { " xmlns:" });
            self.out.push_str(p);
            self.out.push_str("=\"");
            escape_attr(&mut self.out, u);
            self.out.push('"');
        }
        for (name, value) in self.attributes(at, apex) {
            self.out.push(' ');
            self.out.push_str(&name);
            self.out.push_str("=\"");
            escape_attr(&mut self.out, &value);
            self.out.push('"');
        }
        self.out.push('>');
        for n in &e.children {
            match n {
                Node::Element(c) if self.omit.contains(c) => {}
                Node::Element(c) => self.element(*c, &now, false),
                Node::Text(t) => escape_text(&mut self.out, t),
                other => {
                    self.misc(other);
                }
            }
        }
        self.out.push_str("</");
        self.out.push_str(&qname);
        self.out.push('>');
    }

    /// The namespace declarations to write on an element, sorted by prefix.
    fn declarations(&self, at: usize, rendered: &[(String, String)]) -> Vec<(String, String)> {
        let in_scope = self.tree.in_scope(at);
        let bound = |p: &str| in_scope.iter().find(|(q, _)| q == p).map(|(_, u)| u.as_str());
        let had = |p: &str| rendered.iter().find(|(q, _)| q == p).map(|(_, u)| u.as_str()).unwrap_or("");
        let candidates: Vec<String> = match self.method {
            Canonicalization::Inclusive { .. } => {
                let mut c: Vec<String> = in_scope.iter().map(|(p, _)| p.clone()).collect();
                if !c.iter().any(String::is_empty) {
                    c.push(String::new());
                }
                c
            }
            Canonicalization::Exclusive { prefixes, .. } => {
                let e = &self.tree.elements[at];
                let mut c = vec![e.prefix.clone().unwrap_or_default()];
                c.extend(e.attrs.iter().filter_map(|a| a.prefix.clone()));
                c.extend(prefixes.iter().map(|p| if p == "#default" { String::new() } else { p.clone() }));
                c
            }
        };
        let mut out: Vec<(String, String)> = Vec::new();
        for p in candidates {
            if p == "xml" || out.iter().any(|(q, _)| *q == p) {
                continue;
            }
            let uri = match bound(&p) {
                Some(u) => u,
                None if p.is_empty() => "",
                None => continue,
            };
            if had(&p) != uri {
                out.push((p, uri.to_owned()));
            }
        }
        out.sort();
        out
    }

    /// The attributes to write, as (qualified name, value), sorted by namespace URI and local
    /// name; on a subtree's top element the inclusive forms add the inherited `xml:` ones.
    fn attributes(&self, at: usize, apex: bool) -> Vec<(String, String)> {
        let e = &self.tree.elements[at];
        let mut keyed: Vec<((String, String), String, String)> = e
            .attrs
            .iter()
            .map(|a| {
                let uri = a.prefix.as_deref().and_then(|p| self.tree.namespace_of(at, p)).unwrap_or("");
                let name = match &a.prefix {
                    Some(p) => format!("{p}:{}", a.local),
                    None => a.local.clone(),
                };
                ((uri.to_owned(), a.local.clone()), name, a.value.clone())
            })
            .collect();
        if let (true, Canonicalization::Inclusive { v11, .. }) = (apex, self.method) {
            let inherited: &[&str] = if *v11 { &["lang", "space"] } else { &["lang", "space", "base", "id"] };
            let mut cur = e.parent;
            while let Some(p) = cur {
                for a in &self.tree.elements[p].attrs {
                    let key = (XML_NS.to_owned(), a.local.clone());
                    let is_xml = a.prefix.as_deref() == Some("xml") && inherited.contains(&a.local.as_str());
                    if is_xml && !keyed.iter().any(|(k, _, _)| *k == key) {
                        keyed.push((key, format!("xml:{}", a.local), a.value.clone()));
                    }
                }
                cur = self.tree.elements[p].parent;
            }
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        keyed.into_iter().map(|(_, n, v)| (n, v)).collect()
    }
}

fn escape_text(out: &mut String, t: &str) {
    escape(out, t, false);
}

fn escape_attr(out: &mut String, t: &str) {
    escape(out, t, true);
}

/// C14N's escaping: `&`, `<` and CR always; `>` in text; `"`, tab and LF in attribute values.
fn escape(out: &mut String, t: &str, attr: bool) {
    for c in t.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '\r' => out.push_str("&#xD;"),
            '>' if !attr => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\t' if attr => out.push_str("&#x9;"),
            '\n' if attr => out.push_str("&#xA;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c14n(xml: &str, method: &Canonicalization, apex_path: &[usize]) -> String {
        let tree = Tree::parse(xml).unwrap();
        let mut at = tree.root;
        for &i in apex_path {
            at = tree.child_elements(at).nth(i).unwrap();
        }
        let apex = if apex_path.is_empty() { None } else { Some(at) };
        String::from_utf8(canonicalize(&tree, method, Subset { apex, omit: &[] })).unwrap()
    }

    const INCL: Canonicalization = Canonicalization::Inclusive { v11: false, comments: false };

    #[test]
    fn the_recommendation_s_example_3_2_start_and_end_tags() {
        // From C14N 1.0 section 3.2 (the DTD's default attributes left out: we read no DTD).
        let xml = "<doc>\n   <e1   />\n   <e2   ></e2>\n   <e3   name = \"elem3\"   id=\"elem3\"   />\n   \
                   <e5 a:attr=\"out\" b:attr=\"sorted\" attr2=\"all\" attr=\"I'm\"\n      xmlns:b=\"http://www.ietf.org\"\n      \
                   xmlns:a=\"http://www.w3.org\"\n      xmlns=\"http://example.org\"/>\n</doc>";
        let want = "<doc>\n   <e1></e1>\n   <e2></e2>\n   <e3 id=\"elem3\" name=\"elem3\"></e3>\n   \
                    <e5 xmlns=\"http://example.org\" xmlns:a=\"http://www.w3.org\" xmlns:b=\"http://www.ietf.org\" \
                    attr=\"I'm\" attr2=\"all\" b:attr=\"sorted\" a:attr=\"out\"></e5>\n</doc>";
        assert_eq!(c14n(xml, &INCL, &[]), want);
    }

    #[test]
    fn text_attributes_and_comments_are_escaped_and_placed() {
        let xml =
            "<?xml version='1.0'?>\n<!--a--><?p  d?><r a='&#x9;x&#xA;&lt;\"'>&#xD;&gt;<![CDATA[<&]]></r>\n<!--z-->";
        assert_eq!(c14n(xml, &INCL, &[]), "<?p d?>\n<r a=\"&#x9;x&#xA;&lt;&quot;\">&#xD;&gt;&lt;&amp;</r>");
        let with = Canonicalization::Inclusive { v11: false, comments: true };
        assert!(c14n(xml, &with, &[]).starts_with("<!--a-->\n<?p d?>\n<r"));
        assert!(c14n(xml, &with, &[]).ends_with("</r>\n<!--z-->"));
    }

    #[test]
    fn a_subtree_inherits_namespaces_inclusively_but_not_exclusively() {
        let xml = "<a xmlns='urn:a' xmlns:u='urn:u' xml:lang='en'><s:b xmlns:s='urn:s'><s:c/></s:b></a>";
        assert_eq!(
            c14n(xml, &INCL, &[0]),
            "<s:b xmlns=\"urn:a\" xmlns:s=\"urn:s\" xmlns:u=\"urn:u\" xml:lang=\"en\"><s:c></s:c></s:b>"
        );
        let exc = Canonicalization::Exclusive { comments: false, prefixes: Vec::new() };
        assert_eq!(c14n(xml, &exc, &[0]), "<s:b xmlns:s=\"urn:s\"><s:c></s:c></s:b>");
        let exc_u =
            Canonicalization::Exclusive { comments: false, prefixes: vec!["u".to_owned(), "#default".to_owned()] };
        assert_eq!(
            c14n(xml, &exc_u, &[0]),
            "<s:b xmlns=\"urn:a\" xmlns:s=\"urn:s\" xmlns:u=\"urn:u\"><s:c></s:c></s:b>"
        );
    }

    #[test]
    fn superfluous_and_empty_default_declarations() {
        let xml = "<a xmlns='urn:a'><b xmlns='urn:a'><c xmlns=''><d xmlns=''/></c></b></a>";
        assert_eq!(c14n(xml, &INCL, &[]), "<a xmlns=\"urn:a\"><b><c xmlns=\"\"><d></d></c></b></a>");
        let exc = Canonicalization::Exclusive { comments: false, prefixes: Vec::new() };
        assert_eq!(c14n(xml, &exc, &[]), "<a xmlns=\"urn:a\"><b><c xmlns=\"\"><d></d></c></b></a>");
    }
}
