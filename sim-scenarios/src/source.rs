//! Where user input came from, and what is wrong with it.
//!
//! Every problem kubesim finds in a user's file is an [`InputError`] that names the file,
//! the line and column (1-based), and the field path (`spec.template.spec.containers[0].image`).
//! The positions come from a [`YamlIndex`], built with yaml-rust2's event parser, which maps
//! each field path of a document to the place where its key is written.
//!
//! The scan that builds the indexes is also the first line of defence against hostile input:
//! it refuses oversized files, deep nesting, too many documents and alias bombs before any
//! serde decoding runs, so a bad file costs a located error, never a panic, a hang or a huge
//! allocation.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Bound;
use std::sync::Arc;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Largest manifest or scenario file kubesim reads.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// Deepest nesting of mappings and sequences in one document (serde_yaml's own limit).
pub const MAX_DEPTH: usize = 128;
/// Most documents in one file.
pub const MAX_DOCUMENTS: usize = 10_000;
/// Most alias references (`*name`) in one file.
pub const MAX_ALIASES: usize = 10_000;
/// Most nodes that alias references may add to a document once expanded: the "billion
/// laughs" attack is a few hundred bytes that expand to 10^9 nodes.
pub const MAX_ALIAS_EXPANSION: u64 = 1_000_000;

/// A position in a user's file; `line` and `column` are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceLocation {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl SourceLocation {
    pub fn new(file: impl Into<String>, line: usize, column: usize) -> Self {
        SourceLocation {
            file: file.into(),
            line,
            column,
        }
    }
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One problem in user input, located, on one line when displayed:
/// ``deploy.yaml:7:3: field `spec.replicaz`: unknown field `replicaz` (did you mean `replicas`?)``
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InputError {
    pub location: SourceLocation,
    /// Dotted path of the field, sequence items as `[i]`.
    pub field: Option<String>,
    pub message: String,
    pub suggestion: Option<String>,
}

impl InputError {
    pub fn new(location: SourceLocation, message: impl Into<String>) -> Self {
        InputError {
            location,
            field: None,
            message: message.into(),
            suggestion: None,
        }
    }

    /// Sets the field path; an empty path (the document itself) leaves it unset.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        let field = field.into();
        self.field = (!field.is_empty()).then_some(field);
        self
    }

    #[must_use]
    pub fn with_suggestion(mut self, suggestion: Option<String>) -> Self {
        self.suggestion = suggestion;
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.location)?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        // Messages from parsers may span lines; the report stays one line per problem.
        let mut words = self.message.split_whitespace();
        if let Some(first) = words.next() {
            f.write_str(first)?;
            for word in words {
                write!(f, " {word}")?;
            }
        }
        if let Some(suggestion) = &self.suggestion {
            write!(f, " (did you mean `{suggestion}`?)")?;
        }
        Ok(())
    }
}

/// Several problems reported at once, one per line.
#[derive(Debug, Clone, PartialEq, Eq, Default, thiserror::Error)]
pub struct InputErrors(pub Vec<InputError>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl From<InputError> for InputErrors {
    fn from(error: InputError) -> Self {
        InputErrors(vec![error])
    }
}

/// The candidate closest to `unknown`, if it is close enough to be a plausible typo.
/// Ties go to the earlier candidate, so the answer does not depend on anything but the inputs.
pub fn suggest(unknown: &str, candidates: &[&str]) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for &candidate in candidates {
        let score = if candidate.eq_ignore_ascii_case(unknown) {
            1.0
        } else {
            strsim::jaro_winkler(unknown, candidate)
        };
        if score >= 0.8 && best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| candidate.to_string())
}

/// What the top node of a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootKind {
    /// Nothing, only comments, or an explicit null.
    Empty,
    Mapping,
    Sequence,
    Scalar,
}

/// Line and 1-based column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Pos {
    line: usize,
    column: usize,
}

