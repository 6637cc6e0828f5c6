//! No dead ends: a relay that goes away in the middle of a load ends the load with the reason
//! and Try again (the header light turns red, and green again with the relay's next answer),
//! and an account with no Actors says so instead of loading forever. A relay that stops
//! answering without going away (a connection that never finishes) ends the load too, once
//! each request's deadline passes.

use crate::dashboard::{attr, wait_css};
use crate::harness::{open, Relay};
use forge_e2e::{relay_binary, RelayProcess};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::Command;

/// Try again, once the relay answers again: the load completes, every one of `actors` with
/// figures and no error left.
async fn try_again_finishes_the_load(page: &crate::harness::Page, actors: u64) {
    page.click("#load-error .try-again").await;
    wait_css(page, "#fleet[data-phase=\"done\"]", 120).await;
    assert!(!page.exists("#load-error").await);
    let rows = page
        .js("return document.querySelectorAll('.fleet-table tbody tr[data-state=\"ok\"]').length")
        .await;
    assert_eq!(
        rows.as_u64(),
        Some(actors),
        "every Actor has figures after Try again"
    );
}

#[tokio::test]
async fn a_relay_stopped_mid_load_ends_in_an_error_with_try_again_and_back() {
    let args: &[&str] = &["--actors", "60", "--latency-ms", "300"];
    let mut page = open(Relay::DemoWith(args), "relay-stopped").await;
    page.goto("/").await;
    wait_css(
        &page,
        "#fleet[data-phase=\"lists\"], #fleet[data-phase=\"enriching\"]",
        60,
    )
    .await;
    let addr = page.relay.addr;
    page.relay.child.kill().await.expect("stop the relay");

    // Each request gives up after its tries (about 15–30 s of back-off): the wait here is
    // generous, and what matters is that the load ends at all.
    wait_css(&page, "#load-error .try-again", 120).await;
    let error = page.text("#load-error").await;
    assert!(
        error.contains("The load stopped") && error.contains("Cannot reach the Forge relay"),
        "{error}"
    );
    assert_eq!(attr(&page, "#fleet", "data-phase").await, "failed");
    assert!(page.exists("#connection .light-red").await);
    assert!(page
        .text("#connection")
        .await
        .contains("relay not answering"));
    page.screenshot("stopped").await;

    // The same relay again, on the same address: Try again finishes the load.
    let mut cmd = Command::new(relay_binary());
    let dist = crate::harness::dist_dir();
    cmd.args(["demo", "--app-dir", dist.to_str().expect("utf-8 path")])
        .args(args)
        .args(["--bind", &addr.to_string()]);
    page.relay = RelayProcess::spawn(cmd).await;
    try_again_finishes_the_load(&page, 60).await;
    assert!(page.exists("#connection .light-green").await);
    // Refused `/api` requests are the relay being away; nothing else may be in the console.
    page.finish().await;
}

#[tokio::test]
async fn an_account_with_no_actors_says_so() {
    let page = open(Relay::DemoWith(&["--actors", "0"]), "no-actors").await;
    page.goto("/").await;
    wait_css(&page, "#fleet[data-phase=\"done\"]", 60).await;
    let empty = page.text("#fleet-empty").await;
    assert!(empty.contains("no Actors of its own yet"), "{empty}");
    assert!(
        !page.exists(".loading").await,
        "nothing still says it is loading"
    );
    page.goto("/actors").await;
    let empty = page.wait_for_text("main", "no Actors of its own yet").await;
    assert!(!empty.contains("Loading"), "{empty}");
    page.screenshot("no-actors").await;
    page.finish().await;
}

/// A TCP pass-through in front of the relay that can be told to stall: from then on it keeps
/// every connection open and moves no more bytes either way (the relay's process is alive and
/// its port accepts, but nothing ever answers) — until it is told to flow again.
struct StallingProxy {
    addr: std::net::SocketAddr,
    stalled: Arc<AtomicBool>,
    flowing: Arc<tokio::sync::Notify>,
}

impl StallingProxy {
    async fn start(target: std::net::SocketAddr) -> StallingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let stalled = Arc::new(AtomicBool::new(false));
        let flowing = Arc::new(tokio::sync::Notify::new());
        let (s, f) = (stalled.clone(), flowing.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(upstream) = TcpStream::connect(target).await else {
                    continue;
                };
                let (cr, cw) = client.into_split();
                let (ur, uw) = upstream.into_split();
                tokio::spawn(pump(cr, uw, s.clone(), f.clone()));
                tokio::spawn(pump(ur, cw, s.clone(), f.clone()));
            }
        });
        StallingProxy {
            addr,
            stalled,
            flowing,
        }
    }

    fn stall(&self, stalled: bool) {
        self.stalled.store(stalled, Ordering::SeqCst);
        if !stalled {
            self.flowing.notify_waiters();
        }
    }
}

async fn pump(
    mut from: impl AsyncReadExt + Unpin,
    mut to: impl AsyncWriteExt + Unpin,
    stalled: Arc<AtomicBool>,
    flowing: Arc<tokio::sync::Notify>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        while stalled.load(Ordering::SeqCst) {
            let wake = flowing.notified();
            if !stalled.load(Ordering::SeqCst) {
                break;
            }
            wake.await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn a_relay_that_stops_answering_ends_the_load_after_its_deadline() {
    let args: &[&str] = &["--actors", "60", "--latency-ms", "300"];
    let mut page = open(Relay::DemoWith(args), "relay-stalled").await;
    let proxy = StallingProxy::start(page.relay.addr).await;
    page.serve_from(&format!("http://{}", proxy.addr));
    page.goto("/").await;
    wait_css(
        &page,
        "#fleet[data-phase=\"lists\"], #fleet[data-phase=\"enriching\"]",
        60,
    )
    .await;
    proxy.stall(true);

    // Nothing is refused and nothing closes: only each request's own deadline (40 s) can end
    // this load. A request the loader sent just before the stall ends it after one deadline;
    // on a busy machine the first may have been sent a little later, so allow up to three.
    wait_css(&page, "#load-error .try-again", 125).await;
    let error = page.text("#load-error").await;
    assert!(
        error.contains("The load stopped") && error.contains("did not answer within 40 seconds"),
        "{error}"
    );
    assert_eq!(attr(&page, "#fleet", "data-phase").await, "failed");
    assert!(
        !page.exists("#progress").await,
        "no progress bar left running"
    );
    page.screenshot("stalled").await;

    proxy.stall(false);
    try_again_finishes_the_load(&page, 60).await;
    page.finish().await;
}
