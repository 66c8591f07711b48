//! Local receivers for the integration tests: a minimal SMTP sink and a webhook receiver,
//! both on 127.0.0.1 with an OS-chosen port.
#![allow(dead_code)] // each test binary uses a different part

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

// ---------------------------------------------------------------- SMTP sink

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct SmtpMessage {
    pub helo: String,
    pub auth: Option<String>,
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The DATA section, dot-unstuffed, CRLF line ends.
    pub data: String,
    /// Whether the message came over TLS (implicit or after STARTTLS).
    pub tls: bool,
}

/// How the sink secures its connections (with the test certificate in `tests/data`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SinkTls {
    #[default]
    Plain,
    /// TLS from the first byte.
    Implicit,
    /// Plain, offering STARTTLS.
    StartTls,
}

/// How the sink behaves (default: plain, 250 to every RCPT).
#[derive(Debug, Clone, Default)]
pub struct SinkRules {
    pub rcpt_replies: HashMap<String, &'static str>,
    pub advertise_auth: bool,
    pub tls: SinkTls,
}

pub struct SmtpSink {
    pub addr: SocketAddr,
    pub messages: mpsc::UnboundedReceiver<SmtpMessage>,
    /// Every command line received, across connections, for assertions on the dialogue.
    pub commands: Arc<Mutex<Vec<String>>>,
}

pub const TEST_CA_PEM: &str = include_str!("../data/ca.pem");

/// A TLS acceptor serving `tests/data/server.pem` (signed by `TEST_CA_PEM`).
pub fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(include_bytes!("../data/server.pem"))
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("../data/server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

pub async fn start_smtp_sink(rules: SinkRules) -> SmtpSink {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let commands = Arc::new(Mutex::new(Vec::new()));
    let log = commands.clone();
    let rules = Arc::new(rules);
    let acceptor = tls_acceptor();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let sink = Session {
                tx: tx.clone(),
                log: log.clone(),
                rules: rules.clone(),
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = sink.run(stream, acceptor).await;
            });
        }
    });
    SmtpSink {
        addr,
        messages: rx,
        commands,
    }
}

struct Session {
    tx: mpsc::UnboundedSender<SmtpMessage>,
    log: Arc<Mutex<Vec<String>>>,
    rules: Arc<SinkRules>,
}

enum End {
    Closed,
    StartTls,
}

impl Session {
    async fn run(
        &self,
        tcp: tokio::net::TcpStream,
        acceptor: tokio_rustls::TlsAcceptor,
    ) -> std::io::Result<()> {
        match self.rules.tls {
            SinkTls::Plain => {
                self.dialogue(&mut BufReader::new(tcp), true, false).await?;
            }
            SinkTls::Implicit => {
                let tls = acceptor.accept(tcp).await?;
                self.dialogue(&mut BufReader::new(tls), true, true).await?;
            }
            SinkTls::StartTls => {
                let mut plain = BufReader::new(tcp);
                if let End::StartTls = self.dialogue(&mut plain, true, false).await? {
                    // The client waits for our 220 before the handshake: nothing is buffered.
                    let tls = acceptor.accept(plain.into_inner()).await?;
                    self.dialogue(&mut BufReader::new(tls), false, true).await?;
                }
            }
        }
        Ok(())
    }