impl From<&Marker> for Pos {
    fn from(marker: &Marker) -> Self {
        // yaml-rust2 counts lines from 1 and columns from 0.
        Pos {
            line: marker.line(),
            column: marker.col() + 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    key: Pos,
    value: Pos,
}

/// Field paths of one YAML document (or of one object inside it) and where each is written.
///
/// Paths are dotted (`spec.template.spec`), sequence items are `[i]`
/// (`containers[0].name`); the empty path is the object itself. Positions are absolute in the
/// file, whichever document of a multi-document file the index covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlIndex {
    file: Arc<str>,
    /// Where the object starts; missing fields of the object itself are reported here.
    start: Pos,
    /// Path of this object inside its document (`items[3].`), for error messages.
    prefix: String,
    entries: BTreeMap<String, Entry>,
    /// Scalar values of `apiVersion` and `kind` (also inside `items[i]`), so a loader can
    /// choose a type before decoding.
    type_meta: BTreeMap<String, String>,
}

impl YamlIndex {
    /// Index a text that holds at most one YAML document (an empty text gives an empty index).
    pub fn from_document(file: &str, text: &str) -> Result<YamlIndex, InputError> {
        let mut documents = scan_documents(file, text)?;
        if documents.len() > 1 {
            let second = documents.swap_remove(1);
            return Err(InputError::new(
                second.index.start(),
                "expected a single YAML document, found another one here",
            ));
        }
        Ok(documents
            .pop()
            .map(|document| document.index)
            .unwrap_or_else(|| YamlIndex::empty(file)))
    }

    fn empty(file: &str) -> YamlIndex {
        YamlIndex {
            file: Arc::from(file),
            start: Pos { line: 1, column: 1 },
            prefix: String::new(),
            entries: BTreeMap::new(),
            type_meta: BTreeMap::new(),
        }
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    fn location(&self, pos: Pos) -> SourceLocation {
        SourceLocation::new(&*self.file, pos.line, pos.column)
    }

    /// Where the object starts.
    pub fn start(&self) -> SourceLocation {
        self.location(self.start)
    }

    /// Whether the path is written in the document.
    pub fn contains(&self, path: &str) -> bool {
        self.entries.contains_key(path)
    }

    /// Where the key of `path` is written (the item itself for a sequence item); for a path
    /// that is not written, the deepest written prefix, so a missing field points at its
    /// parent; the start of the object if nothing matches.
    pub fn locate(&self, path: &str) -> SourceLocation {
        self.location(self.deepest(path).map_or(self.start, |entry| entry.key))
    }

    /// Like [`YamlIndex::locate`], but where the value is written.
    pub fn locate_value(&self, path: &str) -> SourceLocation {
        self.location(self.deepest(path).map_or(self.start, |entry| entry.value))
    }

    fn deepest(&self, path: &str) -> Option<&Entry> {
        let mut path = path;
        loop {
            if let Some(entry) = self.entries.get(path) {
                return Some(entry);
            }
            path = &path[..path.rfind(['.', '['])?];
        }
    }

    /// The path as written in the document, e.g. `items[3].spec.replicas` for `spec.replicas`
    /// of the fourth item of a `List`.
    pub fn full_path(&self, path: &str) -> String {
        if path.is_empty() {
            self.prefix.trim_end_matches('.').to_string()
        } else {
            format!("{}{path}", self.prefix)
        }
    }

    /// An error about `path` of this object, located at its key (or its deepest written parent).
    pub fn error(&self, path: &str, message: impl Into<String>) -> InputError {
        InputError::new(self.locate(path), message).with_field(self.full_path(path))
    }

    /// The field whose value starts at, or most closely before, a line and column: this is how
    /// a position reported by a decoder becomes a field path.
    pub fn path_at(&self, line: usize, column: usize) -> Option<&str> {
        let target = Pos { line, column };
        let mut best: Option<(&str, Pos)> = None;
        for (path, entry) in &self.entries {
            if entry.value <= target && best.is_none_or(|(_, pos)| entry.value > pos) {
                best = Some((path, entry.value));
            }
        }
        best.map(|(path, _)| path)
    }

    /// The scalar value of an `apiVersion` or `kind` field (at the top, or in `items[i]`).
    pub fn type_meta(&self, path: &str) -> Option<&str> {
        self.type_meta.get(path).map(String::as_str)
    }

    /// The index of the object at `path` (such as `items[3]`), its paths relative to it.
    pub fn subtree(&self, path: &str) -> YamlIndex {
        let start = self
            .entries
            .get(path)
            .map_or(self.start, |entry| entry.value);
        YamlIndex {
            file: Arc::clone(&self.file),
            start,
            prefix: format!("{}{path}.", self.prefix),
            entries: rebase(&self.entries, path),
            type_meta: rebase(&self.type_meta, path),
        }
    }
}

/// The entries under `path`, keyed by their path relative to it.
fn rebase<V: Clone>(map: &BTreeMap<String, V>, path: &str) -> BTreeMap<String, V> {
    let mut rebased = BTreeMap::new();
    // Keys sharing a prefix are contiguous in a BTreeMap.
    for (key, value) in map.range::<str, _>((Bound::Included(path), Bound::Unbounded)) {
        let Some(rest) = key.strip_prefix(path) else {
            break;
        };
        let relative = match rest.strip_prefix('.') {
            Some(field) => field,
            // `items[3]` itself, or a nested sequence item `items[3][0]`; `items[30]` is not
            // under `items[3]`.
            None if rest.is_empty() || rest.starts_with('[') => rest,
            None => continue,
        };
        rebased.insert(relative.to_string(), value.clone());
    }
    rebased
}

/// One document of a YAML stream.
#[derive(Debug, Clone)]
pub struct YamlDocument {
    pub root: RootKind,
    pub index: YamlIndex,
}

/// Scan a (possibly multi-document) YAML text into one index per document, in order,
/// including empty documents. Stops at the first syntax error or exceeded limit.
pub fn scan_documents(file: &str, text: &str) -> Result<Vec<YamlDocument>, InputError> {
    let file: Arc<str> = Arc::from(file);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.len() > MAX_FILE_BYTES {
        return Err(InputError::new(
            SourceLocation::new(&*file, 1, 1),
            format!(
                "file is {} bytes, larger than the {MAX_FILE_BYTES} bytes kubesim reads",
                text.len()
            ),
        ));
    }
    let mut scan = Scan {
        file,
        documents: Vec::new(),
        current: None,
        aliases: 0,
    };
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, marker) = parser.next_token().map_err(|error| {
            scan.error(
                Pos::from(error.marker()),
                format!("invalid YAML: {}", error.info()),
            )
        })?;
        if event == Event::StreamEnd {
            break;
        }
        scan.event(event, Pos::from(&marker))?;
    }
    Ok(scan.documents)
}

