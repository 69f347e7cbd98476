//! argon2id hashing on a fixed set of threads, each with its own preallocated memory.
//!
//! One argon2id computation with OWASP's parameters fills 19 MiB of memory blocks and
//! keeps a core busy for tens of milliseconds. Run on tokio's blocking pool, every
//! hashing thread the pool ever spawned would keep its own 19 MiB allocation alive in
//! the allocator's arenas (an audit measured 1.47 GB after a sign-up storm). Here a
//! fixed number of threads each allocate their blocks once, on their first job, and
//! hash into them with [`Argon2::hash_password_into_with_memory`], so resident memory is
//! bounded by `threads × 19 MiB` however long a storm lasts.
//!
//! In front of the threads is a queue. When the work already queued would keep a new
//! request waiting longer than `max_wait` (estimated from the measured cost of recent
//! hashes), the request is refused at once with [`Overloaded`], which the HTTP layer
//! answers with 503 and `Retry-After`: a flood of sign-ins degrades into quick refusals
//! instead of requests that time out after queueing for a minute.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;
use tracing::Span;

use crate::domain::Password;

/// OWASP's minimum for argon2id: m=19456 KiB, t=2, p=1.
const M_COST: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
const OUTPUT_LEN: usize = 32;
const SALT_LEN: usize = 16;
/// Jobs the queue holds at most, whatever the estimate says (memory safety net).
const QUEUE_CAPACITY: usize = 1_024;
/// The cost assumed for a hash before any has been measured.
const INITIAL_ESTIMATE: Duration = Duration::from_millis(40);

fn params() -> anyhow::Result<Params> {
    Params::new(M_COST, T_COST, P_COST, Some(OUTPUT_LEN))
        .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))
}

/// The hashing queue is too long: the request would wait past the configured bound.
/// Found in an error's cause chain, it means "busy, retry soon" (503), not a bug.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("password hashing is saturated; retry in {retry_after_secs} s")]
pub struct Overloaded {
    pub retry_after_secs: u64,
}

type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// The queue and its bookkeeping, shared by every clone of the hasher.
struct Pool {
    sender: SyncSender<Job>,
    threads: usize,
    max_wait: Duration,
    /// Jobs accepted and not yet started.
    queued: AtomicUsize,
    /// Moving average of one hash's wall time, in microseconds.
    cost_micros: AtomicU64,
}

/// Hashes and verifies passwords off the async executor. Cheap to clone.
#[derive(Clone)]
pub struct PasswordHasher {
    pool: Arc<Pool>,
    /// A real hash of a random password: verifying an unknown user against it costs
    /// what verifying a real user costs, so timing does not reveal who has an account.
    dummy_hash: Arc<str>,
}

fn worker(receiver: Arc<Mutex<Receiver<Job>>>) {
    // Allocated on the first job and kept: this thread's whole memory budget.
    let mut blocks: Vec<Block> = Vec::new();
    loop {
        let job = match receiver.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(&mut blocks),
            Err(_) => return, // every sender dropped: the hasher is gone
        }
    }
}

/// Computes an argon2 output into `out` using (and growing once, if needed) `blocks`.
fn compute(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
    blocks: &mut Vec<Block>,
) -> anyhow::Result<()> {
    let needed = argon.params().block_count();
    if blocks.len() < needed {
        blocks.resize(needed, Block::new());
    }
    argon
        .hash_password_into_with_memory(password, salt, out, &mut blocks[..needed])
        .map_err(|e| anyhow::anyhow!("argon2 failed: {e}"))
}

