/**
 * Address ranges the relay must never dial for a client-supplied base URL (SPEC §3.6).
 * Sources: RFC 6890 and the IANA IPv4 / IPv6 Special-Purpose Address Registries
 * (https://www.iana.org/assignments/iana-ipv4-special-registry, …/iana-ipv6-special-registry).
 */

/** IPv4 blocks that are not globally reachable unicast. */
export const NON_PUBLIC_IPV4 = [
  '0.0.0.0/8', // "this network" (RFC 791)
  '10.0.0.0/8', // private (RFC 1918)
  '100.64.0.0/10', // shared address space / CGNAT (RFC 6598)
  '127.0.0.0/8', // loopback (RFC 1122)
  '169.254.0.0/16', // link-local, incl. cloud metadata 169.254.169.254 (RFC 3927)
  '172.16.0.0/12', // private (RFC 1918)
  '192.0.0.0/24', // IETF protocol assignments (RFC 6890)
  '192.0.2.0/24', // TEST-NET-1 (RFC 5737)
  '192.88.99.0/24', // 6to4 relay anycast, deprecated (RFC 7526)
  '192.168.0.0/16', // private (RFC 1918)
  '198.18.0.0/15', // benchmarking (RFC 2544)
  '198.51.100.0/24', // TEST-NET-2 (RFC 5737)
  '203.0.113.0/24', // TEST-NET-3 (RFC 5737)
  '224.0.0.0/4', // multicast (RFC 5771)
  '240.0.0.0/4', // reserved, incl. limited broadcast 255.255.255.255 (RFC 1112, RFC 919)
] as const

/**
 * Only 2000::/3 is allocated as global unicast (RFC 4291 §2.4, IANA IPv6 Address Space). Everything outside it is
 * refused — ::, ::1, IPv4-compatible ::/96, 64:ff9b:1::/48, 100::/64, fc00::/7 (ULA, incl. AWS fd00:ec2::254),
 * fe80::/10, fec0::/10, ff00::/8 — except the prefixes below, which embed an IPv4 address in their last 32 bits
 * and are judged by that address.
 */
export const GLOBAL_UNICAST_IPV6 = '2000::/3'

export const EMBEDDED_IPV4_IPV6 = [
  '::ffff:0:0/96', // IPv4-mapped (RFC 4291 §2.5.5.2)
  '64:ff9b::/96', // NAT64 well-known prefix (RFC 6052)
] as const

/** Blocks inside 2000::/3 that are not globally reachable unicast (or, for 2002::/16, may tunnel to anything). */
export const NON_PUBLIC_IPV6 = [
  '2001::/23', // IETF protocol assignments, incl. Teredo 2001::/32 (RFC 2928, RFC 4380)
  '2001:db8::/32', // documentation (RFC 3849)
  '2002::/16', // 6to4: embeds an arbitrary IPv4 address, deprecated (RFC 3056, RFC 7526)
  '3fff::/20', // documentation (RFC 9637)
] as const