enum Frame {
    Mapping {
        path: String,
        /// The key just read, waiting for its value.
        key: Option<(String, Pos)>,
        /// Keys seen so far: a path seen before may be a different key (`a.b` and `a: {b}`).
        keys: BTreeSet<String>,
        first_key: bool,
        anchor: usize,
        nodes_at_start: u64,
    },
    Sequence {
        path: String,
        next: usize,
        anchor: usize,
        nodes_at_start: u64,
    },
}

struct DocumentScan {
    start: Pos,
    root: RootKind,
    entries: BTreeMap<String, Entry>,
    type_meta: BTreeMap<String, String>,
    stack: Vec<Frame>,
    /// Nodes in the document with aliases expanded.
    nodes: u64,
    alias_nodes: u64,
    /// Expanded size of each anchored node that is complete.
    anchors: BTreeMap<usize, u64>,
}

struct Scan {
    file: Arc<str>,
    documents: Vec<YamlDocument>,
    current: Option<DocumentScan>,
    aliases: usize,
}

/// What a node event brings to its parent.
enum Node<'a> {
    Scalar(&'a str),
    Collection,
    Alias,
}

impl Scan {
    fn error(&self, pos: Pos, message: impl Into<String>) -> InputError {
        InputError::new(
            SourceLocation::new(&*self.file, pos.line, pos.column),
            message,
        )
    }

