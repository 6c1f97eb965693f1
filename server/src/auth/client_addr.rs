//! Who is asking, for rate limits: the client's address as a key.
//!
//! Behind proxies, `X-Forwarded-For` lists the hops a request passed, each appended by the
//! hop that received it, so only the right-hand entries written by our own proxies can be
//! believed: the client itself writes whatever it likes on the left. The client is the
//! right-most address that is not one of `rate_limit.trusted_proxies`. IPv6 clients are
//! keyed by their /64, which is what one subscriber usually holds.

use crate::ip_range::{canonical, IpRange};
use std::net::{IpAddr, Ipv6Addr};

/// The client's address: the peer, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not a trusted proxy.
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: &[&str],
    trusted: &[IpRange],
) -> Option<IpAddr> {
    let is_trusted = |address: IpAddr| trusted.iter().any(|range| range.contains(address));
    let mut client = canonical(peer?);
    if !is_trusted(client) {
        return Some(client);
    }
    for hop in forwarded_for
        .iter()
        .rev()
        .flat_map(|header| header.rsplit(','))
    {
        let Some(address) = parse_hop(hop) else {
            // Garbage where a proxy's entry should be: believe nothing further left.
            break;
        };
        client = canonical(address);
        if !is_trusted(client) {
            break;
        }
    }
    Some(client)
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(address) = hop.parse() {
        return Some(address);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (address, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    address.parse().ok()
}

/// The rate-limit key of an address: IPv4 as it is, IPv6 by its /64.
pub fn rate_limit_key(address: Option<IpAddr>) -> String {
    match address.map(canonical) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let prefix = u128::from(v6) & (u128::MAX << 64);
            format!("{}/64", Ipv6Addr::from(prefix))
        }
        None => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(raw: &str) -> IpAddr {
        raw.parse().unwrap()
    }

    fn ranges(raw: &[&str]) -> Vec<IpRange> {
        raw.iter().map(|r| r.parse().unwrap()).collect()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        let client = client_address(Some(ip("203.0.113.9")), &["1.1.1.1"], &[]);
        assert_eq!(client, Some(ip("203.0.113.9")));
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let trusted = ranges(&["10.0.0.0/8"]);
        // The client forged "6.6.6.6" on the left; the proxies appended the real hops.
        let client = client_address(
            Some(ip("10.0.0.2")),
            &["6.6.6.6, 198.51.100.4", "10.0.0.1"],
            &trusted,
        );
        assert_eq!(client, Some(ip("198.51.100.4")));
    }

    #[test]
    fn hops_with_ports_and_garbage_are_handled() {
        let trusted = ranges(&["10.0.0.0/8"]);
        let with_port = client_address(Some(ip("10.0.0.2")), &["[2001:db8::5]:443"], &trusted);
        assert_eq!(with_port, Some(ip("2001:db8::5")));
        let garbage = client_address(Some(ip("10.0.0.2")), &["198.51.100.4, nonsense"], &trusted);
        assert_eq!(
            garbage,
            Some(ip("10.0.0.2")),
            "nothing left of garbage is believed"
        );
    }

    #[test]
    fn ipv6_clients_share_a_key_per_64() {
        let a = rate_limit_key(Some(ip("2001:db8:1:2:aaaa::1")));
        let b = rate_limit_key(Some(ip("2001:db8:1:2:bbbb::9")));
        let c = rate_limit_key(Some(ip("2001:db8:1:3::1")));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(rate_limit_key(Some(ip("::ffff:192.0.2.1"))), "192.0.2.1");
    }
}
