//! Behind a reverse proxy: who the client is, whether it came over https, and the path
//! prefix the site is served under (`https://gov.example/duban/`).
//!
//! Forwarding headers are believed only from the addresses in [`ProxySettings::trusted`]:
//! anyone else could write any `X-Forwarded-For` and so escape login throttling or forge
//! the address in logs. The client is the nearest address in the forwarding chain that is
//! not itself a trusted proxy (read right to left, as each proxy appends).
//!
//! The prefix is handled in one place, [`proxy_layer`], so that no handler or template knows
//! about it: a request path that still carries the prefix has it removed; on the way out the
//! prefix is put in front of `Location`, cookie paths and every root-relative link (`href`,
//! `src`, `action`, `formaction`, CSS `url(/…)`) of an HTML or CSS body.

use std::net::IpAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// Proxy settings fixed at start-up (`serve --trusted-proxy`, `--base-path`).
#[derive(Debug, Clone, Default)]
pub struct ProxySettings {
    /// Addresses or networks of the reverse proxies whose forwarding headers are believed.
    pub trusted: Vec<IpNet>,
    /// The path prefix, e.g. `/duban` (no trailing slash); empty when served at the root. A
    /// trusted proxy may also name it per request with `X-Forwarded-Prefix`.
    pub base_path: String,
}

impl ProxySettings {
    /// Parses a comma- or space-separated list of addresses and networks
    /// (`10.0.0.5, 192.168.0.0/16, ::1`).
    pub fn parse_trusted(list: &str) -> Result<Vec<IpNet>, String> {
        list.split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("“{s}” is not an IP address or network (e.g. 10.0.0.0/8)"))
            })
            .collect()
    }

    /// Checks and normalises a path prefix: `duban/`, `/duban/` and `/duban` all give
    /// `/duban`; `/` and the empty string give no prefix.
    pub fn parse_base_path(path: &str) -> Result<String, String> {
        let trimmed = path.trim().trim_matches('/');
        if trimmed.is_empty() {
            return Ok(String::new());
        }
        let ok = trimmed.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
        });
        if ok {
            Ok(format!("/{trimmed}"))
        } else {
            Err(format!(
                "“{path}” is not a usable path prefix (letters, digits, - _ . ~ and /)"
            ))
        }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.trusted.iter().any(|n| n.contains(&ip))
    }
}

/// The client of a request as duban believes it (see the module doc); set by
/// [`proxy_layer`] for every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// One `for=` / X-Forwarded-For entry: `203.0.113.7`, `203.0.113.7:4711`, `"[2001:db8::1]:80"`,
/// `2001:db8::1`. `None` for `unknown`, obfuscated names and anything else.
fn parse_hop(entry: &str) -> Option<IpAddr> {
    let s = entry.trim().trim_matches('"');
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Some(rest) = s.strip_prefix('[') {
        let end = rest.find(']')?;
        return rest[..end].parse::<IpAddr>().ok().map(canonical);
    }
    let (host, port) = s.rsplit_once(':')?;
    if port.chars().all(|c| c.is_ascii_digit()) {
        return host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4);
    }
    None
}

/// The forwarding chain, oldest hop first, from `Forwarded` (RFC 7239) if present, else
/// `X-Forwarded-For`; every header line in order. `None` entries are hops that are not
/// addresses.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all(header::FORWARDED)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|line| line.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| parse_hop(v))
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(','))
        .map(parse_hop)
        .collect()
}

/// The client address and whether the client used https, for a connection from `peer`.
pub fn client_of(peer: IpAddr, headers: &HeaderMap, settings: &ProxySettings) -> (IpAddr, bool) {
    let peer = canonical(peer);
    if !settings.trusts(peer) {
        return (peer, false);
    }
    let mut client = peer;
    for hop in forwarded_chain(headers).into_iter().rev() {
        match hop {
            Some(ip) if settings.trusts(ip) => client = ip,
            Some(ip) => {
                client = ip;
                break;
            }
            // Not an address: the last trusted hop is the best we know.
            None => break,
        }
    }
    (client, forwarded_https(headers))
}

/// `X-Forwarded-Proto: https` or `Forwarded: proto=https` (the first, client-side element).
fn forwarded_https(headers: &HeaderMap) -> bool {
    let first = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next().map(|s| s.trim().to_ascii_lowercase()))
    };
    if let Some(element) = first(header::FORWARDED) {
        return element
            .split(';')
            .filter_map(|p| p.split_once('='))
            .any(|(k, v)| k.trim() == "proto" && v.trim().trim_matches('"') == "https");
    }
    first(header::HeaderName::from_static("x-forwarded-proto")).as_deref() == Some("https")
}

