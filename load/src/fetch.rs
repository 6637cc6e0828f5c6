//! Pacing and retries around a [`Transport`]: every request the loader sends goes through
//! [`Fetcher::send`].
//!
//! Apify limits each *resource* (one Actor, one run, one list endpoint) to 60 requests a second
//! and each user to 250,000 a minute, and answers a 429 `rate-limit-exceeded` without a
//! `Retry-After`. Its own clients then wait 500 ms × random 1–2, doubling on every further 429.
//! So the [`Pacer`] keeps one token bucket per resource below 60/s, one for the whole session
//! below the relay's per-session allowance, and on a 429 pauses *every* request, not only the
//! one that met it. Retries: 429, 5xx and an unreachable relay, up to [`LoadOptions::tries`].

use crate::answer::{Answer, ApiError};
use crate::transport::Transport;
use forge_apify::pace::TokenBucket;
use forge_apify::paths::ApifyPath;
use serde::de::DeserializeOwned;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

/// Apify's documented limit per resource, requests per second.
pub const APIFY_PER_RESOURCE_PER_SEC: f64 = 60.0;
/// Apify's documented limit per user, requests per minute.
pub const APIFY_PER_USER_PER_MIN: f64 = 250_000.0;

/// Tunables of one load; [`LoadOptions::default`] is what the dashboard and the CLI use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadOptions {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Sustained requests per second to one resource, and its burst. Below Apify's 60/s with
    /// room for a burst inside one second.
    pub per_resource_per_sec: f64,
    pub per_resource_burst: f64,
    /// Sustained requests per second of the whole session, and its burst: below the relay's
    /// default per-session bucket (120/s, burst 600), so that a reload right after a full load
    /// still meets no 429 (the relay's burst holds two of ours and more).
    pub session_per_sec: f64,
    pub session_burst: f64,
    /// Tries per request on 429, 5xx or no answer (the first try included).
    pub tries: u32,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            concurrency: 8,
            per_resource_per_sec: 50.0,
            per_resource_burst: 10.0,
            session_per_sec: 100.0,
            session_burst: 40.0,
            tries: 6,
        }
    }
}

/// Wait before retry `attempt` (1 = the first retry): 500 ms × 2^(attempt−1) × `jitter` (1–2),
/// the back-off of Apify's own clients.
pub fn backoff_ms(attempt: u32, jitter: f64) -> f64 {
    500.0 * f64::from(1u32 << attempt.saturating_sub(1).min(10)) * jitter.clamp(1.0, 2.0)
}

/// The resource a request counts against at Apify: its path without the query (one list
/// endpoint, or one object).
pub fn resource_of(request: &ApifyPath) -> &str {
    let p = request.path_and_query();
    p.split_once('?').map_or(p, |(path, _)| path)
}

/// Per-resource buckets kept at most; a full bucket is forgotten first (it would say "go").
const MAX_TRACKED_RESOURCES: usize = 512;

/// When the next request may go: per-resource and session buckets, and a pause after a 429.
#[derive(Debug)]
pub struct Pacer {
    opts: LoadOptions,
    session: TokenBucket,
    resources: BTreeMap<String, TokenBucket>,
    /// No request before this time (unix ms): a 429 was met.
    paused_until: f64,
    /// 429s in a row (reset by any other answer): the back-off doubles with each.
    strikes: u32,
}

impl Pacer {
    pub fn new(opts: LoadOptions, now_ms: f64) -> Pacer {
        Pacer {
            opts,
            session: TokenBucket::full(opts.session_per_sec, opts.session_burst, now_ms),
            resources: BTreeMap::new(),
            paused_until: 0.0,
            strikes: 0,
        }
    }

