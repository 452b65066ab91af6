//! Label selectors: equality-based (`matchLabels`) and set-based (`matchExpressions` with
//! `In`, `NotIn`, `Exists`, `DoesNotExist`), plus the kubectl string form
//! (`app=web,tier in (a,b),!canary`).

use std::collections::BTreeMap;
use std::fmt;

/// The operator of one set-based requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SelectorOperator {
    /// The label's value is one of `values`.
    In,
    /// The label is absent or its value is none of `values`.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

impl SelectorOperator {
    /// Parses the Kubernetes spelling.
    pub fn parse(text: &str) -> Option<SelectorOperator> {
        match text {
            "In" => Some(SelectorOperator::In),
            "NotIn" => Some(SelectorOperator::NotIn),
            "Exists" => Some(SelectorOperator::Exists),
            "DoesNotExist" => Some(SelectorOperator::DoesNotExist),
            _ => None,
        }
    }
}

/// One `matchExpressions[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Requirement {
    /// Label key.
    pub key: String,
    /// Operator.
    pub operator: SelectorOperator,
    /// Values for `In`/`NotIn`.
    pub values: Vec<String>,
}

impl Requirement {
    /// Whether `labels` satisfy this requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            SelectorOperator::In => value.is_some_and(|v| self.values.iter().any(|x| x == v)),
            SelectorOperator::NotIn => value.is_none_or(|v| self.values.iter().all(|x| x != v)),
            SelectorOperator::Exists => value.is_some(),
            SelectorOperator::DoesNotExist => value.is_none(),
        }
    }
}

/// A `metav1.LabelSelector`. The empty selector matches everything, as in Kubernetes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelSelector {
    /// `matchLabels`.
    pub match_labels: BTreeMap<String, String>,
    /// `matchExpressions`.
    pub match_expressions: Vec<Requirement>,
}

/// Why a selector string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid label selector {text:?}: {reason}")]
pub struct SelectorParseError {
    /// The whole selector text.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

impl LabelSelector {
    /// A selector with only `matchLabels`.
    pub fn from_labels(labels: BTreeMap<String, String>) -> LabelSelector {
        LabelSelector {
            match_labels: labels,
            match_expressions: Vec::new(),
        }
    }

    /// Whether the selector has no requirement at all (matches everything).
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| r.matches(labels))
    }

    /// Parses the kubectl form: comma-separated `k=v`, `k==v`, `k!=v`, `k in (a,b)`,
    /// `k notin (a,b)`, `k` (exists) and `!k` (does not exist).
    pub fn parse(text: &str) -> Result<LabelSelector, SelectorParseError> {
        let fail = |reason: String| SelectorParseError {
            text: text.to_string(),
            reason,
        };
        let mut selector = LabelSelector::default();
        for term in split_terms(text) {
            let term = term.trim();
            if term.is_empty() {
                if text.trim().is_empty() {
                    continue;
                }
                return Err(fail("empty term".to_string()));
            }
            if let Some(key) = term.strip_prefix('!') {
                let key = check_key(key.trim()).map_err(&fail)?;
                selector.match_expressions.push(Requirement {
                    key,
                    operator: SelectorOperator::DoesNotExist,
                    values: Vec::new(),
                });
            } else if let Some((key, value)) = term.split_once("!=") {
                let key = check_key(key.trim()).map_err(&fail)?;
                selector.match_expressions.push(Requirement {
                    key,
                    operator: SelectorOperator::NotIn,
                    values: vec![value.trim().to_string()],
                });
            } else if let Some((key, value)) = term.split_once('=') {
                let value = value.strip_prefix('=').unwrap_or(value);
                let key = check_key(key.trim()).map_err(&fail)?;
                selector.match_labels.insert(key, value.trim().to_string());
            } else if let Some((key, op, values)) = split_set_term(term) {
                let key = check_key(key).map_err(&fail)?;
                let values = parse_value_set(values).map_err(&fail)?;
                selector.match_expressions.push(Requirement {
                    key,
                    operator: op,
                    values,
                });
            } else {
                let key = check_key(term).map_err(&fail)?;
                selector.match_expressions.push(Requirement {
                    key,
                    operator: SelectorOperator::Exists,
                    values: Vec::new(),
                });
            }
        }
        Ok(selector)
    }
}