/// Layer (outermost): sets [`ClientAddr`], removes the path prefix from the request and puts
/// it back into the response; marks cookies `Secure` when a trusted proxy says the client
/// used https.
pub async fn proxy_layer(
    State(settings): State<std::sync::Arc<ProxySettings>>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let (client, https) = match peer {
        Some(peer) => client_of(peer, req.headers(), &settings),
        None => (IpAddr::from([127, 0, 0, 1]), false),
    };
    req.extensions_mut().insert(ClientAddr(client));
    let base = if !settings.base_path.is_empty() {
        settings.base_path.clone()
    } else if peer.is_some_and(|p| settings.trusts(p)) {
        req.headers()
            .get("x-forwarded-prefix")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| ProxySettings::parse_base_path(v).ok())
            .unwrap_or_default()
    } else {
        String::new()
    };
    if !base.is_empty()
        && let Some(uri) = strip_prefix(req.uri(), &base)
    {
        *req.uri_mut() = uri;
    }
    let response = next.run(req).await;
    if base.is_empty() && !https {
        return response;
    }
    outbound(response, &base, https).await
}

/// The request URI without the prefix; `None` when it does not start with it.
fn strip_prefix(uri: &Uri, base: &str) -> Option<Uri> {
    let path = uri.path();
    let rest = path.strip_prefix(base)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let rest = if rest.is_empty() { "/" } else { rest };
    let pq = match uri.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_string(),
    };
    pq.parse().ok()
}

async fn outbound(response: Response, base: &str, https: bool) -> Response {
    let (mut parts, body) = response.into_parts();
    if !base.is_empty()
        && let Some(location) = parts.headers.get(header::LOCATION)
        && let Ok(l) = location.to_str()
        && l.starts_with('/')
        && !l.starts_with("//")
        && let Ok(v) = HeaderValue::from_str(&format!("{base}{l}"))
    {
        parts.headers.insert(header::LOCATION, v);
    }
    let cookies: Vec<HeaderValue> = parts
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|c| c.to_str().ok())
        .filter_map(|c| HeaderValue::from_str(&cookie_for(c, base, https)).ok())
        .collect();
    if !cookies.is_empty() {
        parts.headers.remove(header::SET_COOKIE);
        for c in cookies {
            parts.headers.append(header::SET_COOKIE, c);
        }
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let rewrite = !base.is_empty()
        && (content_type.starts_with("text/html") || content_type.starts_with("text/css"));
    if !rewrite {
        return Response::from_parts(parts, body);
    }
    match axum::body::to_bytes(body, 64 * 1024 * 1024).await {
        Ok(bytes) => {
            let text = prefix_links(&String::from_utf8_lossy(&bytes), base);
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.remove(header::ETAG);
            Response::from_parts(parts, Body::from(text))
        }
        Err(_) => Response::from_parts(parts, Body::empty()),
    }
}

/// A `Set-Cookie` value with its `Path` under the prefix and `Secure` added for https.
fn cookie_for(cookie: &str, base: &str, https: bool) -> String {
    let mut out: Vec<String> = cookie
        .split(';')
        .map(|attr| {
            let trimmed = attr.trim();
            match trimmed.split_once('=') {
                Some((k, v)) if k.eq_ignore_ascii_case("path") && v.starts_with('/') => {
                    format!("Path={base}{v}")
                }
                _ => trimmed.to_string(),
            }
        })
        .collect();
    if https && !out.iter().any(|a| a.eq_ignore_ascii_case("secure")) {
        out.push("Secure".to_string());
    }
    out.join("; ")
}

