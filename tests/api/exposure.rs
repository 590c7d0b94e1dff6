//! /metrics on its own address, and behind basic auth (flag or bcrypt users) or a token.

use crate::support::*;

#[tokio::test]
async fn metrics_on_a_separate_listener_are_not_on_the_webhook_port() {
    let mut settings = settings();
    settings.metrics_listen_address = Some("127.0.0.1:0".parse().unwrap());
    let app = Application::build(&settings).await.unwrap();
    let metrics_addr = app.metrics_addr().expect("own listener");
    let test = TestApp::from_application(app);
    let call = Callback::completed("CA1700");
    assert_eq!(test.post_form(&call).await.status(), 204);

    let on_webhook_port = test.client.get(test.url("/metrics")).send().await.unwrap();
    assert_eq!(on_webhook_port.status(), 404);
    let m = scrape(&test.client, &format!("http://{metrics_addr}/metrics")).await;
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
async fn metrics_behind_auth_need_basic_credentials_or_the_bearer_token() {
    let mut settings = settings();
    settings.metrics_auth = MetricsAuth {
        basic: Some("prometheus:s3cret".into()),
        bearer: Some("t0ken".into()),
        users: Default::default(),
    };
    let app = TestApp::spawn_with(settings).await;
    let get = || app.client.get(app.url("/metrics"));

    let r = get().send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()["www-authenticate"],
        "Basic realm=\"signalwire-exporter\""
    );
    let mut checks = Checklist::default();
    for (what, request, status) in [
        (
            "wrong password",
            get().basic_auth("prometheus", Some("wrong")),
            401,
        ),
        ("wrong token", get().bearer_auth("t0ken-not"), 401),
        ("basic", get().basic_auth("prometheus", Some("s3cret")), 200),
        ("bearer", get().bearer_auth("t0ken"), 200),
    ] {
        let r = request.send().await.unwrap();
        checks.eq(what, r.status().as_u16(), status);
        let text = r.text().await.unwrap();
        checks.eq(
            format!("{what}: an exposition"),
            text.contains("signalwire_call_events_total"),
            status == 200,
        );
    }

    // The webhook and health stay open: SignalWire authenticates by signature.
    let call = Callback::completed("CA1800");
    assert_eq!(app.post_form(&call).await.status(), 204);
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn metrics_behind_bcrypt_users_let_in_a_listed_user_with_the_right_password_only() {
    let mut settings = settings();
    let hash = bcrypt::hash("s3cret", 4).unwrap();
    settings.metrics_auth.users = [("prometheus".to_owned(), hash)].into();
    let app = TestApp::spawn_with(settings).await;
    let get = || app.client.get(app.url("/metrics"));

    let r = get().send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()["www-authenticate"],
        "Basic realm=\"signalwire-exporter\""
    );
    let mut checks = Checklist::default();
    for (what, request, status) in [
        (
            "wrong password",
            get().basic_auth("prometheus", Some("x")),
            401,
        ),
        (
            "unlisted user",
            get().basic_auth("other", Some("s3cret")),
            401,
        ),
        ("a bearer token", get().bearer_auth("s3cret"), 401),
        (
            "listed user",
            get().basic_auth("prometheus", Some("s3cret")),
            200,
        ),
        (
            "remembered",
            get().basic_auth("prometheus", Some("s3cret")),
            200,
        ),
    ] {
        checks.eq(
            what,
            request.send().await.unwrap().status().as_u16(),
            status,
        );
    }
    // SignalWire sends no credentials: the webhook never asks for them.
    let call = Callback::completed("CA1900");
    assert_eq!(app.post_form(&call).await.status(), 204);
}
