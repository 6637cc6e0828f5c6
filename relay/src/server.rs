//! The relay's own accept loop: connections that cannot be held hostage.
//!
//! `axum::serve` keeps a connection for as long as the client likes: idle keep-alive connections
//! and connections that never finish their request head are never closed, so about a thousand of
//! them exhaust the usual 1,024 file descriptors and the relay stops answering even `/healthz`.
//! Here hyper serves each connection (HTTP/1.1, and HTTP/2 with prior knowledge) under a
//! per-connection watchdog:
//!
//! - **Header-read timeout.** A request head must be complete within `--header-read-timeout`
//!   of connecting and, on HTTP/1, of the first byte of every later request; otherwise the
//!   connection is dropped. hyper's own `header_read_timeout` is switched off: in hyper 1.x its
//!   clock starts when hyper begins waiting for the next head, i.e. right after the previous
//!   response, so it would also cut idle keep-alive connections at the header timeout.
//! - **Idle timeout.** A connection with no request in progress for `--idle-timeout` is shut
//!   down gracefully: HTTP/1 closes it, HTTP/2 sends GOAWAY and then closes.
//! - **Caps.** Over `--max-connections` in total, or `--max-connections-per-ip` from one client
//!   address (IPv6: one /64), a new connection is accepted and closed at once — so the listen
//!   backlog never fills and other clients keep being answered — and counted in `/metrics`.
//! - **Framing.** An HTTP/1 request carrying both `Content-Length` and `Transfer-Encoding` is
//!   answered 400 in the relay's envelope (as nginx does) and never reaches the router. hyper
//!   alone drops the `Content-Length`, decodes the body as chunked and closes the connection
//!   after answering; the head it hands over no longer shows both headers, so
//!   [`framing::Scanner`] follows the raw bytes beside hyper, with the same parser (httparse)
//!   and the same body framing, to tell.
//!
//! - **Shards.** [`serve_with`] is one of several accept loops on one listener (one per
//!   single-threaded runtime, see `forge_relay::serve_sharded`): the caps are counted across
//!   all of them, and each connection is served by the shard with the fewest open ones.
//!
//! On SIGINT/SIGTERM the listener closes, every connection is shut down gracefully, and the
//! requests in flight finish before [`serve`] returns.

use crate::config::Config;
use crate::error::RelayError;
use crate::metrics::Metrics;
use axum::body::{Body, HttpBody};
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Request, Response, Version};
use axum::response::IntoResponse;
use axum::Router;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch, Notify};
use tokio::time::Instant;
use tower::ServiceExt;

/// After a graceful shutdown of a connection has begun and no request is in flight, how long
/// hyper gets to flush and close it before it is dropped.
const GRACE: Duration = Duration::from_secs(5);

/// The connection settings of [`serve`].
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    /// 0 = no per-IP cap.
    pub max_connections_per_ip: usize,
}

impl Limits {
    pub fn from_config(config: &Config) -> Limits {
        Limits {
            header_read_timeout: config.header_read_timeout,
            idle_timeout: config.idle_timeout,
            max_connections: config.max_connections,
            max_connections_per_ip: config.max_connections_per_ip,
        }
    }
}

/// Raises the soft open-file limit (RLIMIT_NOFILE) to the hard limit; returns the limit now in
/// force.
pub fn raise_fd_limit() -> io::Result<u64> {
    // A hard limit of "unlimited" cannot be the soft limit on Linux (it is capped by
    // fs.nr_open): then ask for its default, 2^20.
    rlimit::increase_nofile_limit(u64::MAX).or_else(|_| rlimit::increase_nofile_limit(1 << 20))
}

/// Serves `app` on `listener` until `shutdown` completes, then drains: no new connections,
/// every open one is shut down gracefully, requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let (slots, mut inboxes) = Slots::new(limits, metrics, 1);
    let inbox = inboxes.pop().expect("one shard, one inbox");
    serve_with(listener, app, slots, inbox, shutdown).await
}