fn hash_with(password: &[u8], blocks: &mut Vec<Block>) -> anyhow::Result<String> {
    let params = params()?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt = [0u8; SALT_LEN];
    rand::rng().fill_bytes(&mut salt);
    let mut out = [0u8; OUTPUT_LEN];
    compute(&argon, password, &salt, &mut out, blocks)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params)
            .try_into()
            .map_err(|e| anyhow::anyhow!("cannot encode argon2 parameters: {e}"))?,
        salt: Some(
            argon2::password_hash::phc::Salt::new(&salt)
                .map_err(|e| anyhow::anyhow!("cannot encode the salt: {e}"))?,
        ),
        hash: Some(
            argon2::password_hash::phc::Output::new(&out)
                .map_err(|e| anyhow::anyhow!("cannot encode the hash: {e}"))?,
        ),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored`. Parameters, salt and version
/// come from the string, so hashes made with older parameters still verify.
fn verify_with(password: &[u8], stored: &str, blocks: &mut Vec<Block>) -> bool {
    let Ok(phc) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (phc.salt.as_ref(), phc.hash.as_ref()) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(phc.algorithm.as_str()) else {
        return false;
    };
    let version = match phc.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&phc) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params);
    let expected = expected.as_ref();
    let mut out = vec![0u8; expected.len()];
    if compute(&argon, password, salt.as_ref(), &mut out, blocks).is_err() {
        return false;
    }
    out.ct_eq(expected).into()
}

impl PasswordHasher {
    /// Starts `threads` hashing threads; requests that would wait longer than
    /// `max_wait` in the queue are refused with [`Overloaded`].
    pub fn new(threads: usize, max_wait: Duration) -> anyhow::Result<Self> {
        let threads = threads.max(1);
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Job>(QUEUE_CAPACITY);
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..threads {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || worker(receiver))
                .context("cannot start a password hashing thread")?;
        }
        let dummy_password = crate::domain::tokens::random_token(24);
        let mut blocks = Vec::new();
        let dummy_hash =
            hash_with(dummy_password.as_bytes(), &mut blocks).context("cannot compute the dummy hash")?;
        Ok(Self {
            pool: Arc::new(Pool {
                sender,
                threads,
                max_wait,
                queued: AtomicUsize::new(0),
                cost_micros: AtomicU64::new(INITIAL_ESTIMATE.as_micros() as u64),
            }),
            dummy_hash: dummy_hash.into(),
        })
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a fresh random salt.
    pub async fn hash(&self, password: &Password) -> anyhow::Result<String> {
        let secret = SecretString::from(password.expose().to_owned());
        self.run(move |blocks| hash_with(secret.expose_secret().as_bytes(), blocks))
            .await?
    }

    /// Whether `password` matches `stored`. With no stored hash (unknown account) the
    /// dummy hash is checked instead and the answer is always `false`.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> anyhow::Result<bool> {
        let secret = SecretString::from(password.to_owned());
        let known = stored.is_some();
        let hash: Arc<str> = match stored {
            Some(h) => h.into(),
            None => self.dummy_hash.clone(),
        };
        let matches = self
            .run(move |blocks| verify_with(secret.expose_secret().as_bytes(), &hash, blocks))
            .await?;
        Ok(known && matches)
    }

    /// How long a job queued now would wait before a thread picks it up.
    fn expected_wait(&self, queued: usize) -> Duration {
        let cost = self.pool.cost_micros.load(Ordering::Relaxed);
        let rounds = (queued / self.pool.threads) as u64;
        Duration::from_micros(cost.saturating_mul(rounds))
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let pool = &self.pool;
        let queued = pool.queued.fetch_add(1, Ordering::SeqCst);
        let wait = self.expected_wait(queued);
        if wait > pool.max_wait {
            pool.queued.fetch_sub(1, Ordering::SeqCst);
            return Err(Overloaded {
                retry_after_secs: wait.as_secs().max(1),
            }
            .into());
        }
        let (done, result) = oneshot::channel();
        let span = Span::current();
        let shared = self.pool.clone();
        let job: Job = Box::new(move |blocks| {
            shared.queued.fetch_sub(1, Ordering::SeqCst);
            let started = Instant::now();
            let value = span.in_scope(|| work(blocks));
            let took = started.elapsed().as_micros() as u64;
            // An exponential moving average (1/8 weight): follows load, ignores blips.
            let _ = shared
                .cost_micros
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                    Some(old - old / 8 + took / 8)
                });
            let _ = done.send(value);
        });
        match pool.sender.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                pool.queued.fetch_sub(1, Ordering::SeqCst);
                return Err(Overloaded {
                    retry_after_secs: self.expected_wait(QUEUE_CAPACITY).as_secs().max(1),
                }
                .into());
            }
            Err(TrySendError::Disconnected(_)) => {
                anyhow::bail!("the password hashing threads are gone")
            }
        }
        result.await.context("a password hashing thread stopped")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use argon2::PasswordVerifier;

    use super::*;

    const WAIT: Duration = Duration::from_secs(3);

    #[tokio::test]
    async fn hashes_with_owasp_parameters_and_verifies() {
        let hasher = PasswordHasher::new(2, WAIT).unwrap();
        let password = Password::parse("correct horse battery staple").unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(
            hasher
                .verify("correct horse battery staple", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("wrong horse battery staple", Some(&hash))
                .await
                .unwrap()
        );
    }

    /// Our hashes are standard PHC strings: the argon2 crate's own verifier accepts
    /// them, and ours accepts the crate's (e.g. hashes stored before this pool).
    #[tokio::test]
    async fn hashes_interoperate_with_the_argon2_crate() {
        let hasher = PasswordHasher::new(1, WAIT).unwrap();
        let ours = hasher
            .hash(&Password::parse("correct horse battery staple").unwrap())
            .await
            .unwrap();
        Argon2::default()
            .verify_password(b"correct horse battery staple", ours.as_str())
            .unwrap();
        let theirs = {
            use argon2::PasswordHasher as _;
            Argon2::new(
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(8, 1, 1, None).unwrap(),
            )
            .hash_password(b"an older password")
            .unwrap()
            .to_string()
        };
        assert!(hasher.verify("an older password", Some(&theirs)).await.unwrap());
        assert!(!hasher.verify("another password", Some(&theirs)).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_account_never_verifies() {
        let hasher = PasswordHasher::new(1, WAIT).unwrap();
        assert!(!hasher.verify("anything at all", None).await.unwrap());
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_does_not_verify() {
        let hasher = PasswordHasher::new(1, WAIT).unwrap();
        assert!(
            !hasher
                .verify("anything at all", Some("not a phc string"))
                .await
                .unwrap()
        );
    }

    /// With no room to wait, a burst is refused quickly with `Overloaded` instead of
    /// queueing: some requests are served, the rest are told when to retry.
    #[tokio::test]
    async fn a_burst_beyond_the_wait_bound_is_refused_with_retry_after() {
        let hasher = PasswordHasher::new(1, Duration::ZERO).unwrap();
        let attempts = (0..16).map(|_| {
            let hasher = hasher.clone();
            tokio::spawn(async move { hasher.verify("a password", None).await })
        });
        let results = futures::future::join_all(attempts).await;
        let mut served = 0;
        let mut refused = 0;
        for result in results {
            match result.unwrap() {
                Ok(false) => served += 1,
                Ok(true) => panic!("an unknown account verified"),
                Err(e) => {
                    let overloaded = e.downcast_ref::<Overloaded>().unwrap();
                    assert!(overloaded.retry_after_secs >= 1);
                    refused += 1;
                }
            }
        }
        assert!(served >= 1, "the first request is always served");
        assert!(
            refused >= 1,
            "a burst of 16 on one thread with no wait allowed is refused"
        );
    }

    /// The threads reuse their memory: many hashes in a row on one thread do not grow
    /// the process (checked by the bench under load; here, that they keep working).
    #[tokio::test]
    async fn one_thread_serves_many_requests_in_turn() {
        let hasher = PasswordHasher::new(1, Duration::from_secs(60)).unwrap();
        for _ in 0..5 {
            assert!(!hasher.verify("x", None).await.unwrap());
        }
        assert_eq!(hasher.pool.queued.load(Ordering::SeqCst), 0);
    }
}
