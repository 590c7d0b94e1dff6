//! Raw HTTP/1.1 over TCP, for what reqwest will not send: stalled heads,
//! half bodies, bytes that are not valid in a header or a request target.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Long enough to mean "it did not answer at all", never a performance figure.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A response read off a raw socket.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub text: String,
}

impl RawResponse {
    pub fn parse(bytes: &[u8]) -> Self {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let status = text
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP/1.1 response: {text:?}"));
        RawResponse { status, text }
    }

    pub fn body(&self) -> &str {
        self.text.split_once("\r\n\r\n").map_or("", |(_, b)| b)
    }
}

/// Writes `request` as is, then reads until the server closes (requests
/// should carry `Connection: close`), within `PATIENCE`.
pub async fn raw(addr: SocketAddr, request: &[u8]) -> RawResponse {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    // The server may answer (413) and close before it has read everything.
    let _ = stream.write_all(request).await;
    read_all(&mut stream).await
}

/// Reads a whole response to EOF within `PATIENCE`.
pub async fn read_all(stream: &mut TcpStream) -> RawResponse {
    RawResponse::parse(&until_closed(stream).await)
}

/// Reads until EOF within `PATIENCE` and returns what came (maybe nothing);
/// a reset counts as EOF.
pub async fn until_closed(stream: &mut (impl AsyncRead + Unpin)) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    tokio::time::timeout(PATIENCE, async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await
    .expect("the server closed the connection within the patience");
    buf
}

/// The head of a request with `Host: test.local` and `Connection: close`,
/// without the blank line that ends it.
pub fn head(method: &str, target: &str, extra: &[(&str, &str)]) -> String {
    let mut h = format!("{method} {target} HTTP/1.1\r\nHost: test.local\r\nConnection: close\r\n");
    for (name, value) in extra {
        h.push_str(&format!("{name}: {value}\r\n"));
    }
    h
}

/// The URL a raw request with `Host: test.local` is signed for.
pub fn raw_url(target: &str) -> String {
    format!("http://test.local{target}")
}

/// `body` in chunked transfer encoding, `chunk` bytes a piece.
pub fn chunked(body: &[u8], chunk: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in body.chunks(chunk) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}
