//! The error of a step of background work (grading, sending an email, delivering a
//! webhook): what failed, with its context, and whether retrying can help. The worker
//! turns it into a job failure of the same kind.

/// A step of background work failed.
#[derive(Debug, thiserror::Error)]
pub enum WorkError {
    /// Retrying cannot help (missing row, invalid data, rejected address).
    #[error("{0:#}")]
    Permanent(anyhow::Error),
    /// May work later (database busy, connection lost).
    #[error("{0:#}")]
    Transient(anyhow::Error),
}

impl WorkError {
    pub fn permanent(e: impl Into<anyhow::Error>) -> Self {
        Self::Permanent(e.into())
    }

    pub fn transient(e: impl Into<anyhow::Error>) -> Self {
        Self::Transient(e.into())
    }

    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent(_))
    }
}

/// Adds what was being done to a database error, keeping it transient.
pub(crate) trait Doing<T> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T, WorkError>;
}

impl<T, E> Doing<T> for Result<T, E>
where
    E: std::error::Error + Send + Sync + 'static,
{
    fn doing(self, what: impl FnOnce() -> String) -> Result<T, WorkError> {
        self.map_err(|e| WorkError::Transient(anyhow::Error::new(e).context(what())))
    }
}
