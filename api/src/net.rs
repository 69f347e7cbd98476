//! Which IP addresses outbound requests may reach on a partner's behalf.
//!
//! A partner webhook is a request our servers make to an address somebody else chose,
//! so it must never reach our own network, the machine itself, or any address that is
//! not a host on the public Internet. Rather than listing what is private, this module
//! lists every block of IANA's special-purpose registries (IPv4: RFC 6890 and its
//! updates; IPv6: the same registry plus the deprecated prefixes that still route on
//! some stacks) and the multicast and reserved space, and refuses all of them. For
//! IPv6 only global unicast (`2000::/3`) is eligible at all, so unassigned space is
//! refused by construction.
//!
//! Addresses that embed an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4,
//! Teredo) are refused outright: the embedded address could be anything, and a
//! partner has no reason to name one.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One block of special-purpose address space.
#[derive(Debug, Clone, Copy)]
pub struct Block<A> {
    pub network: A,
    pub prefix: u8,
    /// What the block is, as the registry names it.
    pub name: &'static str,
}

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8, name: &'static str) -> Block<Ipv4Addr> {
    Block {
        network: Ipv4Addr::new(a, b, c, d),
        prefix,
        name,
    }
}

const fn v6(segments: [u16; 8], prefix: u8, name: &'static str) -> Block<Ipv6Addr> {
    let [a, b, c, d, e, f, g, h] = segments;
    Block {
        network: Ipv6Addr::new(a, b, c, d, e, f, g, h),
        prefix,
        name,
    }
}

/// IPv4 space that is never a public host.
pub const IPV4_BLOCKS: &[Block<Ipv4Addr>] = &[
    v4(0, 0, 0, 0, 8, "\"this network\" (RFC 791)"),
    v4(10, 0, 0, 0, 8, "private use (RFC 1918)"),
    v4(
        100,
        64,
        0,
        0,
        10,
        "shared address space / carrier-grade NAT (RFC 6598)",
    ),
    v4(127, 0, 0, 0, 8, "loopback (RFC 1122)"),
    v4(169, 254, 0, 0, 16, "link local (RFC 3927)"),
    v4(172, 16, 0, 0, 12, "private use (RFC 1918)"),
    v4(192, 0, 0, 0, 24, "IETF protocol assignments (RFC 6890)"),
    v4(192, 0, 2, 0, 24, "documentation TEST-NET-1 (RFC 5737)"),
    v4(192, 31, 196, 0, 24, "AS112-v4 (RFC 7535)"),
    v4(192, 52, 193, 0, 24, "AMT (RFC 7450)"),
    v4(192, 88, 99, 0, 24, "deprecated 6to4 relay anycast (RFC 7526)"),
    v4(192, 168, 0, 0, 16, "private use (RFC 1918)"),
    v4(192, 175, 48, 0, 24, "direct delegation AS112 service (RFC 7534)"),
    v4(198, 18, 0, 0, 15, "benchmarking (RFC 2544)"),
    v4(198, 51, 100, 0, 24, "documentation TEST-NET-2 (RFC 5737)"),
    v4(203, 0, 113, 0, 24, "documentation TEST-NET-3 (RFC 5737)"),
    v4(224, 0, 0, 0, 4, "multicast (RFC 5771)"),
    v4(240, 0, 0, 0, 4, "reserved (RFC 1112), incl. limited broadcast"),
];

/// IPv6 space inside global unicast (`2000::/3`) that is never a public host.
/// Everything outside `2000::/3` is refused before this table is read.
pub const IPV6_BLOCKS: &[Block<Ipv6Addr>] = &[
    v6(
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        "IETF protocol assignments, incl. Teredo (RFC 2928, RFC 4380)",
    ),
    v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, "documentation (RFC 3849)"),
    v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, "6to4 (RFC 3056)"),
    v6(
        [0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0],
        48,
        "direct delegation AS112 service (RFC 7534)",
    ),
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "documentation (RFC 9637)"),
];

/// IPv6 space outside global unicast, named for tests and error messages.
pub const IPV6_OUTSIDE_GLOBAL_UNICAST: &[Block<Ipv6Addr>] = &[
    v6(
        [0, 0, 0, 0, 0, 0, 0, 0],
        96,
        "unspecified, loopback and IPv4-compatible (RFC 4291)",
    ),
    v6([0, 0, 0, 0, 0, 0xffff, 0, 0], 96, "IPv4-mapped (RFC 4291)"),
    v6(
        [0x64, 0xff9b, 0, 0, 0, 0, 0, 0],
        96,
        "IPv4/IPv6 translation, NAT64 (RFC 6052)",
    ),
    v6(
        [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
        48,
        "local-use IPv4/IPv6 translation (RFC 8215)",
    ),
    v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "discard-only (RFC 6666)"),
    v6(
        [0x5f00, 0, 0, 0, 0, 0, 0, 0],
        16,
        "segment routing SIDs (RFC 9602)",
    ),
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "unique local (RFC 4193)"),
    v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "link local (RFC 4291)"),
    v6(
        [0xfec0, 0, 0, 0, 0, 0, 0, 0],
        10,
        "deprecated site local (RFC 3879)",
    ),
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "multicast (RFC 4291)"),
];

fn contains_v4(block: &Block<Ipv4Addr>, ip: Ipv4Addr) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(block.prefix)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(block.network) & mask
}

fn contains_v6(block: &Block<Ipv6Addr>, ip: Ipv6Addr) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(block.prefix)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(block.network) & mask
}

