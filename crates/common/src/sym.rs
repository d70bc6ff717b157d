//! Shared strings. A cluster repeats the same few texts thousands of times — namespaces, label
//! keys and values, image references, node names, owner kinds — so the cockpit keeps one copy
//! of each ([`Sym::intern`]) and every object points at it. Texts that are unique per object
//! (names, UIDs) are kept as a [`Sym`] too, without interning ([`Sym::unique`]), so every
//! string field has one cheap-to-clone type.
//!
//! The interner is global and process-wide; it forgets texts nobody holds any more, so a
//! cluster that churns (new ReplicaSet hashes, new Job names) does not grow it forever.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::{Arc, Mutex, OnceLock};

/// An immutable, shared string; compares, orders and hashes as its text.
#[derive(Clone, PartialOrd, Ord)]
pub struct Sym(Arc<str>);

impl Sym {
    /// The shared copy of `text` (made on first use).
    pub fn intern(text: &str) -> Sym {
        if text.is_empty() {
            return Sym::default();
        }
        Interner::global().intern(text)
    }

    /// A string of its own, not shared through the interner: for text unique to one object.
    pub fn unique(text: &str) -> Sym {
        if text.is_empty() {
            return Sym::default();
        }
        Sym(Arc::from(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether two symbols are the same allocation (interned equal texts always are).
    pub fn ptr_eq(&self, other: &Sym) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Default for Sym {
    fn default() -> Sym {
        static EMPTY: OnceLock<Arc<str>> = OnceLock::new();
        Sym(EMPTY.get_or_init(|| Arc::from("")).clone())
    }
}

impl Deref for Sym {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Sym {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Sym {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq for Sym {
    fn eq(&self, other: &Sym) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

impl Eq for Sym {}

impl Hash for Sym {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As `str` hashes, so a `HashMap<Sym, _>` can be searched with a `&str`.
        (*self.0).hash(state)
    }
}

impl PartialEq<str> for Sym {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Sym {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Sym {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl PartialEq<Sym> for str {
    fn eq(&self, other: &Sym) -> bool {
        self == &*other.0
    }
}

impl PartialEq<Sym> for String {
    fn eq(&self, other: &Sym) -> bool {
        self.as_str() == &*other.0
    }
}

impl PartialEq<Sym> for &str {
    fn eq(&self, other: &Sym) -> bool {
        *self == &*other.0
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Interned: most `From` conversions are of texts that repeat (labels, kinds, images).
impl From<&str> for Sym {
    fn from(text: &str) -> Sym {
        Sym::intern(text)
    }
}

impl From<&String> for Sym {
    fn from(text: &String) -> Sym {
        Sym::intern(text)
    }
}

impl From<String> for Sym {
    fn from(text: String) -> Sym {
        Sym::intern(&text)
    }
}

impl From<Sym> for String {
    fn from(sym: Sym) -> String {
        sym.as_str().to_string()
    }
}

impl serde::Serialize for Sym {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// The set of shared texts.
struct Interner {
    set: Mutex<InternSet>,
}

struct InternSet {
    texts: HashSet<Arc<str>>,
    /// Size after the last sweep: the next sweep runs when the set has doubled since, so
    /// sweeping costs amortized O(1) per insertion.
    swept_at: usize,
}

/// Below this many texts the interner never sweeps.
const MIN_SWEEP: usize = 4096;

impl Interner {
    fn global() -> &'static Interner {
        static GLOBAL: OnceLock<Interner> = OnceLock::new();
        GLOBAL.get_or_init(|| Interner {
            set: Mutex::new(InternSet {
                texts: HashSet::new(),
                swept_at: 0,
            }),
        })
    }

    fn intern(&self, text: &str) -> Sym {
        // A poisoned lock only means another thread panicked mid-insert; the set is intact.
        let mut set = self.set.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(shared) = set.texts.get(text) {
            return Sym(shared.clone());
        }
        if set.texts.len() >= MIN_SWEEP.max(set.swept_at * 2) {
            // Texts only the interner still holds are no longer used by anyone.
            set.texts.retain(|t| Arc::strong_count(t) > 1);
            set.swept_at = set.texts.len();
        }
        let shared: Arc<str> = Arc::from(text);
        set.texts.insert(shared.clone());
        Sym(shared)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.set
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .texts
            .len()
    }
}

/// A small sorted map of shared strings (labels, annotations, selectors): one allocation,
/// binary-searched, cheap to clone (the pairs are shared, not copied).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct SymMap(Option<Arc<[(Sym, Sym)]>>);

impl SymMap {
    pub fn new() -> SymMap {
        SymMap(None)
    }

    /// From pairs in any order; a repeated key keeps its first value.
    pub fn from_pairs(mut pairs: Vec<(Sym, Sym)>) -> SymMap {
        if pairs.is_empty() {
            return SymMap(None);
        }
        // Stable: the first of equal keys stays first and wins the dedup.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs.dedup_by(|later, earlier| later.0 == earlier.0);
        SymMap(Some(Arc::from(pairs)))
    }

    fn pairs(&self) -> &[(Sym, Sym)] {
        self.0.as_deref().unwrap_or(&[])
    }

    pub fn get(&self, key: &str) -> Option<&Sym> {
        let pairs = self.pairs();
        pairs
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &pairs[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn len(&self) -> usize {
        self.pairs().len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs().is_empty()
    }

    /// In key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Sym, &Sym)> + Clone {
        self.pairs().iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &Sym> {
        self.pairs().iter().map(|(k, _)| k)
    }

    /// This map with `other`'s pairs added where this one has no such key.
    pub fn merged_under(&self, other: &SymMap) -> SymMap {
        if other.is_empty() {
            return self.clone();
        }
        if self.is_empty() {
            return other.clone();
        }
        let pairs: Vec<(Sym, Sym)> = self.pairs().iter().chain(other.pairs()).cloned().collect();
        SymMap::from_pairs(pairs)
    }
}

impl fmt::Debug for SymMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Into<Sym>, V: Into<Sym>> FromIterator<(K, V)> for SymMap {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> SymMap {
        SymMap::from_pairs(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl<'a> IntoIterator for &'a SymMap {
    type Item = (&'a Sym, &'a Sym);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (Sym, Sym)>, fn(&'a (Sym, Sym)) -> (&'a Sym, &'a Sym)>;
    fn into_iter(self) -> Self::IntoIter {
        fn split(pair: &(Sym, Sym)) -> (&Sym, &Sym) {
            (&pair.0, &pair.1)
        }
        self.pairs().iter().map(split)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_texts_share_one_allocation() {
        let a = Sym::intern("app.kubernetes.io/name");
        let b = Sym::intern(&String::from("app.kubernetes.io/name"));
        assert!(a.ptr_eq(&b));
        assert_eq!(a, "app.kubernetes.io/name");
        let unique = Sym::unique("app.kubernetes.io/name");
        assert!(!unique.ptr_eq(&a));
        assert_eq!(unique, a, "equal by text whatever the allocation");
        assert_eq!(Sym::intern(""), Sym::default());
    }

    #[test]
    fn texts_nobody_holds_are_forgotten() {
        let before = Interner::global().len();
        for i in 0..(MIN_SWEEP * 3) {
            let _dropped = Sym::intern(&format!("churned-{i}"));
        }
        let kept = Sym::intern("still-held");
        // Sweeps ran while inserting: the set did not keep every dropped text.
        assert!(
            Interner::global().len() < before + MIN_SWEEP * 3,
            "{} texts",
            Interner::global().len()
        );
        assert!(kept.ptr_eq(&Sym::intern("still-held")));
    }

    #[test]
    fn maps_are_sorted_first_key_wins_and_search_by_str() {
        let map: SymMap = [("tier", "web"), ("app", "airflow"), ("tier", "db")]
            .into_iter()
            .collect();
        assert_eq!(map.len(), 2);
        assert_eq!(map.get("tier").map(Sym::as_str), Some("web"));
        assert_eq!(map.get("nope"), None);
        let keys: Vec<&str> = map.keys().map(Sym::as_str).collect();
        assert_eq!(keys, ["app", "tier"]);
        let under: SymMap = [("app", "other"), ("component", "scheduler")]
            .into_iter()
            .collect();
        let merged = map.merged_under(&under);
        assert_eq!(merged.get("app").map(Sym::as_str), Some("airflow"));
        assert_eq!(merged.get("component").map(Sym::as_str), Some("scheduler"));
        assert!(SymMap::new().is_empty());
    }
}
