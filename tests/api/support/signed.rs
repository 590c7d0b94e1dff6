//! One signed request to the webhook, as form, GET or JSON, signed for the
//! URL the server sees.

use reqwest::Method;

use super::{Callback, Params, SigningKey, FORM, JSON};

/// How a callback travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    Form,
    Json,
    Get,
}

/// A request and its signature, ready to send over reqwest, a raw socket or
/// the router in-process.
#[derive(Debug, Clone)]
pub struct Signed {
    pub method: Method,
    /// Where it is sent (scheme, host, path and query).
    pub url: String,
    pub content_type: Option<&'static str>,
    pub body: Vec<u8>,
    pub signature: String,
    pub header: &'static str,
}

impl Signed {
    /// `callback` sent as `wire` to `url`, signed with `key` for that URL.
    pub fn callback(key: &SigningKey, url: &str, wire: Wire, callback: &Callback) -> Self {
        match wire {
            Wire::Form => Self::form(key, url, callback.form()),
            Wire::Json => Self::json(key, url, callback.json()),
            Wire::Get => Self::get(key, &format!("{url}?{}", callback.query())),
        }
    }

    /// A form body as is, signed over its decoded pairs.
    pub fn form(key: &SigningKey, url: &str, body: impl Into<Vec<u8>>) -> Self {
        let body = body.into();
        let params = Params::from_form(&body).expect("a decodable form body");
        let signature = key.sign_form(url, &params);
        Self::new(Method::POST, url, Some(FORM), body, signature)
    }

    /// A JSON body as is, signed (hex scheme) over the URL and the body.
    pub fn json(key: &SigningKey, url: &str, body: impl Into<Vec<u8>>) -> Self {
        let body = body.into();
        let signature = key.sign_json(url, &body);
        Self::new(Method::POST, url, Some(JSON), body, signature)
    }

    /// A GET whose `url` carries the callback in its query; the signature
    /// covers the whole URL.
    pub fn get(key: &SigningKey, url: &str) -> Self {
        let signature = key.sign_form(url, &Params::default());
        Self::new(Method::GET, url, None, Vec::new(), signature)
    }

    /// Unsigned: no signature header at all.
    pub fn unsigned(method: Method, url: &str, content_type: Option<&'static str>) -> Self {
        Self::new(method, url, content_type, Vec::new(), String::new())
    }

    fn new(
        method: Method,
        url: &str,
        content_type: Option<&'static str>,
        body: Vec<u8>,
        signature: String,
    ) -> Self {
        Signed {
            method,
            url: url.to_owned(),
            content_type,
            body,
            signature,
            header: "x-signalwire-signature",
        }
    }

    /// Sent to `url`, still signed for the URL it was built with.
    pub fn to(mut self, url: &str) -> Self {
        self.url = url.to_owned();
        self
    }

    /// The same signature under another header name.
    pub fn header(mut self, name: &'static str) -> Self {
        self.header = name;
        self
    }

    pub fn with_method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    pub fn without_content_type(mut self) -> Self {
        self.content_type = None;
        self
    }

    pub fn content_type(mut self, content_type: &'static str) -> Self {
        self.content_type = Some(content_type);
        self
    }

    /// Another signature in place of the right one ("" sends none).
    pub fn signature(mut self, signature: impl Into<String>) -> Self {
        self.signature = signature.into();
        self
    }

    /// The same signature over another body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    pub fn request(&self, client: &reqwest::Client) -> reqwest::RequestBuilder {
        let mut request = client
            .request(self.method.clone(), &self.url)
            .body(self.body.clone());
        if let Some(ct) = self.content_type {
            request = request.header("content-type", ct);
        }
        if !self.signature.is_empty() {
            request = request.header(self.header, &self.signature);
        }
        request
    }

    pub async fn send(&self, client: &reqwest::Client) -> reqwest::Response {
        self.request(client).send().await.expect("request")
    }

    /// `(authority, path and query)` of the URL.
    fn split_url(&self) -> (&str, &str) {
        let rest = self.url.split_once("://").map_or(&*self.url, |(_, r)| r);
        match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        }
    }

    /// The HTTP/1.1 head for a raw socket, with `Connection: close` and
    /// the blank line; the body is `self.body`.
    pub fn raw_head(&self) -> String {
        let (host, target) = self.split_url();
        let mut head = format!(
            "{} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.method,
            self.body.len()
        );
        if let Some(ct) = self.content_type {
            head.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        if !self.signature.is_empty() {
            head.push_str(&format!("{}: {}\r\n", self.header, self.signature));
        }
        head + "\r\n"
    }

    /// The request for the router in-process (`tower::ServiceExt::oneshot`).
    pub fn http_request(&self) -> axum::http::Request<axum::body::Body> {
        let (host, target) = self.split_url();
        let mut b = axum::http::Request::builder()
            .method(self.method.as_str())
            .uri(target)
            .header("host", host);
        if let Some(ct) = self.content_type {
            b = b.header("content-type", ct);
        }
        if !self.signature.is_empty() {
            b = b.header(self.header, &self.signature);
        }
        b.body(axum::body::Body::from(self.body.clone()))
            .expect("a valid request")
    }
}