    fn event(&mut self, event: Event, pos: Pos) -> Result<(), InputError> {
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(()),
            Event::DocumentStart => {
                if self.documents.len() >= MAX_DOCUMENTS {
                    return Err(self.error(
                        pos,
                        format!("more than {MAX_DOCUMENTS} documents in one file"),
                    ));
                }
                self.current = Some(DocumentScan {
                    start: pos,
                    root: RootKind::Empty,
                    entries: BTreeMap::new(),
                    type_meta: BTreeMap::new(),
                    stack: Vec::new(),
                    nodes: 0,
                    alias_nodes: 0,
                    anchors: BTreeMap::new(),
                });
                Ok(())
            }
            Event::DocumentEnd => {
                if let Some(document) = self.current.take() {
                    self.documents.push(YamlDocument {
                        root: document.root,
                        index: YamlIndex {
                            file: Arc::clone(&self.file),
                            start: document.start,
                            prefix: String::new(),
                            entries: document.entries,
                            type_meta: document.type_meta,
                        },
                    });
                }
                Ok(())
            }
            Event::Scalar(value, style, anchor, _) => {
                let path = self.place(pos, Node::Scalar(&value))?;
                let document = self.document(pos)?;
                document.nodes += 1;
                if anchor != 0 {
                    document.anchors.insert(anchor, 1);
                }
                match path {
                    Some(path) if path.is_empty() => {
                        let null = style == TScalarStyle::Plain
                            && matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL");
                        document.root = if null {
                            RootKind::Empty
                        } else {
                            RootKind::Scalar
                        };
                    }
                    Some(path) if is_type_meta_path(&path) => {
                        document.type_meta.insert(path, value);
                    }
                    _ => {}
                }
                Ok(())
            }
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                let mapping = matches!(event, Event::MappingStart(..));
                let path = self.place(pos, Node::Collection)?.unwrap_or_default();
                let document = self.document(pos)?;
                if document.stack.is_empty() {
                    document.root = if mapping {
                        RootKind::Mapping
                    } else {
                        RootKind::Sequence
                    };
                }
                document.nodes += 1;
                let nodes_at_start = document.nodes;
                document.stack.push(if mapping {
                    Frame::Mapping {
                        path,
                        key: None,
                        keys: BTreeSet::new(),
                        first_key: true,
                        anchor,
                        nodes_at_start,
                    }
                } else {
                    Frame::Sequence {
                        path,
                        next: 0,
                        anchor,
                        nodes_at_start,
                    }
                });
                if document.stack.len() > MAX_DEPTH {
                    return Err(self.error(
                        pos,
                        format!("document nests deeper than {MAX_DEPTH} levels"),
                    ));
                }
                Ok(())
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let document = self.document(pos)?;
                if let Some(
                    Frame::Mapping {
                        anchor,
                        nodes_at_start,
                        ..
                    }
                    | Frame::Sequence {
                        anchor,
                        nodes_at_start,
                        ..
                    },
                ) = document.stack.pop()
                {
                    if anchor != 0 {
                        let size = document.nodes - nodes_at_start + 1;
                        document.anchors.insert(anchor, size);
                    }
                }
                Ok(())
            }
            Event::Alias(anchor) => {
                self.aliases += 1;
                if self.aliases > MAX_ALIASES {
                    return Err(self.error(
                        pos,
                        format!("more than {MAX_ALIASES} aliases (`*name`) in one file"),
                    ));
                }
                self.place(pos, Node::Alias)?;
                let document = self.document(pos)?;
                let Some(&size) = document.anchors.get(&anchor) else {
                    return Err(self.error(
                        pos,
                        "alias refers to an anchor that is not complete before it in this \
                         document (a recursive or foreign alias)",
                    ));
                };
                document.nodes = document.nodes.saturating_add(size);
                document.alias_nodes = document.alias_nodes.saturating_add(size);
                if document.alias_nodes > MAX_ALIAS_EXPANSION {
                    return Err(self.error(
                        pos,
                        format!(
                            "aliases expand this document past {MAX_ALIAS_EXPANSION} nodes \
                             (an alias bomb?)"
                        ),
                    ));
                }
                Ok(())
            }
        }
    }

    fn document(&mut self, pos: Pos) -> Result<&mut DocumentScan, InputError> {
        let file = Arc::clone(&self.file);
        self.current.as_mut().ok_or_else(|| {
            InputError::new(
                SourceLocation::new(&*file, pos.line, pos.column),
                "invalid YAML: content outside a document",
            )
        })
    }

    /// Record a node in its parent; returns its path when it is a value (not a mapping key).
    fn place(&mut self, pos: Pos, node: Node<'_>) -> Result<Option<String>, InputError> {
        let file = Arc::clone(&self.file);
        let error = |pos: Pos, message: String| {
            InputError::new(SourceLocation::new(&*file, pos.line, pos.column), message)
        };
        let document = self.document(pos)?;
        let Some(frame) = document.stack.last_mut() else {
            document.start = pos;
            document.entries.insert(
                String::new(),
                Entry {
                    key: pos,
                    value: pos,
                },
            );
            return Ok(Some(String::new()));
        };
        let (path, entry) = match frame {
            Frame::Mapping {
                path,
                key: key @ None,
                first_key,
                ..
            } => {
                let Node::Scalar(name) = node else {
                    return Err(error(pos, "mapping keys must be plain strings".into()));
                };
                *key = Some((name.to_string(), pos));
                if std::mem::take(first_key) {
                    // A block mapping's start event is marked past its first key; the key is
                    // where a reader sees the mapping begin.
                    let path = path.clone();
                    if let Some(entry) = document.entries.get_mut(&path) {
                        entry.value = entry.value.min(pos);
                        if entry.key > entry.value {
                            entry.key = entry.value;
                        }
                    }
                    if path.is_empty() {
                        document.start = document.start.min(pos);
                    }
                }
                return Ok(None);
            }
            Frame::Mapping {
                path,
                key: key @ Some(_),
                keys,
                ..
            } => {
                let Some((name, key_pos)) = key.take() else {
                    return Ok(None);
                };
                let child = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                if keys.contains(&name) {
                    return Err(
                        error(key_pos, format!("duplicate field `{name}`")).with_field(child)
                    );
                }
                keys.insert(name);
                if document.entries.contains_key(&child) {
                    // Two keys spelled into one path: the first keeps it.
                    return Ok(Some(child));
                }
                (
                    child,
                    Entry {
                        key: key_pos,
                        value: pos,
                    },
                )
            }
            Frame::Sequence { path, next, .. } => {
                let child = format!("{path}[{next}]");
                *next += 1;
                (
                    child,
                    Entry {
                        key: pos,
                        value: pos,
                    },
                )
            }
        };
        document.entries.insert(path.clone(), entry);
        Ok(Some(path))
    }
}

