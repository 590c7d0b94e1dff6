//! /metrics on its own address, and behind basic auth or a bearer token.

use signalwire_exporter::configuration::Settings;
use signalwire_exporter::routes::metrics_auth::MetricsAuth;
use signalwire_exporter::signature::SigningKey;
use signalwire_exporter::startup::Application;

use crate::helpers::*;

#[tokio::test]
async fn metrics_on_a_separate_listener_are_not_on_the_webhook_port() {
    let mut settings = Settings::local(vec![SigningKey::new(KEY)]);
    settings.metrics_listen_address = Some("127.0.0.1:0".parse().unwrap());
    let app = Application::build(&settings).await.unwrap();
    let metrics_addr = app.metrics_addr().expect("own listener");
    let test = TestApp::from_application(app);
    assert_eq!(
        test.post_form(&completed_call("CA1700")).await.status(),
        204
    );

    let on_webhook_port = test.client.get(test.url("/metrics")).send().await.unwrap();
    assert_eq!(on_webhook_port.status(), 404);
    let text = test
        .client
        .get(format!("http://{metrics_addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let m = Metrics::parse(&text);
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        1.0
    );
    // The webhook is not served on the metrics port.
    let r = test
        .client
        .post(format!("http://{metrics_addr}/status-callback"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn metrics_behind_basic_auth_or_bearer_token() {
    let mut settings = Settings::local(vec![SigningKey::new(KEY)]);
    settings.metrics_auth = MetricsAuth {
        basic: Some("prometheus:s3cret".into()),
        bearer: Some("t0ken".into()),
    };
    let app = TestApp::spawn_with(settings).await;
    let url = app.url("/metrics");

    let r = app.client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()["www-authenticate"],
        "Basic realm=\"signalwire-exporter\""
    );
    let r = app
        .client
        .get(&url)
        .basic_auth("prometheus", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .get(&url)
        .bearer_auth("t0ken-not")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let r = app
        .client
        .get(&url)
        .basic_auth("prometheus", Some("s3cret"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("signalwire_call_events_total"));
    let r = app
        .client
        .get(&url)
        .bearer_auth("t0ken")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // The webhook and health stay open: SignalWire authenticates by signature.
    assert_eq!(app.post_form(&completed_call("CA1800")).await.status(), 204);
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