/// [`serve`] as one shard of several on the same listener: connection caps shared with the
/// other shards' accept loops, and each accepted connection served by the shard with the
/// fewest open ones — handed over through its [`Inbox`] when that is another shard. (Left to
/// the race for `accept`, the first shard to wake takes a whole burst of connections.)
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    slots: Arc<Slots>,
    mut inbox: Inbox,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let (limits, metrics) = (slots.limits, slots.metrics.clone());
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // The watchdog below times request heads; see the module docs.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(None);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    // Every connection task holds a receiver; `closed()` tells when the last one has ended.
    let (stop_tx, stop_rx) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let (stream, remote, slot) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            // (Never `None`: `slots` holds every inbox's sender.)
            Some(Handed { stream, remote, slot }) = inbox.handed.recv() => {
                match TcpStream::from_std(stream) {
                    Ok(stream) => (stream, remote, slot),
                    Err(_) => continue,
                }
            }
            accepted = listener.accept() => {
                let (stream, remote) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        accept_failed(e).await;
                        continue;
                    }
                };
                let slot = match slots.admit(remote.ip(), inbox.shard) {
                    Ok(slot) => slot,
                    Err(cap) => {
                        metrics.connection_refused(cap);
                        tracing::debug!(cap, "connection over a cap closed");
                        drop(stream);
                        continue;
                    }
                };
                if slot.shard != inbox.shard {
                    // A connection that cannot be handed over is closed (the shard is
                    // shutting down); the client retries.
                    if let Ok(stream) = stream.into_std() {
                        let _ = slots.inboxes[slot.shard].send(Handed { stream, remote, slot });
                    }
                    continue;
                }
                (stream, remote, slot)
            }
        };
        let conn = Conn {
            builder: builder.clone(),
            app: app.clone(),
            limits,
            metrics: metrics.clone(),
            remote,
            stop: stop_rx.clone(),
        };
        tokio::spawn(conn.run(stream, slot));
    }
    drop(listener);
    drop(stop_rx);
    stop_tx.send_replace(());
    stop_tx.closed().await;
    Ok(())
}