    async fn dialogue<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        io: &mut BufReader<S>,
        greet: bool,
        tls: bool,
    ) -> std::io::Result<End> {
        if greet {
            io.get_mut()
                .write_all(b"220 sink.test ESMTP test sink\r\n")
                .await?;
            io.get_mut().flush().await?;
        }
        let offer_starttls = self.rules.tls == SinkTls::StartTls && !tls;
        let mut msg = SmtpMessage {
            helo: String::new(),
            auth: None,
            mail_from: String::new(),
            rcpt_to: Vec::new(),
            data: String::new(),
            tls,
        };
        let mut line = String::new();
        loop {
            line.clear();
            if io.read_line(&mut line).await? == 0 {
                return Ok(End::Closed);
            }
            let cmd = line.trim_end_matches(['\r', '\n']).to_owned();
            self.log.lock().unwrap().push(cmd.clone());
            let upper = cmd.to_ascii_uppercase();
            let reply: String = if upper.starts_with("EHLO ") {
                msg.helo = cmd[5..].to_owned();
                let mut r = String::from("250-sink.test\r\n");
                if offer_starttls {
                    r.push_str("250-STARTTLS\r\n");
                }
                if self.rules.advertise_auth {
                    r.push_str("250-AUTH PLAIN LOGIN\r\n");
                }
                r.push_str("250 SIZE 10485760\r\n");
                r
            } else if upper.starts_with("HELO ") {
                msg.helo = cmd[5..].to_owned();
                "250 sink.test\r\n".into()
            } else if upper == "STARTTLS" && offer_starttls {
                io.get_mut()
                    .write_all(b"220 2.0.0 ready to start TLS\r\n")
                    .await?;
                io.get_mut().flush().await?;
                return Ok(End::StartTls);
            } else if upper.starts_with("AUTH PLAIN ") {
                msg.auth = Some(cmd[11..].to_owned());
                "235 2.7.0 Authentication successful\r\n".into()
            } else if upper.starts_with("MAIL FROM:") {
                msg.mail_from = angle(&cmd[10..]);
                msg.rcpt_to.clear();
                "250 2.1.0 OK\r\n".into()
            } else if upper.starts_with("RCPT TO:") {
                let to = angle(&cmd[8..]);
                match self.rules.rcpt_replies.get(&to) {
                    Some(reply) => format!("{reply}\r\n"),
                    None => {
                        msg.rcpt_to.push(to);
                        "250 2.1.5 OK\r\n".into()
                    }
                }
            } else if upper == "DATA" {
                io.get_mut()
                    .write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                io.get_mut().flush().await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if io.read_line(&mut line).await? == 0 {
                        return Ok(End::Closed);
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    // RFC 5321 §4.5.2 dot-unstuffing
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                msg.data = data;
                let _ = self.tx.send(msg.clone());
                "250 2.0.0 queued\r\n".into()
            } else if upper == "RSET" || upper == "NOOP" {
                "250 2.0.0 OK\r\n".into()
            } else if upper == "QUIT" {
                io.get_mut().write_all(b"221 2.0.0 bye\r\n").await?;
                io.get_mut().shutdown().await?;
                return Ok(End::Closed);
            } else {
                "502 5.5.2 command not implemented\r\n".into()
            };
            io.get_mut().write_all(reply.as_bytes()).await?;
            io.get_mut().flush().await?;
        }
    }
}

fn angle(s: &str) -> String {
    let s = s.trim();
    let start = s.find('<').map_or(0, |i| i + 1);
    let end = s[start..].find('>').map_or(s.len(), |i| start + i);
    s[start..end].to_owned()
}

/// Header (unfolded, RFC 2047 decoded) and decoded body of a received message.
pub struct ParsedMail {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl ParsedMail {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub fn parse_mail(data: &str) -> ParsedMail {
    let (head, body) = data.split_once("\r\n\r\n").expect("header/body separator");
    let mut raw: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            let last = raw.last_mut().expect("continuation after a header");
            last.1.push(' ');
            last.1.push_str(line.trim());
        } else {
            let (n, v) = line.split_once(':').expect("header line");
            raw.push((n.to_owned(), v.trim().to_owned()));
        }
    }
    assert!(
        head.is_ascii(),
        "mail headers must be 7-bit (RFC 2047 for non-ASCII):\n{head}"
    );
    let cte = raw
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Transfer-Encoding"))
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_else(|| "7bit".into());
    let body_bytes = match cte.as_str() {
        "base64" => base64_decode(body),
        "quoted-printable" => qp_decode(body),
        _ => body.as_bytes().to_vec(),
    };
    let body = String::from_utf8(body_bytes)
        .expect("body is UTF-8")
        .replace("\r\n", "\n");
    ParsedMail {
        headers: raw
            .into_iter()
            .map(|(n, v)| {
                let v = decode_rfc2047(&v);
                (n, v)
            })
            .collect(),
        body,
    }
}

/// Decode RFC 2047 encoded-words (B and Q); whitespace between adjacent words is dropped and
/// the bytes of adjacent words are joined before UTF-8 decoding (a character may be split).
pub fn decode_rfc2047(value: &str) -> String {
    let mut out = String::new();
    let mut pending: Vec<u8> = Vec::new();
    for token in value.split_whitespace() {
        let word = token
            .strip_prefix("=?")
            .and_then(|t| t.strip_suffix("?="))
            .and_then(|t| {
                let mut parts = t.splitn(3, '?');
                Some((parts.next()?, parts.next()?, parts.next()?))
            });
        match word {
            Some((charset, enc, text)) => {
                assert!(charset.eq_ignore_ascii_case("utf-8"), "charset {charset}");
                match enc {
                    "B" | "b" => pending.extend(base64_decode(text)),
                    "Q" | "q" => pending.extend(qp_decode(&text.replace('_', " "))),
                    other => panic!("unknown encoding {other}"),
                }
            }
            None => {
                out.push_str(&String::from_utf8(std::mem::take(&mut pending)).unwrap());
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(token);
            }
        }
    }
    out.push_str(&String::from_utf8(pending).unwrap());
    out
}