/// `apiVersion` and `kind` at the top of a document or of an item of a `List`.
fn is_type_meta_path(path: &str) -> bool {
    let field = match path.strip_prefix("items[") {
        Some(rest) => match rest.split_once("].") {
            Some((index, field)) if index.bytes().all(|b| b.is_ascii_digit()) => field,
            _ => return false,
        },
        None => path,
    };
    field == "apiVersion" || field == "kind"
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn loc(index: &YamlIndex, path: &str) -> (usize, usize) {
        let location = index.locate(path);
        (location.line, location.column)
    }

    #[test]
    fn locates_keys_and_sequence_items() {
        let text = "\
apiVersion: apps/v1
kind: Deployment
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: web
          image: nginx
        - {name: side, image: busybox}
";
        let index = YamlIndex::from_document("d.yaml", text).unwrap();
        assert_eq!(loc(&index, "kind"), (2, 1));
        assert_eq!(loc(&index, "spec.replicas"), (4, 3));
        assert_eq!(loc(&index, "spec.template.spec.containers[0]"), (8, 11));
        assert_eq!(
            loc(&index, "spec.template.spec.containers[0].image"),
            (9, 11)
        );
        assert_eq!(
            loc(&index, "spec.template.spec.containers[1].image"),
            (10, 24)
        );
        // A missing field points at its deepest written parent.
        assert_eq!(
            loc(&index, "spec.template.spec.containers[0].ports"),
            (8, 11)
        );
        assert_eq!(loc(&index, "spec.selector"), (3, 1));
        assert_eq!(loc(&index, "status"), (1, 1));
        assert_eq!(index.locate_value("spec.replicas").column, 13);
        assert_eq!(index.path_at(4, 13), Some("spec.replicas"));
        assert_eq!(index.type_meta("kind"), Some("Deployment"));
        assert_eq!(index.locate("kind").to_string(), "d.yaml:2:1");
    }

    #[test]
    fn lines_are_absolute_in_later_documents() {
        let text = "a: 1\n---\n# comment\n---\nkind: Pod\nmetadata:\n  name: x\n";
        let documents = scan_documents("f.yaml", text).unwrap();
        assert_eq!(documents.len(), 3);
        assert_eq!(documents[1].root, RootKind::Empty);
        assert_eq!(documents[2].root, RootKind::Mapping);
        assert_eq!(loc(&documents[2].index, "metadata.name"), (7, 3));
        assert_eq!(documents[2].index.start().line, 5);
        assert!(YamlIndex::from_document("f.yaml", text).is_err());
    }

    #[test]
    fn subtree_rebases_paths() {
        let text = "kind: List\nitems:\n- kind: Pod\n  spec:\n    containers: []\n- kind: Node\n";
        let index = YamlIndex::from_document("l.yaml", text).unwrap();
        let item = index.subtree("items[0]");
        assert_eq!(loc(&item, "spec.containers"), (5, 5));
        assert_eq!(item.type_meta("kind"), Some("Pod"));
        assert_eq!(item.start().line, 3);
        let error = item.error("spec.replicas", "bad");
        assert_eq!(
            error.to_string(),
            "l.yaml:4:3: field `items[0].spec.replicas`: bad"
        );
        assert_eq!(index.subtree("items[1]").type_meta("kind"), Some("Node"));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let error = YamlIndex::from_document("d.yaml", "a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "d.yaml:3:1: field `a`: duplicate field `a`"
        );
    }

    #[test]
    fn malformed_yaml_is_located() {
        let error = YamlIndex::from_document("m.yaml", "a: 1\nb: 'open\n").unwrap_err();
        assert_eq!(error.location.line, 2);
        assert!(error.message.starts_with("invalid YAML"), "{error}");
        let error = YamlIndex::from_document("t.yaml", "a:\n\tb: 1\n").unwrap_err();
        assert_eq!(error.location.line, 2);
    }

    #[test]
    fn limits_are_enforced() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let error = YamlIndex::from_document("deep.yaml", &deep).unwrap_err();
        assert_eq!(error.location.column, 129);
        assert!(error.message.contains("deeper than 128"), "{error}");

        let many = "a: 1\n---\n".repeat(MAX_DOCUMENTS + 1);
        let error = scan_documents("many.yaml", &many).unwrap_err();
        assert_eq!(error.location.line, 2 * MAX_DOCUMENTS);

        let aliases = format!("a: &a x\nb: [{}]\n", vec!["*a"; MAX_ALIASES + 1].join(", "));
        let error = scan_documents("aliases.yaml", &aliases).unwrap_err();
        assert!(error.message.contains("aliases"), "{error}");

        let big = " ".repeat(MAX_FILE_BYTES + 1);
        let error = scan_documents("big.yaml", &big).unwrap_err();
        assert_eq!(error.to_string().split(": ").next(), Some("big.yaml:1:1"));

        let recursive = scan_documents("r.yaml", "a: &a [*a]\n").unwrap_err();
        assert_eq!(recursive.location.column, 8);
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("replicaz", &["minReadySeconds", "replicas", "selector"]),
            Some("replicas".to_string())
        );
        assert_eq!(
            suggest("Deplyment", &["DaemonSet", "Deployment"]),
            Some("Deployment".to_string())
        );
        assert_eq!(
            suggest("kind", &["IMAGE", "Kind"]),
            Some("Kind".to_string())
        );
        assert_eq!(suggest("zzz", &["replicas", "selector"]), None);
    }

    #[test]
    fn display_is_one_line() {
        let error = InputError::new(SourceLocation::new("f.yaml", 3, 5), "unknown\nfield `x`")
            .with_field("spec.x")
            .with_suggestion(Some("y".into()));
        assert_eq!(
            error.to_string(),
            "f.yaml:3:5: field `spec.x`: unknown field `x` (did you mean `y`?)"
        );
        let errors = InputErrors(vec![error.clone(), error]);
        assert_eq!(errors.to_string().lines().count(), 2);
    }
}
