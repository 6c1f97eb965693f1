//! Who is asking, for rate limits: the client's address as a key.
//!
//! Behind proxies, `X-Forwarded-For` lists the hops a request passed, each appended by the
//! hop that received it, so only the right-hand entries written by our own proxies can be
//! believed: the client itself writes whatever it likes on the left. The client is the
//! right-most address that is not one of `rate_limit.trusted_proxies`. IPv6 clients are
//! keyed by their /64, which is what one subscriber usually holds.

use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;

/// An address range in CIDR notation (`10.0.0.0/8`, `fd00::/8`, or a single address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl FromStr for IpRange {
    type Err = String;

    fn from_str(raw: &str) -> Result<IpRange, String> {
        let (address, prefix) = match raw.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (raw.trim(), None),
        };
        let network: IpAddr = address
            .parse()
            .map_err(|_| format!("`{raw}` is not an IP address or CIDR range"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{raw}` has an invalid prefix length"))?,
        };
        Ok(IpRange { network, prefix })
    }
}

impl IpRange {
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, canonical(address)) {
            (IpAddr::V4(net), IpAddr::V4(addr)) => prefix_eq(
                u128::from(u32::from(net)) << 96,
                u128::from(u32::from(addr)) << 96,
                self.prefix,
            ),
            (IpAddr::V6(net), IpAddr::V6(addr)) => {
                prefix_eq(u128::from(net), u128::from(addr), self.prefix)
            }
            _ => false,
        }
    }
}

fn prefix_eq(a: u128, b: u128, prefix: u8) -> bool {
    if prefix == 0 {
        return true;
    }
    let mask = u128::MAX << (128 - u32::from(prefix));
    a & mask == b & mask
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`, as dual-stack sockets report IPv4 peers)
/// are the IPv4 address they carry.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

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
    fn ranges_parse_and_match() {
        let private: IpRange = "10.0.0.0/8".parse().unwrap();
        assert!(private.contains(ip("10.200.3.4")));
        assert!(!private.contains(ip("11.0.0.1")));
        assert!(private.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped");
        let single: IpRange = "192.0.2.7".parse().unwrap();
        assert!(single.contains(ip("192.0.2.7")) && !single.contains(ip("192.0.2.8")));
        let v6: IpRange = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        for bad in ["10.0.0.0/33", "nonsense", "fd00::/129", "1.2.3.4/x"] {
            assert!(bad.parse::<IpRange>().is_err(), "{bad}");
        }
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