    /// Takes a token for `resource`, or says how long to wait (ms) before asking again.
    pub fn take(&mut self, resource: &str, now_ms: f64) -> Result<(), f64> {
        if now_ms < self.paused_until {
            return Err(self.paused_until - now_ms);
        }
        if self.resources.len() >= MAX_TRACKED_RESOURCES {
            self.resources.retain(|_, b| !b.is_full_at(now_ms));
            if self.resources.len() >= MAX_TRACKED_RESOURCES {
                self.resources.clear();
            }
        }
        let (rate, burst) = (self.opts.per_resource_per_sec, self.opts.per_resource_burst);
        let bucket = self
            .resources
            .entry(resource.to_string())
            .or_insert_with(|| TokenBucket::full(rate, burst, now_ms));
        // Both buckets must have a token; take from neither unless both do.
        let wait = bucket.wait_ms(now_ms).max(self.session.wait_ms(now_ms));
        if wait > 0.0 {
            return Err(wait);
        }
        let _ = bucket.take(now_ms);
        let _ = self.session.take(now_ms);
        Ok(())
    }

    /// A 429 came back: pause every request for Apify's back-off (`jitter` in 1–2).
    pub fn throttled(&mut self, now_ms: f64, jitter: f64) {
        self.strikes += 1;
        let until = now_ms + backoff_ms(self.strikes, jitter);
        self.paused_until = self.paused_until.max(until);
    }

    /// Any answer but a 429: the next 429 starts the back-off from 500 ms again.
    pub fn answered(&mut self) {
        self.strikes = 0;
    }
}

/// Counts of what a load sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestStats {
    /// Requests sent (retries included).
    pub sent: u32,
    pub retried: u32,
    /// 429 answers met.
    pub throttled: u32,
}

/// The request was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// One session's pacer, shared by every [`Fetcher`] of the session.
pub type SharedPacer = Rc<RefCell<Pacer>>;

/// A [`Transport`] with pacing and retries. Fetchers made [`Fetcher::with_pacer`] from one
/// [`SharedPacer`] are paced together: the dashboard, an Actor page and the trend sync of one
/// session never add up to more than the session may send.
#[derive(Debug)]
pub struct Fetcher<T> {
    transport: T,
    opts: LoadOptions,
    pacer: SharedPacer,
    stats: Cell<RequestStats>,
}

impl<T: Transport> Fetcher<T> {
    /// A fetcher with a pacer of its own.
    pub fn new(transport: T, opts: LoadOptions) -> Fetcher<T> {
        let pacer = Rc::new(RefCell::new(Pacer::new(opts, transport.now_ms())));
        Fetcher::with_pacer(transport, opts, pacer)
    }

