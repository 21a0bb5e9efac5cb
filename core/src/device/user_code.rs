//! User codes people can type: generation, display and normalisation.

use serde::{Deserialize, Serialize};

use crate::entropy::Entropy;
use crate::error::{Error, ErrorCode, Result};

/// RFC 8628 §6.1's suggested alphabet: consonants only (no vowels, so no words; no digits,
/// so no `0`/`O` or `1`/`I` confusion). 20 symbols, 8 characters: 34.5 bits.
pub const DEFAULT_USER_CODE_ALPHABET: &str = "BCDFGHJKLMNPQRSTVWXZ";

/// Groups of characters people confuse. A typed character outside the alphabet is replaced
/// by the one member of its group inside the alphabet, when there is exactly one.
const LOOK_ALIKES: &[&str] = &["0OQ", "1IL", "2Z", "5S", "6G", "8B", "UV"];

/// How user codes look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct UserCodeFormat {
    /// Symbols (upper-case ASCII letters and digits, no repeats). Default
    /// [`DEFAULT_USER_CODE_ALPHABET`].
    pub alphabet: String,
    /// Number of symbols (6 to 16, default 8).
    pub length: usize,
    /// Shown in groups of this many separated by `-` (0: no dashes; default 4 → `XXXX-XXXX`).
    pub group: usize,
}

impl Default for UserCodeFormat {
    fn default() -> Self {
        Self {
            alphabet: DEFAULT_USER_CODE_ALPHABET.to_owned(),
            length: 8,
            group: 4,
        }
    }
}

