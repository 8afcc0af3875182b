//! NHS number: 10 digits, the last a modulus-11 check digit.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::error::{ErrorCode, HasCode};

/// Identifier system for NHS numbers in FHIR.
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";

/// A validated NHS number, stored as its 10 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NhsNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    #[error("NHS number must have 10 digits; \"{input}\" has {digits}")]
    WrongLength { input: String, digits: usize },
    #[error("NHS number may contain only digits and spaces; \"{input}\" has '{bad}'")]
    NotDigits { input: String, bad: char },
    #[error("\"{input}\" is not a valid NHS number: its check digit does not match")]
    CheckDigit { input: String },
}

impl HasCode for NhsNumberError {
    fn code(&self) -> ErrorCode {
        ErrorCode::InvalidNhsNumber
    }
}

/// The modulus-11 check digit for nine digits, or `None` when the weighted sum
/// gives 10 (no NHS number can be formed from those nine digits).
pub fn check_digit(nine: &[u8; 9]) -> Option<u8> {
    let sum: u32 = nine
        .iter()
        .zip((2..=10u32).rev())
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        c => u8::try_from(c).ok(),
    }
}

impl NhsNumber {
    /// Parses user input: digits, optionally grouped with spaces or hyphens (`943 476 5919`).
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let trimmed = input.trim();
        let mut digits = Vec::with_capacity(10);
        for ch in trimmed.chars() {
            match ch {
                '0'..='9' => digits.push(ch as u8 - b'0'),
                ' ' | '-' => {}
                bad => {
                    return Err(NhsNumberError::NotDigits {
                        input: trimmed.to_string(),
                        bad,
                    });
                }
            }
        }
        if digits.len() != 10 {
            return Err(NhsNumberError::WrongLength {
                input: trimmed.to_string(),
                digits: digits.len(),
            });
        }
        let mut nine = [0u8; 9];
        nine.copy_from_slice(&digits[..9]);
        if check_digit(&nine) != Some(digits[9]) {
            return Err(NhsNumberError::CheckDigit {
                input: trimmed.to_string(),
            });
        }
        Ok(NhsNumber(
            digits.iter().map(|d| char::from(b'0' + d)).collect(),
        ))
    }

    /// The ten digits, no spaces (as sent to servers and used as the cache key).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// NHS display format, 3-3-4: `943 476 5919`.
    pub fn formatted(&self) -> String {
        format!("{} {} {}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

impl FromStr for NhsNumber {
    type Err = NhsNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NhsNumber::parse(s)
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = NhsNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        NhsNumber::parse(&s)
    }
}

impl From<NhsNumber> for String {
    fn from(n: NhsNumber) -> String {
        n.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_known_valid_numbers_in_any_grouping() {
        for s in ["9434765919", "943 476 5919", "943-476-5919", " 9990040109 "] {
            assert!(NhsNumber::parse(s).is_ok(), "{s} should be valid");
        }
        assert_eq!(
            NhsNumber::parse("9434765919").unwrap().formatted(),
            "943 476 5919"
        );
    }

    #[test]
    fn rejects_wrong_check_digit_length_and_letters_with_specific_errors() {
        assert!(matches!(
            NhsNumber::parse("9434765918"),
            Err(NhsNumberError::CheckDigit { .. })
        ));
        assert!(matches!(
            NhsNumber::parse("943476591"),
            Err(NhsNumberError::WrongLength { digits: 9, .. })
        ));
        assert!(matches!(
            NhsNumber::parse("94347659l9"),
            Err(NhsNumberError::NotDigits { bad: 'l', .. })
        ));
        assert!(matches!(
            NhsNumber::parse(""),
            Err(NhsNumberError::WrongLength { digits: 0, .. })
        ));
    }

    #[test]
    fn nine_digits_whose_check_would_be_ten_form_no_number() {
        // 999 000 001: 9*10+9*9+9*8+1*2 = 245, 245 mod 11 = 3, 11-3 = 8 -> valid.
        assert_eq!(check_digit(&[9, 9, 9, 0, 0, 0, 0, 0, 1]), Some(8));
        // Some nine-digit prefixes have no valid check digit; none of their ten completions parse.
        let nine = (0..100u8)
            .map(|n| [9, 9, 9, 0, 0, 0, 0, n / 10, n % 10])
            .find(|p| check_digit(p).is_none())
            .expect("a prefix with check 10 exists in any run of 100");
        for last in 0..10u8 {
            let s: String = nine
                .iter()
                .chain(std::iter::once(&last))
                .map(|d| char::from(b'0' + d))
                .collect();
            assert!(NhsNumber::parse(&s).is_err(), "{s}");
        }
    }

    fn reference_valid(s: &str) -> bool {
        // Straight transcription of the published rule, kept independent of check_digit().
        let d: Vec<u32> = s.chars().map(|c| c.to_digit(10).unwrap()).collect();
        let sum: u32 = (0..9).map(|i| d[i] * (10 - i as u32)).sum();
        let r = 11 - sum % 11;
        let c = if r == 11 { 0 } else { r };
        c != 10 && c == d[9]
    }

    proptest! {
        #[test]
        fn parse_agrees_with_the_published_rule(s in "[0-9]{10}") {
            prop_assert_eq!(NhsNumber::parse(&s).is_ok(), reference_valid(&s));
        }

        #[test]
        fn a_single_digit_change_is_always_caught(nine in proptest::array::uniform9(0u8..10), pos in 0usize..10, delta in 1u8..10) {
            if let Some(c) = check_digit(&nine) {
                let mut digits: Vec<u8> = nine.to_vec();
                digits.push(c);
                let ok: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
                prop_assert!(NhsNumber::parse(&ok).is_ok());
                digits[pos] = (digits[pos] + delta) % 10;
                let bad: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
                prop_assert!(NhsNumber::parse(&bad).is_err(), "{} should fail", bad);
            }
        }

        #[test]
        fn formatting_round_trips(nine in proptest::array::uniform9(0u8..10)) {
            if let Some(c) = check_digit(&nine) {
                let s: String = nine.iter().chain(std::iter::once(&c)).map(|d| char::from(b'0' + d)).collect();
                let n = NhsNumber::parse(&s).unwrap();
                prop_assert_eq!(NhsNumber::parse(&n.formatted()).unwrap(), n.clone());
                prop_assert_eq!(n.formatted().len(), 12);
            }
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,30}") {
            let _ = NhsNumber::parse(&s);
        }
    }
}
