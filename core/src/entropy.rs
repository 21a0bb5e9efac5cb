//! The one source of randomness: an explicit input, never a global.
//!
//! Everything in authcore that needs random bytes (JWT ids, device codes, session
//! tokens, PKCE verifiers) takes `&mut dyn Entropy`. [`OsEntropy`] reads the operating
//! system's generator through `getrandom`; [`FixedEntropy`] replays given bytes so tests
//! and conformance vectors are exact. A [`FixedEntropy`] that runs dry fails with
//! `entropy_unavailable` instead of repeating itself.
//!
//! ```
//! use authcore::entropy::{Entropy, FixedEntropy};
//!
//! let mut fixed = FixedEntropy::new(vec![1, 2, 3, 4]);
//! let mut buf = [0u8; 3];
//! fixed.fill(&mut buf).unwrap();
//! assert_eq!(buf, [1, 2, 3]);
//! assert!(fixed.fill(&mut buf).is_err()); // only one byte left
//! ```

use crate::error::{Error, ErrorCode, Result};

/// A source of random bytes.
pub trait Entropy {
    /// Fills `dest` entirely with random bytes, or fails with `entropy_unavailable`.
    fn fill(&mut self, dest: &mut [u8]) -> Result<()>;
}

/// The operating system's cryptographically secure generator (`getrandom`).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, dest: &mut [u8]) -> Result<()> {
        getrandom::getrandom(dest).map_err(|_| Error::new(ErrorCode::EntropyUnavailable))
    }
}

/// Replays a fixed byte string, for tests and conformance vectors.
#[derive(Clone)]
pub struct FixedEntropy {
    bytes: Vec<u8>,
    pos: usize,
}

impl FixedEntropy {
    /// Bytes to hand out, in order.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self { bytes, pos: 0 }
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }
}

impl core::fmt::Debug for FixedEntropy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FixedEntropy")
            .field("remaining", &self.remaining())
            .finish()
    }
}

impl Entropy for FixedEntropy {
    fn fill(&mut self, dest: &mut [u8]) -> Result<()> {
        let end = self.pos.checked_add(dest.len()).filter(|end| *end <= self.bytes.len());
        match end.and_then(|end| self.bytes.get(self.pos..end)) {
            Some(src) => {
                dest.copy_from_slice(src);
                self.pos += dest.len();
                Ok(())
            }
            None => Err(Error::with_detail(
                ErrorCode::EntropyUnavailable,
                "The fixed entropy source has run out of bytes.",
            )),
        }
    }
}

impl<E: Entropy + ?Sized> Entropy for &mut E {
    fn fill(&mut self, dest: &mut [u8]) -> Result<()> {
        (**self).fill(dest)
    }
}

/// The entropy a binding passes on: the caller's bytes when given (tests, vectors), else the
/// operating system's generator. Every binding's optional `entropy=` argument becomes one of
/// these through [`EntropySource::from_bytes`], so the choice is made in one place.
///
/// ```
/// use authcore::entropy::{Entropy, EntropySource};
///
/// let mut fixed = EntropySource::from_bytes(Some(vec![7, 8]));
/// let mut buf = [0u8; 2];
/// fixed.fill(&mut buf)?;
/// assert_eq!(buf, [7, 8]);
/// assert!(matches!(EntropySource::from_bytes(None), EntropySource::Os(_)));
/// # Ok::<(), authcore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub enum EntropySource {
    /// The operating system's generator.
    Os(OsEntropy),
    /// Given bytes, replayed once.
    Fixed(FixedEntropy),
}

impl EntropySource {
    /// `Some(bytes)`: replay exactly those bytes; `None`: the OS generator.
    pub fn from_bytes(bytes: Option<Vec<u8>>) -> Self {
        match bytes {
            Some(b) => Self::Fixed(FixedEntropy::new(b)),
            None => Self::Os(OsEntropy),
        }
    }
}

impl Entropy for EntropySource {
    fn fill(&mut self, dest: &mut [u8]) -> Result<()> {
        match self {
            Self::Os(e) => e.fill(dest),
            Self::Fixed(e) => e.fill(dest),
        }
    }
}

/// `n` random bytes.
pub(crate) fn random_bytes(entropy: &mut dyn Entropy, n: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    entropy.fill(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_entropy_fills() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        OsEntropy.fill(&mut a).unwrap();
        OsEntropy.fill(&mut b).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn fixed_entropy_is_exact_and_runs_dry() {
        let mut e = FixedEntropy::new((0u8..10).collect());
        assert_eq!(random_bytes(&mut e, 4).unwrap(), vec![0, 1, 2, 3]);
        assert_eq!(e.remaining(), 6);
        let err = random_bytes(&mut e, 7).unwrap_err();
        assert_eq!(err.code(), ErrorCode::EntropyUnavailable);
        assert_eq!(e.remaining(), 6, "a failed fill consumes nothing");
        assert_eq!(random_bytes(&mut e, 6).unwrap(), vec![4, 5, 6, 7, 8, 9]);
        assert!(format!("{e:?}").contains("remaining"));
    }
}
