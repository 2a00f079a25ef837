//! A table of named handles (module definitions, instances, artifacts): what
//! each name stands for, and why a name that should exist does not, so that
//! later directives using it are skipped with that reason instead of failing again.

use std::collections::HashMap;

use super::step::{missing, Step};

/// What a name stands for.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Lookup<T> {
    /// Its handle.
    Found(T),
    /// Making it failed or was not supported; why.
    Lost(String),
    /// The case never made it.
    Unknown,
}

impl<T> Lookup<T> {
    /// This lookup, or else `other`: a handle beats a loss, a loss beats nothing.
    pub(super) fn or(self, other: Lookup<T>) -> Lookup<T> {
        match (self, other) {
            (Lookup::Found(h), _) | (_, Lookup::Found(h)) => Lookup::Found(h),
            (Lookup::Lost(why), _) | (Lookup::Unknown, Lookup::Lost(why)) => Lookup::Lost(why),
            (Lookup::Unknown, Lookup::Unknown) => Lookup::Unknown,
        }
    }

    pub(super) fn map<U>(self, f: impl FnOnce(T) -> U) -> Lookup<U> {
        match self {
            Lookup::Found(h) => Lookup::Found(f(h)),
            Lookup::Lost(why) => Lookup::Lost(why),
            Lookup::Unknown => Lookup::Unknown,
        }
    }

    /// The handle, or the step of a directive that needs it: skipped when it
    /// was lost, failed (`unknown` says what is missing) when never made.
    pub(super) fn found(self, unknown: impl FnOnce() -> String) -> Result<T, Step> {
        match self {
            Lookup::Found(h) => Ok(h),
            Lookup::Lost(why) => Err(Step::Skipped(why)),
            Lookup::Unknown => Err(missing(unknown())),
        }
    }
}

/// Names and their handles, and the names that were lost with why.
#[derive(Debug)]
pub(super) struct Handles<T> {
    named: HashMap<String, T>,
    lost: HashMap<String, String>,
}

impl<T> Default for Handles<T> {
    fn default() -> Self {
        Handles {
            named: HashMap::new(),
            lost: HashMap::new(),
        }
    }
}

impl<T: Clone> Handles<T> {
    /// Name `handle`; a name made again is no longer lost.
    pub(super) fn insert(&mut self, name: &str, handle: T) {
        self.named.insert(name.to_string(), handle);
        self.lost.remove(name);
    }

    /// Remember that `name` could not be made, and why.
    pub(super) fn lose(&mut self, name: &str, why: String) {
        self.lost.insert(name.to_string(), why);
    }

    pub(super) fn lookup(&self, name: &str) -> Lookup<T> {
        match (self.named.get(name), self.lost.get(name)) {
            (Some(handle), _) => Lookup::Found(handle.clone()),
            (None, Some(why)) => Lookup::Lost(why.clone()),
            (None, None) => Lookup::Unknown,
        }
    }

    /// Drop every name of the handles `gone` picks (what was lost stays lost).
    pub(super) fn remove_where(&mut self, mut gone: impl FnMut(&T) -> bool) {
        self.named.retain(|_, h| !gone(h));
    }

    /// Drop every name (what was lost stays lost).
    pub(super) fn clear(&mut self) {
        self.named.clear();
    }

    /// Forget everything, losses too (the engine starts afresh).
    pub(super) fn forget(&mut self) {
        self.named.clear();
        self.lost.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_name_remembers_why_until_it_is_made_again() {
        let mut h = Handles::default();
        assert_eq!(h.lookup("m"), Lookup::Unknown);
        h.lose("m", "$m was not made (line 3)".into());
        assert_eq!(
            h.lookup("m"),
            Lookup::Lost("$m was not made (line 3)".into())
        );
        h.insert("m", 7);
        assert_eq!(h.lookup("m"), Lookup::Found(7));
        h.clear();
        assert_eq!(h.lookup("m"), Lookup::Unknown);
        h.lose("m", "again".into());
        h.clear();
        assert_eq!(h.lookup("m"), Lookup::Lost("again".into()));
        h.forget();
        assert_eq!(h.lookup("m"), Lookup::Unknown);
    }

    #[test]
    fn removing_a_handle_drops_all_its_names() {
        let mut h = Handles::default();
        h.insert("a", 1);
        h.insert("b", 1);
        h.insert("c", 2);
        h.remove_where(|x| *x == 1);
        assert_eq!(h.lookup("a"), Lookup::Unknown);
        assert_eq!(h.lookup("b"), Lookup::Unknown);
        assert_eq!(h.lookup("c"), Lookup::Found(2));
    }

    #[test]
    fn lookups_combine_found_before_lost_before_unknown() {
        let found = || Lookup::Found(1);
        let lost = |why: &str| Lookup::<i32>::Lost(why.into());
        assert_eq!(lost("x").or(found()), Lookup::Found(1));
        assert_eq!(found().or(lost("x")), Lookup::Found(1));
        assert_eq!(lost("x").or(lost("y")), lost("x"));
        assert_eq!(Lookup::Unknown.or(lost("y")), lost("y"));
        assert_eq!(Lookup::<i32>::Unknown.or(Lookup::Unknown), Lookup::Unknown);
        assert!(matches!(lost("x").found(|| "m".into()), Err(Step::Skipped(w)) if w == "x"));
        assert!(matches!(
            Lookup::<i32>::Unknown.found(|| "no module named $m".into()),
            Err(Step::Failed(f)) if f.message == "harness: no module named $m"
        ));
    }
}
