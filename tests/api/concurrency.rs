//! Many clients at once: counts come out exact.

use std::sync::Arc;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callbacks_are_counted_exactly() {
    const CLIENTS: usize = 16;
    const CALLS_PER_CLIENT: usize = 100;
    let app = Arc::new(TestApp::spawn().await);
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let app = Arc::clone(&app);
            tokio::spawn(async move {
                for i in 0..CALLS_PER_CLIENT {
                    let direction = ["inbound", "outbound-api", "outbound-dial"][i % 3];
                    let call =
                        Callback::completed(format!("CA-{c}-{i}")).with("Direction", direction);
                    assert_eq!(app.post_form(&call).await.status(), 204);
                    // Every fifth call is delivered twice.
                    if i % 5 == 0 {
                        assert_eq!(app.post_form(&call).await.status(), 204);
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let m = app.metrics().await;
    let calls = (CLIENTS * CALLS_PER_CLIENT) as f64;
    assert_eq!(m.sum("signalwire_call_events_total"), calls);
    assert_eq!(m.outcome("accepted"), calls);
    assert_eq!(m.outcome("duplicate"), calls / 5.0);
    // 100 calls per client split 34/33/33 over the three directions.
    for (direction, per_client) in [
        ("inbound", 34.0),
        ("outbound-api", 33.0),
        ("outbound-dial", 33.0),
    ] {
        let l: &[(&str, &str)] = &[("direction", direction), ("status", "completed")];
        let n = per_client * CLIENTS as f64;
        m.check(&[
            ("signalwire_call_events_total", l, n),
            ("signalwire_audio_in_packets_total", l, n * 2829.0),
            ("signalwire_audio_in_mos_count", l, n),
            ("signalwire_audio_in_mos_sum", l, n * 4.5),
        ]);
    }
}