async fn accept_failed(e: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    // Out of file descriptors or memory: the caps should prevent it; wait rather than spin.
    tracing::warn!(error = %e, "accepting a connection failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The connection caps' bookkeeping for every accept loop of the process: open connections
/// in total, per client and per shard, and where to hand a connection to another shard.
#[derive(Debug)]
pub struct Slots {
    limits: Limits,
    metrics: Arc<Metrics>,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
    per_shard: Box<[AtomicUsize]>,
    inboxes: Box<[mpsc::UnboundedSender<Handed>]>,
}

/// Connections handed to one shard by the others (see [`serve_with`]).
#[derive(Debug)]
pub struct Inbox {
    shard: usize,
    handed: mpsc::UnboundedReceiver<Handed>,
}

/// An accepted connection on its way to the shard that serves it, detached from the
/// accepting runtime.
#[derive(Debug)]
struct Handed {
    stream: std::net::TcpStream,
    remote: SocketAddr,
    slot: Slot,
}

impl Slots {
    /// The bookkeeping for `shards` accept loops, and each one's inbox.
    pub fn new(limits: Limits, metrics: Arc<Metrics>, shards: usize) -> (Arc<Slots>, Vec<Inbox>) {
        let (inboxes, handed): (Vec<_>, Vec<_>) = (0..shards.max(1))
            .map(|_| mpsc::unbounded_channel())
            .unzip();
        let slots = Arc::new(Slots {
            limits,
            metrics,
            open: Mutex::default(),
            per_shard: inboxes.iter().map(|_| AtomicUsize::new(0)).collect(),
            inboxes: inboxes.into(),
        });
        let inboxes = handed
            .into_iter()
            .enumerate()
            .map(|(shard, handed)| Inbox { shard, handed })
            .collect();
        (slots, inboxes)
    }

    /// The shard with the fewest open connections; `accepting` on a tie.
    fn least_loaded(&self, accepting: usize) -> usize {
        let open = |i: usize| self.per_shard[i].load(Ordering::Relaxed);
        (0..self.per_shard.len()).fold(
            accepting,
            |best, i| if open(i) < open(best) { i } else { best },
        )
    }
}

/// One admitted connection; gives its place back when dropped.
#[derive(Debug)]
struct Slot {
    slots: Arc<Slots>,
    client: IpAddr,
    /// The shard that serves the connection.
    shard: usize,
}

impl Slots {
    /// A place for a connection from `ip` accepted by shard `accepting`, and the shard that is
    /// to serve it — or the cap it is over.
    fn admit(self: &Arc<Self>, ip: IpAddr, accepting: usize) -> Result<Slot, &'static str> {
        let client = client_key(ip);
        let mut open = lock(&self.open);
        let (total, per_client) = &mut *open;
        if *total >= self.limits.max_connections {
            return Err("max-connections");
        }
        if self.limits.max_connections_per_ip > 0 {
            let n = per_client.entry(client).or_default();
            if *n >= self.limits.max_connections_per_ip {
                return Err("max-connections-per-ip");
            }
            *n += 1;
        }
        *total += 1;
        let shard = self.least_loaded(accepting);
        self.per_shard[shard].fetch_add(1, Ordering::Relaxed);
        self.metrics.connection_opened();
        Ok(Slot {
            slots: self.clone(),
            client,
            shard,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = lock(&self.slots.open);
        let (total, per_client) = &mut *open;
        *total -= 1;
        self.slots.per_shard[self.shard].fetch_sub(1, Ordering::Relaxed);
        if let Some(n) = per_client.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                per_client.remove(&self.client);
            }
        }
        self.slots.metrics.connection_ended();
    }
}

/// Whom the per-IP cap counts: the address, or for IPv6 its /64 (one host usually holds a
/// whole /64); IPv4-mapped IPv6 addresses count as IPv4.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// One accepted connection and what serving it needs.
struct Conn {
    builder: Arc<auto::Builder<TokioExecutor>>,
    app: Router,
    limits: Limits,
    metrics: Arc<Metrics>,
    remote: SocketAddr,
    stop: watch::Receiver<()>,
}

/// What the watchdog does when a deadline passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// The request head is late: drop the connection.
    HeaderTimeout,
    /// No request for the idle timeout: shut down gracefully.
    Idle,
    /// Shutting down and the grace period is over: drop the connection.
    Drop,
}

