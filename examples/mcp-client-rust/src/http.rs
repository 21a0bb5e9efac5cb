//! A tiny blocking HTTP/1.1 client on `std::net::TcpStream`: plain `http` only (the example
//! talks to a server on loopback), one request per connection (`Connection: close`).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use authcore::http::{HttpRequest, HttpResponse};

/// Sends `request` and reads the whole response.
pub fn send(request: &HttpRequest) -> io::Result<HttpResponse> {
    let rest = request
        .url
        .strip_prefix("http://")
        .ok_or_else(|| invalid("this client speaks plain http (loopback) only"))?;
    let (authority, target) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let mut stream = TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let body = request.body.as_deref().unwrap_or("");
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n",
        request.method
    );
    for (name, value) in &request.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if request.body.is_some() || !matches!(request.method.as_str(), "GET" | "HEAD") {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    // Read until the response is complete: `Content-Length` bytes, the last chunk, the end
    // of the stream, or, for an event stream the server keeps open, the first complete
    // event that carries a JSON-RPC result or error.
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
        if complete(&raw) {
            break;
        }
    }
    parse(&raw)
}

fn complete(raw: &[u8]) -> bool {
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let body = &raw[split + 4..];
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    if let Some(len) = length {
        return body.len() >= len;
    }
    if head.contains("transfer-encoding: chunked") {
        if body.windows(5).any(|w| w == b"0\r\n\r\n") {
            return true;
        }
        if head.contains("text/event-stream") {
            let text = String::from_utf8_lossy(body);
            return text.contains("\"result\"") && text.contains("\n\n")
                || text.contains("\"error\"") && text.contains("\n\n");
        }
    }
    false
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// Status line, headers and body (de-chunked when `Transfer-Encoding: chunked`).
fn parse(raw: &[u8]) -> io::Result<HttpResponse> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| invalid("no end of headers"))?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| invalid("headers are not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| invalid("bad status line"))?;
    let mut response = HttpResponse::new(status);
    let mut chunked = false;
    for line in lines {
        let (name, value) = line.split_once(':').ok_or_else(|| invalid("bad header line"))?;
        let (name, value) = (name.trim(), value.trim());
        chunked |= name.eq_ignore_ascii_case("transfer-encoding") && value.eq_ignore_ascii_case("chunked");
        let name = name.to_ascii_lowercase();
        match response.headers.get_mut(&name) {
            // Repeated headers (WWW-Authenticate) join as one list (RFC 9110 §5.3).
            Some(v) => {
                v.push_str(", ");
                v.push_str(value);
            }
            None => {
                response.headers.insert(name, value.to_owned());
            }
        }
    }
    let body = &raw[split + 4..];
    let body = if chunked { dechunk(body)? } else { body.to_vec() };
    response.body = String::from_utf8_lossy(&body).into_owned();
    Ok(response)
}

fn dechunk(mut data: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| invalid("bad chunk"))?;
        let size = std::str::from_utf8(&data[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .ok_or_else(|| invalid("bad chunk size"))?;
        data = &data[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        // An event stream read up to its first complete event may end inside a chunk.
        let Some(chunk) = data.get(..size) else {
            out.extend_from_slice(data);
            return Ok(out);
        };
        out.extend_from_slice(chunk);
        let Some(rest) = data.get(size + 2..) else {
            return Ok(out);
        };
        data = rest;
        if data.is_empty() {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_chunked_bodies() {
        let plain = parse(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}").unwrap();
        assert_eq!((plain.status, plain.body.as_str()), (200, "{}"));
        assert_eq!(plain.header("content-type"), Some("application/json"));
        let chunked = parse(
            b"HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!((chunked.status, chunked.body.as_str()), (401, "{\"a\":1}"));
        assert!(parse(b"HTTP/1.1 200 OK\r\n").is_err());
        assert!(parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").is_err());
        assert!(send(&HttpRequest::new("GET", "https://example.com/")).is_err());
    }
}