/// Why an address is not a public host, or `None` when it is one.
pub fn special_purpose(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => IPV4_BLOCKS.iter().find(|b| contains_v4(b, v4)).map(|b| b.name),
        IpAddr::V6(v6) => {
            let global_unicast = v6.segments()[0] & 0xe000 == 0x2000;
            if !global_unicast {
                return Some(
                    IPV6_OUTSIDE_GLOBAL_UNICAST
                        .iter()
                        .find(|b| contains_v6(b, v6))
                        .map_or("outside IPv6 global unicast (2000::/3)", |b| b.name),
                );
            }
            IPV6_BLOCKS.iter().find(|b| contains_v6(b, v6)).map(|b| b.name)
        }
    }
}

/// Whether `ip` is a host on the public Internet that outbound requests may reach.
pub fn is_public(ip: IpAddr) -> bool {
    special_purpose(ip).is_none()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn first_and_last_v4(b: &Block<Ipv4Addr>) -> (Ipv4Addr, Ipv4Addr) {
        let first = u32::from(b.network);
        let last = first | u32::MAX.checked_shr(u32::from(b.prefix)).unwrap_or(0);
        (Ipv4Addr::from(first), Ipv4Addr::from(last))
    }

    fn first_and_last_v6(b: &Block<Ipv6Addr>) -> (Ipv6Addr, Ipv6Addr) {
        let first = u128::from(b.network);
        let last = first | u128::MAX.checked_shr(u32::from(b.prefix)).unwrap_or(0);
        (Ipv6Addr::from(first), Ipv6Addr::from(last))
    }

    /// Every block of the table: its first, middle and last address are refused, and
    /// the reason names the block (or a block containing it).
    #[test]
    fn every_ipv4_block_is_refused_from_first_to_last_address() {
        for block in IPV4_BLOCKS {
            let (first, last) = first_and_last_v4(block);
            let middle = Ipv4Addr::from(u32::from(first) / 2 + u32::from(last) / 2);
            for ip in [first, middle, last] {
                assert!(
                    !is_public(IpAddr::V4(ip)),
                    "{ip} in {} ({})",
                    block.name,
                    block.prefix
                );
            }
        }
    }

    #[test]
    fn every_ipv6_block_is_refused_from_first_to_last_address() {
        for block in IPV6_BLOCKS.iter().chain(IPV6_OUTSIDE_GLOBAL_UNICAST) {
            let (first, last) = first_and_last_v6(block);
            let middle = Ipv6Addr::from(u128::from(first) / 2 + u128::from(last) / 2);
            for ip in [first, middle, last] {
                assert!(!is_public(IpAddr::V6(ip)), "{ip} in {}", block.name);
            }
        }
    }

    /// One row per range the audit named or the registries hold, with a concrete
    /// address a request could try.
    #[test]
    fn named_special_purpose_addresses_are_refused() {
        let refused: &[(&str, &str)] = &[
            ("0.0.0.0", "this network"),
            ("0.1.2.3", "this network"),
            ("10.1.2.3", "private"),
            ("100.64.0.1", "shared address space"),
            ("100.127.255.254", "shared address space"),
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("169.254.169.254", "link local (cloud metadata)"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.0.0.8", "IETF protocol assignments"),
            ("192.0.0.170", "NAT64 discovery"),
            ("192.0.2.10", "TEST-NET-1"),
            ("192.31.196.1", "AS112"),
            ("192.52.193.1", "AMT"),
            ("192.88.99.1", "6to4 relay anycast"),
            ("192.168.1.1", "private"),
            ("192.175.48.1", "AS112 direct delegation"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("198.51.100.7", "TEST-NET-2"),
            ("203.0.113.9", "TEST-NET-3"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast (SSDP)"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "limited broadcast"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::127.0.0.1", "IPv4-compatible loopback"),
            ("::10.0.0.1", "IPv4-compatible private"),
            ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
            ("::ffff:169.254.169.254", "IPv4-mapped metadata"),
            ("::ffff:8.8.8.8", "IPv4-mapped, even of a public address"),
            ("64:ff9b::7f00:1", "NAT64 of loopback"),
            ("64:ff9b::808:808", "NAT64, even of a public address"),
            ("64:ff9b:1::1", "local-use translation"),
            ("100::1", "discard-only"),
            ("2001::1", "Teredo"),
            ("2001:2::1", "benchmarking"),
            ("2001:10::1", "ORCHID"),
            ("2001:db8::1", "documentation"),
            ("2002:7f00:1::1", "6to4 of loopback"),
            ("2620:4f:8000::1", "AS112"),
            ("3fff::1", "documentation"),
            ("5f00::1", "segment routing"),
            ("fc00::1", "unique local"),
            ("fd12:3456::1", "unique local"),
            ("fe80::1", "link local"),
            ("fec0::1", "site local"),
            ("ff02::1", "multicast"),
            ("4000::1", "unassigned, outside 2000::/3"),
        ];
        for (address, what) in refused {
            let ip: IpAddr = address.parse().unwrap();
            assert!(!is_public(ip), "{address} ({what}) must be refused");
        }
    }

    #[test]
    fn public_hosts_are_allowed() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.3.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:82a::200e",
            "2001:4860:4860::8888",
            "2001:200::1",
        ] {
            let ip: IpAddr = address.parse().unwrap();
            assert!(
                is_public(ip),
                "{address} is a public host: {:?}",
                special_purpose(ip)
            );
        }
    }
}