impl Conn {
    async fn run(self, stream: TcpStream, slot: Slot) {
        let Conn {
            builder,
            app,
            limits,
            metrics,
            remote,
            mut stop,
        } = self;
        let activity = Arc::new(Activity {
            state: Mutex::new(ActivityState::new(Instant::now())),
            changed: Notify::new(),
        });
        let io = TokioIo::new(Watched {
            io: stream,
            activity: activity.clone(),
            scanner: framing::Scanner::default(),
        });
        let service = {
            let activity = activity.clone();
            let metrics = metrics.clone();
            hyper::service::service_fn(move |req: Request<Incoming>| {
                let in_flight = activity.begin(&req);
                respond(req, app.clone(), metrics.clone(), remote, in_flight)
            })
        };
        let conn = builder.serve_connection(io, service);
        tokio::pin!(conn);
        let mut draining_since: Option<Instant> = None;
        loop {
            let next = next_deadline(&lock(&activity.state), &limits, draining_since);
            if let Some((at, action)) = next {
                let now = Instant::now();
                if at <= now {
                    match action {
                        Action::HeaderTimeout => {
                            metrics.connection_closed("header-read-timeout");
                            tracing::debug!("connection closed: request head not complete in time");
                            break;
                        }
                        Action::Idle => {
                            metrics.connection_closed("idle-timeout");
                            tracing::debug!("connection idle: shutting it down");
                            conn.as_mut().graceful_shutdown();
                            draining_since = Some(now);
                            continue;
                        }
                        Action::Drop => break,
                    }
                }
            }
            tokio::select! {
                ended = conn.as_mut() => {
                    if let Err(e) = ended {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    break;
                }
                () = sleep_until(next.map(|(at, _)| at)) => {}
                () = activity.changed.notified() => {}
                _ = stop.changed(), if draining_since.is_none() => {
                    conn.as_mut().graceful_shutdown();
                    draining_since = Some(Instant::now());
                }
            }
        }
        drop(slot);
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// When the watchdog must act next, and how. No deadline while a request is in flight.
fn next_deadline(
    s: &ActivityState,
    limits: &Limits,
    draining_since: Option<Instant>,
) -> Option<(Instant, Action)> {
    if s.in_flight > 0 {
        return None;
    }
    if let Some(since) = draining_since {
        return Some((since.max(s.idle_since) + GRACE, Action::Drop));
    }
    if s.requests == 0 {
        return Some((
            s.accepted + limits.header_read_timeout,
            Action::HeaderTimeout,
        ));
    }
    if let Some(head) = s.head_since {
        return Some((head + limits.header_read_timeout, Action::HeaderTimeout));
    }
    Some((s.idle_since + limits.idle_timeout, Action::Idle))
}

/// What the watchdog knows of a connection, shared with its I/O and its requests.
#[derive(Debug)]
struct Activity {
    state: Mutex<ActivityState>,
    /// Woken when a deadline may have moved earlier: a request head began, the last request
    /// in flight ended.
    changed: Notify,
}

#[derive(Debug)]
struct ActivityState {
    accepted: Instant,
    /// Requests begun so far.
    requests: u64,
    in_flight: usize,
    /// When `in_flight` last went to zero.
    idle_since: Instant,
    /// HTTP/1: the first byte of a request head read while idle.
    head_since: Option<Instant>,
    http2: bool,
    /// HTTP/1: for each request head the scanner has seen, in order, whether it carried both
    /// `Content-Length` and `Transfer-Encoding`.
    framing: VecDeque<bool>,
}

impl ActivityState {
    fn new(now: Instant) -> ActivityState {
        ActivityState {
            accepted: now,
            requests: 0,
            in_flight: 0,
            idle_since: now,
            head_since: None,
            http2: false,
            framing: VecDeque::new(),
        }
    }
}

impl Activity {
    /// Bytes arrived. On an idle HTTP/1 connection they start the next request head.
    fn on_bytes(&self) {
        let mut s = lock(&self.state);
        if s.requests > 0 && s.in_flight == 0 && !s.http2 && s.head_since.is_none() {
            s.head_since = Some(Instant::now());
            drop(s);
            self.changed.notify_one();
        }
    }

    fn on_head(&self, conflicting_framing: bool) {
        lock(&self.state).framing.push_back(conflicting_framing);
    }

    /// hyper has parsed a request head and calls the service.
    fn begin(self: &Arc<Self>, req: &Request<Incoming>) -> InFlight {
        let mut s = lock(&self.state);
        s.requests += 1;
        s.in_flight += 1;
        s.head_since = None;
        let conflicting_framing = if req.version() == Version::HTTP_2 {
            s.http2 = true;
            false
        } else {
            // hyper keeps `Transfer-Encoding` (and drops `Content-Length`): a flag on a request
            // without it would mean the scanner lost step, so it is not trusted.
            s.framing.pop_front().unwrap_or(false)
                && req.headers().contains_key(header::TRANSFER_ENCODING)
        };
        InFlight {
            activity: self.clone(),
            conflicting_framing,
        }
    }
}

/// A request in flight, from its head until its response body is done with (or dropped).
#[derive(Debug)]
struct InFlight {
    activity: Arc<Activity>,
    conflicting_framing: bool,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut s = lock(&self.activity.state);
        s.in_flight -= 1;
        if s.in_flight == 0 {
            s.idle_since = Instant::now();
            drop(s);
            self.activity.changed.notify_one();
        }
    }
}

async fn respond(
    mut req: Request<Incoming>,
    app: Router,
    metrics: Arc<Metrics>,
    remote: SocketAddr,
    in_flight: InFlight,
) -> Result<Response<Tracked>, Infallible> {
    let res = if in_flight.conflicting_framing {
        // hyper closes the connection after this answer; the body is never read.
        metrics.connection_closed("conflicting-framing");
        tracing::info!("refused a request with both Content-Length and Transfer-Encoding");
        let mut res = RelayError::BadRequest(
            "a request may not carry both Content-Length and Transfer-Encoding",
        )
        .into_response();
        let h = res.headers_mut();
        h.insert(header::CONNECTION, HeaderValue::from_static("close"));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        res
    } else {
        req.extensions_mut().insert(ConnectInfo(remote));
        match app.oneshot(req.map(Body::new)).await {
            Ok(res) => res,
            Err(never) => match never {},
        }
    };
    Ok(res.map(|body| Tracked {
        body,
        _in_flight: in_flight,
    }))
}

/// A response body that keeps its request counted as in flight until hyper is done with it.
#[derive(Debug)]
struct Tracked {
    body: Body,
    _in_flight: InFlight,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The socket, watched: every read tells the watchdog and the framing scanner.
#[derive(Debug)]
struct Watched {
    io: TcpStream,
    activity: Arc<Activity>,
    scanner: framing::Scanner,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let new = &buf.filled()[before..];
            if !new.is_empty() {
                this.activity.on_bytes();
                let activity = &this.activity;
                this.scanner
                    .feed(new, &mut |conflict| activity.on_head(conflict));
            }
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// Follows HTTP/1 message framing on the raw bytes of a connection, beside hyper, to see every
/// request head as it was sent.
///
/// It parses heads with httparse (hyper's parser, with hyper's limit of 100 headers) and skips
/// bodies exactly as hyper 1.x frames them: `Transfer-Encoding` (last coding `chunked`) wins over
/// `Content-Length`, then `Content-Length`, else no body; the chunked state machine mirrors
/// hyper's `ChunkedState`. Wherever hyper would refuse the bytes (and close the connection), or
/// on anything it does not follow (HTTP/2's preface, `CONNECT`), it stops for good: it can then
/// only miss a flag, never misplace one.
pub(crate) mod framing {
    /// Above hyper's largest read buffer (~400 KiB): hyper refuses a longer head first.
    const MAX_HEAD: usize = 512 * 1024;
    /// hyper's `DEFAULT_MAX_HEADERS`.
    const MAX_HEADERS: usize = 100;

    #[derive(Debug, Default)]
    pub(crate) struct Scanner {
        state: State,
        head: Vec<u8>,
        chunk_size: u64,
    }

    #[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
    enum State {
        #[default]
        Head,
        Fixed(u64),
        Chunk(Chunk),
        Off,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Chunk {
        Start,
        Size,
        SizeLws,
        Extension,
        SizeLf,
        Body(u64),
        BodyCr,
        BodyLf,
        EndCr,
        Trailer,
        TrailerLf,
        EndLf,
    }

    impl Scanner {
        /// Feeds bytes as read from the socket; calls `on_head` once per complete request head
        /// with whether it carried both `Content-Length` and `Transfer-Encoding`.
        pub(crate) fn feed(&mut self, mut bytes: &[u8], on_head: &mut dyn FnMut(bool)) {
            while !bytes.is_empty() {
                match self.state {
                    State::Off => return,
                    State::Head => {
                        let had = self.head.len();
                        self.head.extend_from_slice(bytes);
                        // A head ends with a line feed: parse only when one arrived.
                        let parsed = if bytes.contains(&b'\n') {
                            parse_head(&self.head)
                        } else {
                            Ok(None)
                        };
                        match parsed {
                            Ok(Some((len, conflict, next))) => {
                                let Some(rest) = len.checked_sub(had) else {
                                    self.stop();
                                    return;
                                };
                                on_head(conflict);
                                self.head.clear();
                                self.enter(next);
                                bytes = &bytes[rest..];
                            }
                            Ok(None) if self.head.len() <= MAX_HEAD => return,
                            Ok(None) | Err(()) => {
                                self.stop();
                                return;
                            }
                        }
                    }
                    State::Fixed(left) => {
                        let take = bytes.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                        bytes = &bytes[take..];
                        let left = left - take as u64;
                        self.state = if left == 0 {
                            State::Head
                        } else {
                            State::Fixed(left)
                        };
                    }
                    State::Chunk(Chunk::Body(left)) => {
                        let take = bytes.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                        bytes = &bytes[take..];
                        let left = left - take as u64;
                        self.state = State::Chunk(if left == 0 {
                            Chunk::BodyCr
                        } else {
                            Chunk::Body(left)
                        });
                    }
                    State::Chunk(c) => {
                        self.state = self.step(c, bytes[0]);
                        bytes = &bytes[1..];
                    }
                }
            }
        }

        fn stop(&mut self) {
            self.state = State::Off;
            self.head = Vec::new();
        }

        fn enter(&mut self, next: State) {
            if next == State::Chunk(Chunk::Start) {
                self.chunk_size = 0;
            }
            self.state = next;
        }

        /// One byte of chunked framing, as hyper's `ChunkedState::step` reads it.
        fn step(&mut self, c: Chunk, b: u8) -> State {
            let hex = |b: u8| char::from(b).to_digit(16).map(u64::from);
            let next = match (c, b) {
                (Chunk::Start | Chunk::Size, _) if hex(b).is_some() => {
                    let digit = hex(b).unwrap_or(0);
                    let base = if c == Chunk::Start {
                        0
                    } else {
                        self.chunk_size
                    };
                    match base.checked_mul(16).and_then(|n| n.checked_add(digit)) {
                        Some(n) => {
                            self.chunk_size = n;
                            Chunk::Size
                        }
                        None => return State::Off,
                    }
                }
                (Chunk::Size | Chunk::SizeLws, b'\t' | b' ') => Chunk::SizeLws,
                (Chunk::Size | Chunk::SizeLws, b';') => Chunk::Extension,
                (Chunk::Size | Chunk::SizeLws | Chunk::Extension, b'\r') => Chunk::SizeLf,
                (Chunk::Extension, b'\n') => return State::Off,
                (Chunk::Extension, _) => Chunk::Extension,
                (Chunk::SizeLf, b'\n') if self.chunk_size == 0 => Chunk::EndCr,
                (Chunk::SizeLf, b'\n') => Chunk::Body(self.chunk_size),
                (Chunk::BodyCr, b'\r') => Chunk::BodyLf,
                (Chunk::BodyLf, b'\n') => {
                    self.chunk_size = 0;
                    Chunk::Start
                }
                (Chunk::EndCr, b'\r') => Chunk::EndLf,
                (Chunk::Trailer, b'\r') => Chunk::TrailerLf,
                (Chunk::EndCr | Chunk::Trailer, _) => Chunk::Trailer,
                (Chunk::TrailerLf, b'\n') => Chunk::EndCr,
                (Chunk::EndLf, b'\n') => return State::Head,
                _ => return State::Off,
            };
            State::Chunk(next)
        }
    }

    /// A complete head: its length, whether it carried both framing headers, and how its body
    /// is framed. `Err` where hyper refuses the head or the scanner does not follow.
    fn parse_head(buf: &[u8]) -> Result<Option<(usize, bool, State)>, ()> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        let len = match req.parse(buf) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(_) => return Err(()),
        };
        if req.method == Some("CONNECT") {
            return Err(());
        }
        let http11 = req.version == Some(1);
        let mut length: Option<u64> = None;
        let mut saw_length = false;
        let mut chunked: Option<bool> = None;
        for h in req.headers.iter() {
            if h.name.eq_ignore_ascii_case("transfer-encoding") {
                if !http11 {
                    return Err(());
                }
                chunked = Some(is_chunked(h.value));
            } else if h.name.eq_ignore_ascii_case("content-length") {
                saw_length = true;
                // hyper ignores (and does not check) a Content-Length after Transfer-Encoding.
                if chunked.is_none() {
                    let n = digits(h.value).ok_or(())?;
                    if length.is_some_and(|prev| prev != n) {
                        return Err(());
                    }
                    length = Some(n);
                }
            }
        }
        let next = match (chunked, length) {
            (Some(true), _) => State::Chunk(Chunk::Start),
            (Some(false), _) => return Err(()),
            (None, Some(n)) if n > 0 => State::Fixed(n),
            (None, _) => State::Head,
        };
        Ok(Some((len, saw_length && chunked.is_some(), next)))
    }

    /// hyper's `is_chunked_`: the last coding of a visible-ASCII value is `chunked`.
    fn is_chunked(value: &[u8]) -> bool {
        value
            .iter()
            .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
            && value
                .rsplit(|&b| b == b',')
                .next()
                .is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"))
    }

    /// hyper's `from_digits`: one or more ASCII digits, no overflow.
    fn digits(value: &[u8]) -> Option<u64> {
        if value.is_empty() {
            return None;
        }
        value.iter().try_fold(0u64, |n, &b| {
            b.is_ascii_digit()
                .then(|| n.checked_mul(10)?.checked_add(u64::from(b - b'0')))
                .flatten()
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// Feeds `bytes` whole, then again one byte at a time; both must agree.
        fn heads(bytes: &[u8]) -> (Vec<bool>, State) {
            let mut whole = Scanner::default();
            let mut flags = Vec::new();
            whole.feed(bytes, &mut |c| flags.push(c));
            let mut bytewise = Scanner::default();
            let mut flags2 = Vec::new();
            for b in bytes {
                bytewise.feed(std::slice::from_ref(b), &mut |c| flags2.push(c));
            }
            assert_eq!(flags, flags2, "split reads disagree");
            assert_eq!(whole.state, bytewise.state, "split reads disagree");
            (flags, whole.state)
        }

        #[test]
        fn flags_both_framing_headers_in_either_order() {
            let cl_te = b"PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
            assert_eq!(heads(cl_te), (vec![true], State::Head));
            let te_cl = b"PUT /a HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\ncontent-length: zz\r\n\r\n0\r\n\r\n";
            assert_eq!(heads(te_cl), (vec![true], State::Head));
        }

        #[test]
        fn follows_bodies_to_the_next_head() {
            let mut stream = Vec::new();
            stream.extend_from_slice(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            stream.extend_from_slice(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n");
            // A body that looks like a head must be skipped, not parsed.
            stream.extend_from_slice(b"GET / HTTP/1.1\r\nTransfer-Encoding: x\r\n\r\n");
            stream
                .extend_from_slice(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
            stream.extend_from_slice(b"1a; ext=1\r\nContent-Length: 1\r\n\r\nxxxxx\r\n");
            stream.extend_from_slice(b"0\r\nX-Trailer: 1\r\n\r\n");
            stream.extend_from_slice(b"\r\nGET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            stream.extend_from_slice(b"GET / HTTP/1.1\r\nHost: x\r\nContent-");
            let (flags, state) = heads(&stream);
            assert_eq!(flags, vec![false, false, false, false]);
            assert_eq!(state, State::Head);
        }

        #[test]
        fn stops_where_hyper_refuses_or_it_does_not_follow() {
            for bytes in [
                &b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"[..],
                b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
                b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
                b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                b"POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n",
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello",
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
                b"CONNECT x:1 HTTP/1.1\r\nHost: x:1\r\n\r\n",
                b"GET / HTTP/1.1\r\nHost x\r\n\r\n",
            ] {
                let (_, state) = heads(bytes);
                assert_eq!(state, State::Off, "{}", String::from_utf8_lossy(bytes));
            }
            let mut many = b"GET / HTTP/1.1\r\n".to_vec();
            for i in 0..=MAX_HEADERS {
                many.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
            }
            many.extend_from_slice(b"\r\n");
            assert_eq!(heads(&many).1, State::Off);
            // Nothing after a stop is flagged, even an obvious smuggling attempt.
            let mut off = b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n".to_vec();
            off.extend_from_slice(
                b"PUT / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            );
            assert_eq!(heads(&off), (vec![], State::Off));
        }

        #[test]
        fn a_head_without_end_is_bounded() {
            let mut s = Scanner::default();
            s.feed(b"GET / HTTP/1.1\r\nX-A: ", &mut |_| {});
            let chunk = [b'a'; 1024];
            for _ in 0..MAX_HEAD / 1024 - 1 {
                s.feed(&chunk, &mut |_| {});
            }
            assert_eq!(s.state, State::Head);
            s.feed(&chunk, &mut |_| {});
            assert_eq!(s.state, State::Off);
            assert_eq!(s.head.capacity(), 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 3,
            max_connections_per_ip: 2,
        }
    }

    #[test]
    fn deadlines() {
        let t0 = Instant::now();
        let l = limits();
        let mut s = ActivityState::new(t0);
        let secs = Duration::from_secs;
        // Fresh: the head must come within the header timeout of connecting.
        assert_eq!(
            next_deadline(&s, &l, None),
            Some((t0 + secs(10), Action::HeaderTimeout))
        );
        // A request in flight: no deadline at all.
        s.requests = 1;
        s.in_flight = 1;
        assert_eq!(next_deadline(&s, &l, None), None);
        // Idle after it: the idle timeout.
        s.in_flight = 0;
        s.idle_since = t0 + secs(1);
        assert_eq!(
            next_deadline(&s, &l, None),
            Some((t0 + secs(61), Action::Idle))
        );
        // HTTP/1: the next head began, the header timeout runs from its first byte.
        s.head_since = Some(t0 + secs(5));
        assert_eq!(
            next_deadline(&s, &l, None),
            Some((t0 + secs(15), Action::HeaderTimeout))
        );
        // Draining: a grace period from the later of shutdown and the last request.
        assert_eq!(
            next_deadline(&s, &l, Some(t0 + secs(3))),
            Some((t0 + secs(3) + GRACE, Action::Drop))
        );
        s.idle_since = t0 + secs(4);
        assert_eq!(
            next_deadline(&s, &l, Some(t0 + secs(3))),
            Some((t0 + secs(4) + GRACE, Action::Drop))
        );
        s.in_flight = 2;
        assert_eq!(next_deadline(&s, &l, Some(t0)), None);
    }

    #[test]
    fn each_connection_goes_to_the_shard_with_the_fewest() {
        let (slots, _inboxes) = Slots::new(limits(), Arc::default(), 3);
        let ip = |n: u8| IpAddr::from([127, 0, 0, n]);
        // A burst accepted by shard 1 alone is spread over all three, the acceptor first.
        let mut burst: Vec<Slot> = (2..5).map(|n| slots.admit(ip(n), 1).unwrap()).collect();
        let shards: Vec<usize> = burst.iter().map(|s| s.shard).collect();
        assert_eq!(shards, [1, 0, 2]);
        drop(burst.remove(1));
        assert_eq!(
            slots.admit(ip(5), 2).unwrap().shard,
            0,
            "the place shard 0 gave back"
        );
    }

    #[test]
    fn caps_count_per_client_and_in_total() {
        let (slots, _inboxes) = Slots::new(limits(), Arc::default(), 1);
        let a: IpAddr = "127.0.0.2".parse().unwrap();
        let b: IpAddr = "::ffff:127.0.0.3".parse().unwrap();
        let s1 = slots.admit(a, 0).unwrap();
        let s2 = slots.admit(a, 0).unwrap();
        assert_eq!(slots.admit(a, 0).unwrap_err(), "max-connections-per-ip");
        let s3 = slots.admit(b, 0).unwrap();
        assert_eq!(slots.admit(b, 0).unwrap_err(), "max-connections");
        drop(s1);
        let s4 = slots.admit(a, 0).unwrap();
        drop((s2, s3, s4));
        let open = lock(&slots.open);
        assert_eq!(open.0, 0);
        assert!(open.1.is_empty());
    }

    #[test]
    fn one_ipv6_host_is_one_client() {
        let k = |s: &str| client_key(s.parse().unwrap());
        assert_eq!(k("2001:db8:1:2::1"), k("2001:db8:1:2:ffff::9"));
        assert_ne!(k("2001:db8:1:2::1"), k("2001:db8:1:3::1"));
        assert_eq!(k("::ffff:10.0.0.1"), k("10.0.0.1"));
    }
}
