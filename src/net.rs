//! Facts about network addresses, for the places that must not reach inside the company by accident.

/// Whether an address is on the internet: not loopback, private, link-local, unique-local, shared,
/// documentation, multicast, reserved or unspecified (IPv4-mapped IPv6 addresses as their IPv4 address).
pub fn is_public_address(address: std::net::IpAddr) -> bool {
    match address {
        std::net::IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (18..20).contains(&b))
                || (a == 192 && b == 0 && v4.octets()[2] == 0))
        }
        std::net::IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_address(v4.into());
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first & 0xffc0) == 0xfec0
                || (first == 0x2001 && v6.segments()[1] == 0x0db8)
                || (first == 0x64 && v6.segments()[1] == 0xff9b))
        }
    }
}

/// An error with its causes, as "what failed: why: deeper why" (reqwest says only "error sending request";
/// the certificate error is two sources down).
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// `host[:port]` of a URL, as the `Host` header carries it.
pub fn authority(url: &url::Url) -> String {
    match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_public_address;

    #[test]
    fn internal_addresses_are_not_public() {
        for internal in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::"] {
            assert!(!is_public_address(internal.parse().unwrap()), "{internal}");
        }
        for public in ["8.8.8.8", "151.101.1.69", "2a00:1450:4001:80b::200e"] {
            assert!(is_public_address(public.parse().unwrap()), "{public}");
        }
    }
}

/// The client's address: the connection's, unless it comes from a trusted proxy; then the nearest address in
/// `X-Forwarded-For` that is not a trusted proxy itself (the ones before it are the client's word).
pub fn client_address(peer: Option<std::net::IpAddr>, forwarded_for: Option<&str>, trusted: &[ipnet::IpNet]) -> Option<std::net::IpAddr> {
    let is_trusted = |address: &std::net::IpAddr| trusted.iter().any(|net| net.contains(address));
    // On a dual-stack socket IPv4 clients come as ::ffff:a.b.c.d; blocks and proxies are written as IPv4.
    let peer = peer?.to_canonical();
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let hops = forwarded_for.unwrap_or_default().split(',').rev().map(str::trim).filter(|hop| !hop.is_empty());
    for hop in hops {
        match hop.parse::<std::net::IpAddr>().map(|a| a.to_canonical()) {
            Ok(address) if is_trusted(&address) => continue,
            Ok(address) => return Some(address),
            Err(_) => return Some(peer),
        }
    }
    Some(peer)
}

#[cfg(test)]
mod client_address_tests {
    use super::client_address;

    #[test]
    fn only_trusted_proxies_name_the_client() {
        let trusted = ["10.0.0.0/8".parse().unwrap()];
        let peer = |text: &str| Some(text.parse().unwrap());
        assert_eq!(client_address(peer("192.0.2.1"), Some("198.51.100.9"), &trusted), peer("192.0.2.1"));
        assert_eq!(client_address(peer("10.0.0.2"), Some("198.51.100.9"), &trusted), peer("198.51.100.9"));
        assert_eq!(client_address(peer("10.0.0.2"), Some("6.6.6.6, 198.51.100.9, 10.0.0.3"), &trusted), peer("198.51.100.9"));
        assert_eq!(client_address(peer("10.0.0.2"), None, &trusted), peer("10.0.0.2"));
        assert_eq!(client_address(peer("10.0.0.2"), Some("garbage"), &trusted), peer("10.0.0.2"));
        assert_eq!(client_address(peer("::ffff:10.0.0.2"), Some("::ffff:198.51.100.9"), &trusted), peer("198.51.100.9"));
    }
}
