//! The curated terminology tables (`data/terminology/`, embedded at build
//! time): which codes name which drug substance ("member") or drug class,
//! which members a combination product contains, which classes carry a
//! cross-sensitivity caution, and which codes and texts say "no known
//! allergy". Grouping and allergy checks go through these tables only: two
//! different codes are never related by name similarity.

use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

const CLASSES: &str = include_str!("../../data/terminology/classes.csv");
const RELATIONS: &str = include_str!("../../data/terminology/class_relations.csv");
const MEMBERS: &str = include_str!("../../data/terminology/members.csv");
const CODES: &str = include_str!("../../data/terminology/codes.csv");
const NEGATIONS: &str = include_str!("../../data/terminology/negations.csv");
const NEGATION_TEXTS: &str = include_str!("../../data/terminology/negation_texts.csv");

pub const SNOMED: &str = "http://snomed.info/sct";
pub const DMD: &str = "https://dmd.nhs.uk";

/// What a code names: a whole drug class, or one drug substance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Class(String),
    Member(String),
}

impl Target {
    pub fn key(&self) -> String {
        match self {
            Target::Class(c) => format!("class:{c}"),
            Target::Member(m) => format!("member:{m}"),
        }
    }
}

/// The scope of a "no known allergy" statement.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum NegationScope {
    /// No known allergy of any kind.
    All,
    Drug,
    Food,
    Environment,
    Insect,
    Latex,
    Animal,
}

impl NegationScope {
    /// Does a negation of this scope contradict an allergy of these FHIR categories
    /// (`medication`, `food`, `environment`, `biologic`)? An allergy with no
    /// category contradicts every scope: it cannot be ruled out.
    pub fn contradicted_by(self, categories: &[String]) -> bool {
        if self == NegationScope::All || categories.is_empty() {
            return true;
        }
        categories.iter().any(|c| {
            matches!(
                (self, c.as_str()),
                (NegationScope::Drug, "medication" | "biologic")
                    | (NegationScope::Food, "food")
                    | (
                        NegationScope::Environment
                            | NegationScope::Insect
                            | NegationScope::Latex
                            | NegationScope::Animal,
                        "environment"
                    )
            )
        })
    }
}

#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub classes: Vec<String>,
    /// Members a combination contains (empty for a single substance).
    pub ingredients: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Relation {
    pub from: String,
    pub to: String,
    pub note: String,
}

#[derive(Debug, Default)]
pub struct Terminology {
    pub classes: HashMap<String, String>,
    pub relations: Vec<Relation>,
    pub members: HashMap<String, Member>,
    /// (normalised system, code) -> target.
    codes: HashMap<(String, String), Target>,
    negations: HashMap<String, NegationScope>,
    negation_texts: HashMap<String, NegationScope>,
    /// Member names as token sequences, for uncoded entries only.
    member_names: Vec<(Vec<String>, String)>,
    /// Phrases that name a class, as token sequences, for uncoded entries only.
    class_names: Vec<(Vec<String>, String)>,
}

#[derive(Deserialize)]
struct ClassRow {
    class_id: String,
    name: String,
    text_aliases: String,
}

#[derive(Deserialize)]
struct RelationRow {
    from_class: String,
    to_class: String,
    note: String,
}

#[derive(Deserialize)]
struct MemberRow {
    member_id: String,
    name: String,
    class_ids: String,
    ingredients: String,
}

#[derive(Deserialize)]
struct CodeRow {
    system: String,
    code: String,
    target: String,
}

#[derive(Deserialize)]
struct NegationRow {
    system: String,
    code: String,
    scope: NegationScope,
}

#[derive(Deserialize)]
struct NegationTextRow {
    text: String,
    scope: NegationScope,
}

fn rows<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Result<Vec<T>, String> {
    let mut r = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    r.deserialize()
        .map(|row| row.map_err(|e| format!("data/terminology/{name}: {e}")))
        .collect()
}