    pub fn with_pacer(transport: T, opts: LoadOptions, pacer: SharedPacer) -> Fetcher<T> {
        Fetcher {
            transport,
            opts,
            pacer,
            stats: Cell::new(RequestStats::default()),
        }
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    pub fn options(&self) -> &LoadOptions {
        &self.opts
    }

    pub fn stats(&self) -> RequestStats {
        self.stats.get()
    }

    pub fn is_cancelled(&self) -> bool {
        self.transport.cancelled()
    }

    fn bump(&self, f: impl FnOnce(&mut RequestStats)) {
        let mut s = self.stats.get();
        f(&mut s);
        self.stats.set(s);
    }

    async fn wait_turn(&self, resource: &str) -> Result<(), Cancelled> {
        loop {
            if self.transport.cancelled() {
                return Err(Cancelled);
            }
            let wait = self
                .pacer
                .borrow_mut()
                .take(resource, self.transport.now_ms());
            match wait {
                Ok(()) => return Ok(()),
                Err(ms) => self.transport.sleep(ms.ceil().max(1.0)).await,
            }
        }
    }

    /// Sends `request`, paced; retries 429, 5xx and no answer with back-off up to `tries` times.
    /// Only for requests that may be repeated: reads, the PUT of a record, the POST that creates
    /// a named store. The last answer, whatever its status, or the error of the last try.
    pub async fn send(
        &self,
        request: &ApifyPath,
        body: Option<String>,
    ) -> Result<Result<Answer, ApiError>, Cancelled> {
        let resource = resource_of(request);
        let mut attempt = 0;
        loop {
            self.wait_turn(resource).await?;
            self.bump(|s| s.sent += 1);
            let result = self.transport.send(request, body.clone()).await;
            let throttled = matches!(&result, Ok(a) if a.status == 429);
            {
                let mut pacer = self.pacer.borrow_mut();
                if throttled {
                    pacer.throttled(self.transport.now_ms(), 1.0 + self.transport.random());
                } else if result.is_ok() {
                    pacer.answered();
                }
            }
            if throttled {
                self.bump(|s| s.throttled += 1);
            }
            let transient = match &result {
                Ok(a) => !a.ok() && a.error().is_transient(),
                Err(ApiError::Aborted) => return Err(Cancelled),
                Err(e) => e.is_transient(),
            };
            attempt += 1;
            if !transient || attempt >= self.opts.tries {
                return Ok(result);
            }
            self.bump(|s| s.retried += 1);
            if !throttled {
                // A 429 already paused every request; other failures wait on their own.
                let jitter = 1.0 + self.transport.random();
                self.transport.sleep(backoff_ms(attempt, jitter)).await;
            }
        }
    }

    /// `GET` of `request` as Apify's `{"data": T}`, paced and retried like [`Fetcher::send`].
    pub async fn data<D: DeserializeOwned>(
        &self,
        request: &ApifyPath,
    ) -> Result<Result<D, ApiError>, Cancelled> {
        Ok(self.send(request, None).await?.and_then(Answer::data))
    }
}

/// Runs `jobs` jobs, at most `n` at once, in order of their index.
pub async fn pool<F, Fut>(n: usize, jobs: usize, job: F)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    let next = Cell::new(0usize);
    let next = &next;
    let job = &job;
    run_workers(n.clamp(1, jobs.max(1)), || async move {
        loop {
            let i = next.get();
            if i >= jobs {
                break;
            }
            next.set(i + 1);
            job(i).await;
        }
    })
    .await;
}

/// Works through `queue` with at most `n` jobs at once, in queue order. A job may push more
/// jobs (the next pages of a list); the pool ends when the queue is empty and no job runs. A
/// worker that finds the queue empty while jobs still run waits for one to finish (it may have
/// queued more) instead of stopping, so the pool keeps `n` requests in flight.
pub async fn drain<J, F, Fut>(n: usize, queue: &RefCell<VecDeque<J>>, job: F)
where
    F: Fn(J) -> Fut,
    Fut: Future<Output = ()>,
{
    let running = Cell::new(0usize);
    let idle: RefCell<Vec<std::task::Waker>> = RefCell::new(Vec::new());
    let (running, idle, job) = (&running, &idle, &job);
    run_workers(n.max(1), || async move {
        loop {
            let next = std::future::poll_fn(|cx| {
                if let Some(j) = queue.borrow_mut().pop_front() {
                    return Poll::Ready(Some(j));
                }
                if running.get() == 0 {
                    return Poll::Ready(None);
                }
                idle.borrow_mut().push(cx.waker().clone());
                Poll::Pending
            })
            .await;
            let Some(j) = next else {
                // Done: wake the other idle workers so they see it too.
                for w in idle.borrow_mut().drain(..) {
                    w.wake();
                }
                break;
            };
            running.set(running.get() + 1);
            job(j).await;
            running.set(running.get() - 1);
            for w in idle.borrow_mut().drain(..) {
                w.wake();
            }
        }
    })
    .await;
}