pub fn base64_decode(s: &str) -> Vec<u8> {
    fn val(c: u8) -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    }
    let clean: Vec<u8> = s
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .collect();
    let mut out = Vec::new();
    for chunk in clean.chunks(4) {
        let mut acc = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            acc |= val(*c) << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

pub fn qp_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            if b[i + 1..].starts_with(b"\r\n") {
                i += 3; // soft line break
            } else if b[i + 1..].starts_with(b"\n") {
                i += 2;
            } else {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

// ------------------------------------------------------------ webhook receiver

/// One request as the receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub struct Receiver {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
}

struct ReceiverState {
    script: Vec<(u16, Duration)>,
    retry_after: Option<&'static str>,
    received: Arc<Mutex<Vec<Received>>>,
}

/// Answers request number i with `script[i]` (status, delay), and 200 after the script.
pub async fn start_receiver(script: Vec<(u16, Duration)>) -> Receiver {
    start_receiver_with_retry_after(script, None).await
}

/// Like [`start_receiver`], adding `Retry-After: <retry_after>` to non-2xx answers.
pub async fn start_receiver_with_retry_after(
    script: Vec<(u16, Duration)>,
    retry_after: Option<&'static str>,
) -> Receiver {
    let received = Arc::new(Mutex::new(Vec::new()));
    let state = Arc::new(ReceiverState {
        script,
        retry_after,
        received: received.clone(),
    });
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(state);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Receiver {
        url: format!("http://{addr}/hook"),
        received,
    }
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, HeaderMap) {
    let index = {
        let mut got = state.received.lock().unwrap();
        got.push(Received { headers, body });
        got.len() - 1
    };
    let (status, delay) = state
        .script
        .get(index)
        .copied()
        .unwrap_or((200, Duration::ZERO));
    tokio::time::sleep(delay).await;
    let mut headers = HeaderMap::new();
    if let (Some(after), false) = (state.retry_after, (200..300).contains(&status)) {
        headers.insert("retry-after", after.parse().unwrap());
    }
    (StatusCode::from_u16(status).unwrap(), headers)
}

/// An HTTPS receiver (test certificate) speaking just enough HTTP/1.1: it records each request
/// and answers 200 with `Connection: close`.
pub async fn start_https_receiver() -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    let acceptor = tls_acceptor();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, store) = (acceptor.clone(), store.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut io = BufReader::new(tls);
                let mut headers = HeaderMap::new();
                let mut line = String::new();
                io.read_line(&mut line).await.unwrap(); // request line
                assert!(line.starts_with("POST /hook "), "{line}");
                loop {
                    line.clear();
                    io.read_line(&mut line).await.unwrap();
                    let l = line.trim_end();
                    if l.is_empty() {
                        break;
                    }
                    let (name, value) = l.split_once(':').unwrap();
                    headers.append(
                        axum::http::HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
                        value.trim().parse().unwrap(),
                    );
                }
                let len: usize = headers["content-length"].to_str().unwrap().parse().unwrap();
                let mut body = vec![0; len];
                io.read_exact(&mut body).await.unwrap();
                store.lock().unwrap().push(Received {
                    headers,
                    body: body.into(),
                });
                let w = io.get_mut();
                w.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await
                    .unwrap();
                w.flush().await.unwrap();
                let _ = w.shutdown().await;
            });
        }
    });
    Receiver {
        url: format!("https://127.0.0.1:{}/hook", addr.port()),
        received,
    }
}

/// A 127.0.0.1 port with nothing listening (bound, then released).
pub async fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn decoders_work() {
    assert_eq!(base64_decode("5Lit5paH"), "中文".as_bytes());
    assert_eq!(base64_decode("YQ=="), b"a");
    assert_eq!(qp_decode("=E4=B8=AD=\r\nx"), "中x".as_bytes());
    assert_eq!(
        decode_rfc2047("=?utf-8?b?5Lit?= =?utf-8?b?5paH?= ok"),
        "中文 ok"
    );
}