fn list(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

/// SNOMED CT and dm+d share one id space (dm+d ids are SNOMED concept ids), and
/// sources spell the systems several ways: one key for both.
pub fn system_key(system: &str) -> String {
    let s = system.trim().trim_end_matches('/').to_ascii_lowercase();
    if s == SNOMED
        || s.starts_with("http://snomed.info/sct")
        || s == DMD
        || s == "http://dmd.nhs.uk"
    {
        "sct".into()
    } else {
        s
    }
}

/// Lowercase words of a text (letters, digits and hyphens), for exact-name matching.
pub fn tokens(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

/// Text normalised for exact comparison: lowercase, single spaces, no surrounding punctuation.
pub fn normalise_text(text: &str) -> String {
    tokens(text).join(" ")
}

impl Terminology {
    pub fn parse() -> Result<Terminology, String> {
        let mut t = Terminology::default();
        for r in rows::<ClassRow>("classes.csv", CLASSES)? {
            for alias in list(&r.text_aliases) {
                t.class_names.push((tokens(&alias), r.class_id.clone()));
            }
            t.classes.insert(r.class_id, r.name);
        }
        for r in rows::<RelationRow>("class_relations.csv", RELATIONS)? {
            t.relations.push(Relation {
                from: r.from_class,
                to: r.to_class,
                note: r.note,
            });
        }
        for r in rows::<MemberRow>("members.csv", MEMBERS)? {
            t.member_names.push((tokens(&r.name), r.member_id.clone()));
            t.members.insert(
                r.member_id,
                Member {
                    name: r.name,
                    classes: list(&r.class_ids),
                    ingredients: list(&r.ingredients),
                },
            );
        }
        // Longest names first, so "co-amoxiclav" wins over a shorter name inside it.
        t.member_names
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
        for r in rows::<CodeRow>("codes.csv", CODES)? {
            let target = match r.target.split_once(':') {
                Some(("class", c)) => Target::Class(c.to_string()),
                Some(("member", m)) => Target::Member(m.to_string()),
                _ => {
                    return Err(format!(
                        "codes.csv: target {:?} is neither class: nor member:",
                        r.target
                    ));
                }
            };
            t.codes.insert((system_key(&r.system), r.code), target);
        }
        for r in rows::<NegationRow>("negations.csv", NEGATIONS)? {
            if system_key(&r.system) == "sct" {
                t.negations.insert(r.code, r.scope);
            }
        }
        for r in rows::<NegationTextRow>("negation_texts.csv", NEGATION_TEXTS)? {
            t.negation_texts.insert(normalise_text(&r.text), r.scope);
        }
        t.check()?;
        Ok(t)
    }

    /// Every reference between the tables resolves.
    fn check(&self) -> Result<(), String> {
        for (id, m) in &self.members {
            for c in &m.classes {
                if !self.classes.contains_key(c) {
                    return Err(format!("members.csv: {id} names unknown class {c}"));
                }
            }
            for i in &m.ingredients {
                if !self.members.contains_key(i) {
                    return Err(format!("members.csv: {id} names unknown ingredient {i}"));
                }
            }
        }
        for ((_, code), target) in &self.codes {
            let ok = match target {
                Target::Class(c) => self.classes.contains_key(c),
                Target::Member(m) => self.members.contains_key(m),
            };
            if !ok {
                return Err(format!(
                    "codes.csv: {code} points at unknown {}",
                    target.key()
                ));
            }
        }
        for r in &self.relations {
            if !self.classes.contains_key(&r.from) || !self.classes.contains_key(&r.to) {
                return Err(format!(
                    "class_relations.csv: {} -> {} names an unknown class",
                    r.from, r.to
                ));
            }
        }
        Ok(())
    }

    /// What a coded concept names, if the tables know it.
    pub fn target(&self, system: &str, code: &str) -> Option<&Target> {
        self.codes
            .get(&(system_key(system), code.trim().to_string()))
    }

    /// The scope of a coded "no known allergy" statement.
    pub fn negation_code(&self, system: &str, code: &str) -> Option<NegationScope> {
        (system_key(system) == "sct")
            .then(|| self.negations.get(code.trim()).copied())
            .flatten()
    }

    /// The scope of an uncoded "no known allergy" text (reviewed list, exact match).
    pub fn negation_text(&self, text: &str) -> Option<NegationScope> {
        self.negation_texts.get(&normalise_text(text)).copied()
    }

    /// The substances a member stands for: itself, or a combination's ingredients (and itself).
    pub fn ingredients(&self, member: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::from([member.to_string()]);
        if let Some(m) = self.members.get(member) {
            out.extend(m.ingredients.iter().cloned());
        }
        out
    }

    /// Classes a member (or any of a combination's ingredients) belongs to.
    pub fn classes_of(&self, member: &str) -> BTreeSet<String> {
        self.ingredients(member)
            .iter()
            .filter_map(|m| self.members.get(m))
            .flat_map(|m| m.classes.iter().cloned())
            .collect()
    }

    pub fn member_name(&self, member: &str) -> String {
        self.members
            .get(member)
            .map_or_else(|| member.to_string(), |m| m.name.clone())
    }

    pub fn class_name(&self, class: &str) -> String {
        self.classes
            .get(class)
            .cloned()
            .unwrap_or_else(|| class.to_string())
    }

    /// Members named in an uncoded text, by whole words (never a stem: "penicillamine"
    /// does not contain "penicillin"). Longest names first; a word is used once.
    pub fn members_named_in(&self, text: &str) -> Vec<String> {
        named_in(&self.member_names, text)
    }

    /// Classes named in an uncoded text ("Penicillin allergy", "NSAIDs"), by whole words.
    pub fn classes_named_in(&self, text: &str) -> Vec<String> {
        named_in(&self.class_names, text)
    }
}

/// Ids whose phrase occurs in `text` as whole words, longest phrases first, each word used once.
fn named_in(names: &[(Vec<String>, String)], text: &str) -> Vec<String> {
    let words = tokens(text);
    let mut used = vec![false; words.len()];
    let mut out = Vec::new();
    for (name, id) in names {
        if name.is_empty() || name.len() > words.len() {
            continue;
        }
        for start in 0..=words.len() - name.len() {
            let span = start..start + name.len();
            if words[span.clone()] == name[..] && !used[span.clone()].iter().any(|u| *u) {
                used[span].iter_mut().for_each(|u| *u = true);
                if !out.contains(id) {
                    out.push(id.clone());
                }
            }
        }
    }
    out
}

static TABLES: LazyLock<Result<Terminology, String>> = LazyLock::new(Terminology::parse);

/// The embedded tables (an error message when they are broken, which the tests prevent).
pub fn tables() -> Result<&'static Terminology, &'static str> {
    TABLES.as_ref().map_err(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_tables_load_and_every_reference_resolves() {
        let t = tables().unwrap();
        assert!(t.classes.len() >= 11, "{:?}", t.classes.keys());
        for c in [
            "penicillins",
            "cephalosporins",
            "carbapenems",
            "sulfonamide-antibacterials",
            "nsaids",
            "salicylates",
            "opioids",
            "ace-inhibitors",
            "macrolides",
            "tetracyclines",
            "quinolones",
        ] {
            assert!(t.classes.contains_key(c), "class {c}");
        }
    }

    #[test]
    fn both_dmd_and_snomed_spellings_find_the_same_concept() {
        let t = tables().unwrap();
        assert_eq!(system_key("https://dmd.nhs.uk/"), "sct");
        assert_eq!(system_key("http://snomed.info/sct"), "sct");
        assert_eq!(
            t.target(SNOMED, "91936005"),
            Some(&Target::Class("penicillins".into()))
        );
        assert_eq!(
            t.target(SNOMED, "764146007"),
            Some(&Target::Class("penicillins".into()))
        );
    }

    #[test]
    fn names_match_whole_words_only() {
        let t = tables().unwrap();
        assert!(
            t.members_named_in("Penicillamine 250mg tablets")
                .iter()
                .all(|m| m != "penicillin")
        );
        let found = t.members_named_in("AMOXICILLIN 500MG CAPSULES");
        assert_eq!(found, ["amoxicillin"]);
        assert!(
            t.members_named_in("Co-amoxiclav 500mg/125mg tablets")
                .contains(&"co-amoxiclav".to_string())
        );
    }

    #[test]
    fn negation_codes_and_texts_have_their_scope() {
        let t = tables().unwrap();
        assert_eq!(
            t.negation_code(SNOMED, "716186003"),
            Some(NegationScope::All)
        );
        assert_eq!(
            t.negation_code(SNOMED, "409137002"),
            Some(NegationScope::Drug)
        );
        assert_eq!(
            t.negation_code("http://read.info/ctv3", "716186003"),
            None,
            "system and code"
        );
        assert_eq!(
            t.negation_text("  No known   drug allergies "),
            Some(NegationScope::Drug)
        );
        assert_eq!(t.negation_text("none"), None);
        assert!(NegationScope::Drug.contradicted_by(&["medication".into()]));
        assert!(!NegationScope::Drug.contradicted_by(&["food".into()]));
        assert!(NegationScope::Drug.contradicted_by(&[]));
    }
}