/// Splits at commas that are not inside parentheses.
fn split_terms(text: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, ch) in text.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                terms.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(&text[start..]);
    terms
}

fn split_set_term(term: &str) -> Option<(&str, SelectorOperator, &str)> {
    for (word, op) in [
        (" notin ", SelectorOperator::NotIn),
        (" in ", SelectorOperator::In),
    ] {
        if let Some(pos) = term.find(word) {
            return Some((term[..pos].trim(), op, term[pos + word.len()..].trim()));
        }
    }
    None
}

fn parse_value_set(text: &str) -> Result<Vec<String>, String> {
    let inner = text
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .ok_or_else(|| format!("expected a parenthesised value list, found {text:?}"))?;
    let mut values: Vec<String> = inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() {
        return Err("a set needs at least one value".to_string());
    }
    values.sort();
    values.dedup();
    Ok(values)
}

fn check_key(key: &str) -> Result<String, String> {
    let valid = !key.is_empty()
        && key.len() <= 316
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if valid {
        Ok(key.to_string())
    } else {
        Err(format!("invalid label key {key:?}"))
    }
}

/// `key=value` for each entry of a label map, in key order.
pub fn label_pairs(labels: &BTreeMap<String, String>) -> Vec<String> {
    labels.iter().map(|(k, v)| format!("{k}={v}")).collect()
}

/// A label map as kubectl prints it in one column: `a=1,b=2`, or `<none>` when empty.
pub fn labels_text(labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        "<none>".to_string()
    } else {
        label_pairs(labels).join(",")
    }
}

impl fmt::Display for LabelSelector {
    /// The kubectl form, matchLabels first (sorted), then the expressions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = label_pairs(&self.match_labels);
        for r in &self.match_expressions {
            parts.push(match r.operator {
                SelectorOperator::In => format!("{} in ({})", r.key, r.values.join(",")),
                SelectorOperator::NotIn => format!("{} notin ({})", r.key, r.values.join(",")),
                SelectorOperator::Exists => r.key.clone(),
                SelectorOperator::DoesNotExist => format!("!{}", r.key),
            });
        }
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn sel(text: &str) -> LabelSelector {
        LabelSelector::parse(text).expect("valid selector")
    }

    #[test]
    fn empty_selector_matches_everything() {
        assert!(sel("").matches(&labels(&[])));
        assert!(LabelSelector::default().matches(&labels(&[("a", "b")])));
    }

    #[test]
    fn equality_and_inequality() {
        let l = labels(&[("app", "web"), ("tier", "front")]);
        assert!(sel("app=web").matches(&l));
        assert!(sel("app==web,tier=front").matches(&l));
        assert!(!sel("app=db").matches(&l));
        assert!(sel("app!=db").matches(&l));
        assert!(!sel("app!=web").matches(&l));
        // != matches objects without the label, as in Kubernetes.
        assert!(sel("missing!=x").matches(&l));
    }

    #[test]
    fn set_based_operators() {
        let l = labels(&[("env", "prod")]);
        assert!(sel("env in (prod, staging)").matches(&l));
        assert!(!sel("env in (dev)").matches(&l));
        assert!(sel("env notin (dev,qa)").matches(&l));
        assert!(!sel("env notin (prod)").matches(&l));
        assert!(
            sel("other notin (x)").matches(&l),
            "NotIn matches absent keys"
        );
        assert!(sel("env").matches(&l));
        assert!(!sel("!env").matches(&l));
        assert!(sel("!canary").matches(&l));
        assert!(!sel("canary").matches(&l));
    }

    #[test]
    fn rejects_malformed_selectors() {
        assert!(LabelSelector::parse("env in prod").is_err());
        assert!(LabelSelector::parse("env in ()").is_err());
        assert!(LabelSelector::parse("a=b,,c=d").is_err());
        assert!(LabelSelector::parse("bad key=x").is_err());
    }

    #[test]
    fn display_round_trips() {
        let s = sel("app=web,env in (prod,dev),!canary,tier");
        assert_eq!(s.to_string(), "app=web,env in (dev,prod),!canary,tier");
        assert_eq!(sel(&s.to_string()), s);
    }
}