/// Puts `base` in front of every root-relative link: `href="/…"`, `src`, `action`,
/// `formaction` (either quote), and CSS `url(/…)`. Protocol-relative `//host` links are
/// left alone. One pass over the slashes of the text.
pub fn prefix_links(text: &str, base: &str) -> String {
    const OPENERS: [&str; 10] = [
        "href=\"",
        "href='",
        "src=\"",
        "src='",
        "action=\"",
        "action='",
        "url(",
        "url(\"",
        "url('",
        "; url=",
    ];
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut copied = 0;
    for (i, _) in text.match_indices('/') {
        if text[i + 1..].starts_with('/') {
            continue;
        }
        let before = &text[..i];
        if OPENERS.iter().any(|o| before.ends_with(o)) {
            out.push_str(&text[copied..i]);
            out.push_str(base);
            copied = i;
        }
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(trusted: &str) -> ProxySettings {
        ProxySettings {
            trusted: ProxySettings::parse_trusted(trusted).unwrap(),
            base_path: String::new(),
        }
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_ignored_from_untrusted_peers() {
        let s = settings("10.0.0.0/8");
        let h = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-proto", "https"),
        ]);
        assert_eq!(client_of(ip("192.0.2.9"), &h, &s), (ip("192.0.2.9"), false));
    }

    #[test]
    fn the_nearest_untrusted_hop_is_the_client() {
        let s = settings("10.0.0.0/8, 127.0.0.1");
        // A forged leftmost entry does not matter: the proxy appended the real peer.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.1.1.1")]);
        assert_eq!(client_of(ip("127.0.0.1"), &h, &s).0, ip("203.0.113.7"));
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "203.0.113.8"),
        ]);
        assert_eq!(client_of(ip("10.0.0.2"), &h, &s).0, ip("203.0.113.8"));
        // All trusted: the leftmost.
        let h = headers(&[("x-forwarded-for", "10.9.9.9")]);
        assert_eq!(client_of(ip("10.0.0.2"), &h, &s).0, ip("10.9.9.9"));
        // No header: the proxy itself.
        assert_eq!(
            client_of(ip("10.0.0.2"), &HeaderMap::new(), &s).0,
            ip("10.0.0.2")
        );
    }

    #[test]
    fn rfc7239_forwarded() {
        let s = settings("127.0.0.1");
        let h = headers(&[(
            "forwarded",
            "for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\";proto=https",
        )]);
        assert_eq!(
            client_of(ip("127.0.0.1"), &h, &s).0,
            ip("2001:db8:cafe::17")
        );
        let h = headers(&[("forwarded", "for=192.0.2.60;proto=https;by=203.0.113.43")]);
        assert_eq!(client_of(ip("127.0.0.1"), &h, &s), (ip("192.0.2.60"), true));
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(client_of(ip("127.0.0.1"), &h, &s).0, ip("127.0.0.1"));
        let h = headers(&[("forwarded", "for=192.0.2.61:8080")]);
        assert_eq!(
            client_of(ip("::ffff:127.0.0.1"), &h, &s).0,
            ip("192.0.2.61")
        );
    }

    #[test]
    fn settings_parse() {
        assert!(ProxySettings::parse_trusted("10.0.0.0/8 ::1,192.168.1.1").is_ok());
        assert!(ProxySettings::parse_trusted("nginx").is_err());
        assert_eq!(ProxySettings::parse_base_path("/duban/").unwrap(), "/duban");
        assert_eq!(ProxySettings::parse_base_path("a/b").unwrap(), "/a/b");
        assert_eq!(ProxySettings::parse_base_path("/").unwrap(), "");
        assert!(ProxySettings::parse_base_path("/a/../b").is_err());
        assert!(ProxySettings::parse_base_path("/a b").is_err());
        assert!(ProxySettings::parse_base_path("/a\"><script>").is_err());
    }

    #[test]
    fn links_get_the_prefix_once() {
        let html = r#"<a href="/plans/1">x</a><img src='/assets/i.svg'><form action="/login" method=post><button formaction="/x">
<a href="//cdn.example/x">y</a><a href="https://e.org/">e</a>
<style>.a{background:url(/assets/b.png)}</style><a href="/dubanx">w</a>"#;
        let out = prefix_links(html, "/duban");
        assert!(out.contains(r#"href="/duban/plans/1""#), "{out}");
        assert!(out.contains("src='/duban/assets/i.svg'"));
        assert!(out.contains(r#"action="/duban/login""#));
        assert!(out.contains(r#"formaction="/duban/x""#));
        assert!(out.contains(r#"href="//cdn.example/x""#));
        assert!(out.contains("url(/duban/assets/b.png)"));
        assert!(out.contains(r#"href="/duban/dubanx""#));
        assert!(out.contains(r#"href="https://e.org/""#));
    }

    #[test]
    fn cookies_move_under_the_prefix() {
        assert_eq!(
            cookie_for("s=1; Path=/; HttpOnly; SameSite=Lax", "/duban", true),
            "s=1; Path=/duban/; HttpOnly; SameSite=Lax; Secure"
        );
        assert_eq!(
            cookie_for("s=1; Path=/; Secure", "", true),
            "s=1; Path=/; Secure"
        );
    }

    #[test]
    fn paths_lose_the_prefix() {
        let u: Uri = "/duban/plans/1?x=2".parse().unwrap();
        assert_eq!(strip_prefix(&u, "/duban").unwrap(), "/plans/1?x=2");
        let u: Uri = "/duban".parse().unwrap();
        assert_eq!(strip_prefix(&u, "/duban").unwrap(), "/");
        let u: Uri = "/dubanx".parse().unwrap();
        assert!(strip_prefix(&u, "/duban").is_none());
    }
}
