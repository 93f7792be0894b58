//! The reference browser of the differential targets: html5ever's full tree
//! builder (the HTML standard's parsing algorithm, with foreign content,
//! foster parenting and the adoption agency), recording every element it
//! creates and every piece of text it appends. It shares no code with
//! `disclose::markup`, which reads with the tokenizer alone.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use html5ever::interface::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::{Attribute, ExpandedName, LocalName, Namespace, QualName, parse_document};

/// An element as the tree builder made it.
#[derive(Debug)]
pub struct Element {
    pub name: QualName,
    pub attrs: RefCell<Vec<Attribute>>,
}

type Handle = Rc<Element>;

#[derive(Default)]
struct Recorder {
    document: Option<Handle>,
    elements: RefCell<Vec<Handle>>,
    text: RefCell<String>,
}

fn node(local: &str) -> Handle {
    Rc::new(Element {
        name: QualName::new(None, Namespace::from(""), LocalName::from(local)),
        attrs: RefCell::new(Vec::new()),
    })
}

impl Recorder {
    fn take(&self, child: NodeOrText<Handle>) {
        if let NodeOrText::AppendText(t) = child {
            self.text.borrow_mut().push_str(&t);
        }
    }
}

impl TreeSink for Recorder {
    type Handle = Handle;
    type Output = Parsed;
    type ElemName<'a> = ExpandedName<'a>;

    fn finish(self) -> Parsed {
        Parsed {
            elements: self.elements.into_inner(),
            text: self.text.into_inner(),
        }
    }
    fn parse_error(&self, _msg: Cow<'static, str>) {}
    fn get_document(&self) -> Handle {
        self.document.clone().unwrap_or_else(|| node("#document"))
    }
    fn elem_name<'a>(&'a self, target: &'a Handle) -> ExpandedName<'a> {
        target.name.expanded()
    }
    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, _: ElementFlags) -> Handle {
        let e = Rc::new(Element {
            name,
            attrs: RefCell::new(attrs),
        });
        self.elements.borrow_mut().push(Rc::clone(&e));
        e
    }
    fn create_comment(&self, _text: StrTendril) -> Handle {
        node("#comment")
    }
    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> Handle {
        node("#pi")
    }
    fn append(&self, _parent: &Handle, child: NodeOrText<Handle>) {
        self.take(child);
    }
    fn append_based_on_parent_node(&self, _e: &Handle, _p: &Handle, child: NodeOrText<Handle>) {
        self.take(child);
    }
    fn append_doctype_to_document(&self, _: StrTendril, _: StrTendril, _: StrTendril) {}
    fn get_template_contents(&self, target: &Handle) -> Handle {
        Rc::clone(target)
    }
    fn same_node(&self, x: &Handle, y: &Handle) -> bool {
        Rc::ptr_eq(x, y)
    }
    fn set_quirks_mode(&self, _mode: QuirksMode) {}
    fn append_before_sibling(&self, _sibling: &Handle, child: NodeOrText<Handle>) {
        self.take(child);
    }
    fn add_attrs_if_missing(&self, target: &Handle, attrs: Vec<Attribute>) {
        let mut have = target.attrs.borrow_mut();
        for a in attrs {
            if !have.iter().any(|h| h.name == a.name) {
                have.push(a);
            }
        }
    }
    fn remove_from_parent(&self, _target: &Handle) {}
    fn reparent_children(&self, _node: &Handle, _new_parent: &Handle) {}
}

/// What the tree builder made of a document.
pub struct Parsed {
    /// Every element, in the order created.
    pub elements: Vec<Handle>,
    /// Every text node's text, in the order appended.
    pub text: String,
}

/// Parses `html` as a browser parses a page.
pub fn parse(html: &str) -> Parsed {
    let sink = Recorder {
        document: Some(node("#document")),
        ..Recorder::default()
    };
    parse_document(sink, Default::default()).one(html)
}

/// The scheme of a URL as the URL standard reads it: leading and trailing
/// C0 controls and spaces stripped, tabs and newlines removed anywhere,
/// lower-cased up to the first `:`.
pub fn url_scheme(url: &str) -> Option<String> {
    let trimmed = url.trim_matches(|c: char| c <= ' ');
    let cleaned: String = trimmed
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let (scheme, _) = cleaned.split_once(':')?;
    let first = scheme.chars().next()?;
    (first.is_ascii_alphabetic()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then(|| scheme.to_ascii_lowercase())
}

/// The active content a browser would build from `html`, described as
/// `disclose::markdown::find_unsafe` describes it.
pub fn active(html: &str) -> Vec<String> {
    let parsed = parse(html);
    let mut found = Vec::new();
    for e in &parsed.elements {
        let name: &str = &e.name.local;
        if disclose::markup::ACTIVE_TAGS.contains(&name) {
            let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            found.push(format!("{article} <{name}> element"));
        }
        for a in e.attrs.borrow().iter() {
            let attr: &str = &a.name.local;
            if attr.len() > 2 && attr.starts_with("on") {
                found.push(format!("an event handler attribute `{attr}`"));
            } else if let Some(s) = url_scheme(&a.value)
                && matches!(s.as_str(), "javascript" | "vbscript" | "data")
            {
                found.push(format!("a `{s}:` URL"));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}
