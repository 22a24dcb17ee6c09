//! Reading one HTTP/1.1 request off a socket, for the small servers the tests and benches run.

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

pub struct Request {
    /// Request line and headers.
    pub head: String,
    pub body: Vec<u8>,
}

impl Request {
    /// "METHOD" and "/path?query" from the request line.
    pub fn method_and_target(&self) -> (&str, &str) {
        let mut first = self.head.lines().next().unwrap_or_default().split(' ');
        (first.next().unwrap_or("GET"), first.next().unwrap_or("/"))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.head.split("\r\n").find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

/// `None` when the client hung up before sending a whole head.
pub async fn read_request(sock: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut req = Request {
        head,
        body: Vec::new(),
    };
    let len: usize = req
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = sock.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    req.body = buf[head_end..].to_vec();
    Some(req)
}