/// Polls `n` copies of `worker()` on this task until all are done.
async fn run_workers<'a, W, Fut>(n: usize, worker: W)
where
    W: Fn() -> Fut,
    Fut: Future<Output = ()> + 'a,
{
    let mut running: Vec<Pin<Box<dyn Future<Output = ()> + 'a>>> = (0..n)
        .map(|_| Box::pin(worker()) as Pin<Box<dyn Future<Output = ()> + 'a>>)
        .collect();
    std::future::poll_fn(|cx| {
        running.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if running.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_apify::paths;

    /// Polls `f` to the end on this thread (the jobs here never wait on anything outside).
    fn block_on<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    /// Resolves after being polled `n` times (a request in flight, as the pool sees it).
    fn later(n: usize) -> impl Future<Output = ()> {
        let mut left = n;
        std::future::poll_fn(move |cx| {
            if left == 0 {
                Poll::Ready(())
            } else {
                left -= 1;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
    }

    #[test]
    fn drain_keeps_every_worker_busy_with_what_jobs_queue() {
        // One job queues ten more; all ten must run at once (4 workers, so 4 at a time).
        let queue = RefCell::new(VecDeque::from([0u32]));
        let (now, most) = (Cell::new(0), Cell::new(0));
        let done = RefCell::new(Vec::new());
        block_on(drain(4, &queue, |j| {
            let (queue, now, most, done) = (&queue, &now, &most, &done);
            async move {
                now.set(now.get() + 1);
                most.set(most.get().max(now.get()));
                later(3).await;
                if j == 0 {
                    queue.borrow_mut().extend(1..=10);
                }
                now.set(now.get() - 1);
                done.borrow_mut().push(j);
            }
        }));
        assert_eq!(done.borrow().len(), 11);
        assert_eq!(most.get(), 4, "idle workers picked up the queued jobs");
    }

    #[test]
    fn backoff_doubles_with_jitter() {
        assert_eq!(backoff_ms(1, 1.0), 500.0);
        assert_eq!(backoff_ms(2, 1.0), 1000.0);
        assert_eq!(backoff_ms(3, 2.0), 4000.0);
        assert_eq!(backoff_ms(1, 5.0), 1000.0);
    }

    #[test]
    fn a_resource_is_the_path_without_its_query() {
        let p = paths::datasets_list(&paths::StorageListQuery {
            unnamed: true,
            ..Default::default()
        });
        assert_eq!(resource_of(&p), "/v2/datasets");
        assert_eq!(resource_of(&paths::run("r1").unwrap()), "/v2/actor-runs/r1");
    }

    #[test]
    fn one_resource_stays_below_apifys_limit_in_every_second() {
        let opts = LoadOptions::default();
        let mut p = Pacer::new(opts, 0.0);
        // Ask as fast as allowed for ten seconds; count what each calendar second let through.
        let mut per_second = [0u32; 10];
        let mut t = 0.0;
        while t < 10_000.0 {
            match p.take("/v2/actor-runs", t) {
                Ok(()) => per_second[(t / 1000.0) as usize] += 1,
                Err(wait) => t += wait,
            }
        }
        for n in per_second {
            assert!(f64::from(n) <= APIFY_PER_RESOURCE_PER_SEC, "{per_second:?}");
        }
        // And the limiter is not needlessly slow either.
        assert!(per_second.iter().all(|&n| n >= 45), "{per_second:?}");
    }

    #[test]
    fn different_resources_share_only_the_session_bucket() {
        let opts = LoadOptions::default();
        let mut p = Pacer::new(opts, 0.0);
        let mut sent = 0;
        let mut t = 0.0;
        while t < 1000.0 {
            let resource = format!("/v2/actor-runs/r{sent}");
            match p.take(&resource, t) {
                Ok(()) => sent += 1,
                Err(wait) => t += wait,
            }
        }
        assert!(
            f64::from(sent) <= opts.session_burst + opts.session_per_sec + 1.0,
            "{sent}"
        );
        assert!(f64::from(sent) > APIFY_PER_RESOURCE_PER_SEC, "{sent}");
    }

    #[test]
    fn a_429_pauses_every_resource_and_backs_off_doubling() {
        let mut p = Pacer::new(LoadOptions::default(), 0.0);
        p.throttled(0.0, 1.0);
        assert_eq!(p.take("/v2/actors/a", 100.0), Err(400.0));
        assert_eq!(p.take("/v2/datasets", 499.0), Err(1.0));
        assert!(p.take("/v2/datasets", 500.0).is_ok());
        p.throttled(500.0, 1.0);
        assert_eq!(p.take("/v2/datasets", 500.0), Err(1000.0));
        p.answered();
        p.throttled(2000.0, 1.0);
        assert_eq!(p.take("/v2/datasets", 2000.0), Err(500.0));
    }
}