impl UserCodeFormat {
    /// Checks the format.
    pub fn validate(&self) -> Result<()> {
        let bad = |f: &str, d: &str| Err(Error::field(ErrorCode::InvalidConfig, f, d));
        let a = self.alphabet.as_bytes();
        if !(10..=36).contains(&a.len()) || !a.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return bad(
                "user_code.alphabet",
                "The user-code alphabet must be 10 to 36 upper-case letters or digits.",
            );
        }
        if a.iter().enumerate().any(|(i, b)| a.iter().skip(i + 1).any(|c| c == b)) {
            return bad("user_code.alphabet", "The user-code alphabet must not repeat a symbol.");
        }
        if !(6..=16).contains(&self.length) {
            return bad("user_code.length", "The user-code length must be 6 to 16.");
        }
        if self.group > self.length {
            return bad(
                "user_code.group",
                "The user-code group size must not exceed its length.",
            );
        }
        Ok(())
    }

    /// Draws a code uniformly from the alphabet (rejection sampling, one byte per draw).
    /// Returns the canonical form (no separators).
    pub(crate) fn generate(&self, entropy: &mut dyn Entropy) -> Result<String> {
        let alphabet = self.alphabet.as_bytes();
        let n = alphabet.len();
        // Largest multiple of n that fits in a byte: bytes at or above it are redrawn.
        let limit = 256 - 256 % n;
        let mut code = String::with_capacity(self.length);
        let mut draws = 0;
        while code.len() < self.length {
            draws += 1;
            if draws > self.length * 64 {
                return Err(Error::with_detail(
                    ErrorCode::EntropyUnavailable,
                    "The entropy source keeps returning unusable bytes.",
                ));
            }
            let mut b = [0u8; 1];
            entropy.fill(&mut b)?;
            let v = usize::from(b[0]);
            if v < limit {
                if let Some(&c) = alphabet.get(v % n) {
                    code.push(char::from(c));
                }
            }
        }
        Ok(code)
    }

    /// The display form of a canonical code: `BCDFGHJK` → `BCDF-GHJK`.
    pub fn display(&self, canonical: &str) -> String {
        if self.group == 0 {
            return canonical.to_owned();
        }
        let mut out = String::with_capacity(canonical.len() + canonical.len() / self.group);
        for (i, c) in canonical.chars().enumerate() {
            if i > 0 && i % self.group == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }

    /// Normalises what a person typed into the canonical form: ignores case, spaces and
    /// dashes (any Unicode dash or space, `_` and `.`), folds full-width forms, and replaces
    /// look-alike characters (`1`/`I` → `L`, `5` → `S`, `8` → `B`, … only where the alphabet
    /// holds exactly one of the look-alikes). Fails with `invalid_user_code` when the result
    /// has the wrong length or a character outside the alphabet.
    pub fn normalize(&self, typed: &str) -> Result<String> {
        let bad = || {
            Error::field(
                ErrorCode::InvalidUserCode,
                "user_code",
                format!(
                    "A code is {} characters from {}.",
                    self.length,
                    if self.alphabet == DEFAULT_USER_CODE_ALPHABET {
                        "the consonants BCDFGHJKLMNPQRSTVWXZ".to_owned()
                    } else {
                        self.alphabet.clone()
                    }
                ),
            )
        };
        if typed.len() > 256 {
            return Err(bad());
        }
        let mut out = String::with_capacity(self.length);
        for c in typed.chars() {
            // Full-width ASCII (U+FF01..U+FF5E) to ASCII.
            let c = match u32::from(c) {
                0xFF01..=0xFF5E => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
                _ => c,
            };
            if c.is_whitespace() || matches!(c, '-' | '_' | '.' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}') {
                continue;
            }
            let c = c.to_ascii_uppercase();
            let c = if self.alphabet.contains(c) {
                c
            } else {
                self.look_alike(c).ok_or_else(bad)?
            };
            out.push(c);
            if out.len() > self.length {
                return Err(bad());
            }
        }
        if out.len() != self.length {
            return Err(bad());
        }
        Ok(out)
    }

    fn look_alike(&self, c: char) -> Option<char> {
        let group = LOOK_ALIKES.iter().find(|g| g.contains(c))?;
        let mut inside = group.chars().filter(|g| self.alphabet.contains(*g));
        match (inside.next(), inside.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::FixedEntropy;

    #[test]
    fn generation_is_uniform_by_rejection() {
        let f = UserCodeFormat::default();
        // 240 and above are redrawn for a 20-symbol alphabet.
        let mut e = FixedEntropy::new(vec![0, 1, 240, 255, 2, 19, 20, 39, 40, 239]);
        let code = f.generate(&mut e).unwrap();
        assert_eq!(code, "BCDZBZBZ");
        assert_eq!(f.display(&code), "BCDZ-BZBZ");
        assert_eq!(e.remaining(), 0);
    }

    #[test]
    fn normalisation() {
        let f = UserCodeFormat::default();
        assert_eq!(f.normalize("bcdf-ghjk").unwrap(), "BCDFGHJK");
        assert_eq!(f.normalize(" BCDF GHJK ").unwrap(), "BCDFGHJK");
        assert_eq!(f.normalize("ＢＣＤＦ–ＧＨＪＫ").unwrap(), "BCDFGHJK");
        assert_eq!(f.normalize("1i5s-8b2z").unwrap(), "LLSSBBZZ");
        assert_eq!(f.normalize("BCDF-GHJ").unwrap_err().code(), ErrorCode::InvalidUserCode);
        assert_eq!(
            f.normalize("BCDF-GHJKL").unwrap_err().code(),
            ErrorCode::InvalidUserCode
        );
        // Q is the only member of {0, O, Q} in the alphabet.
        assert_eq!(f.normalize("BCDF-GHJQ").unwrap(), "BCDFGHJQ");
        assert_eq!(f.normalize("BCDF-GHJO").unwrap(), "BCDFGHJQ");
        assert_eq!(f.normalize("BCDF-GHJA").unwrap_err().field_name(), Some("user_code"));
        let digits = UserCodeFormat {
            alphabet: "0123456789".into(),
            length: 6,
            group: 3,
        };
        digits.validate().unwrap();
        assert_eq!(digits.normalize("O1l-2Zs").unwrap(), "011225");
    }

    #[test]
    fn format_validation() {
        let f = UserCodeFormat {
            alphabet: "ABCA56789X".into(),
            ..Default::default()
        };
        assert_eq!(f.validate().unwrap_err().field_name(), Some("user_code.alphabet"));
        let f = UserCodeFormat {
            length: 5,
            ..Default::default()
        };
        assert!(f.validate().is_err());
    }
}
