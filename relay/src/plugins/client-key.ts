/**
 * The key per-IP limits count a client under. IPv4 addresses count one by one; an IPv6 client counts per
 * network of `ipv6Prefix` bits, since one subscriber is usually handed a whole /64 and could otherwise take a
 * fresh address (and a fresh quota) for every request.
 *
 * @example
 * createClientKey(64)('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function createClientKey(ipv6Prefix: number): (ip: string | undefined) => string {
  return (ip) => {
    if (ip === undefined) return 'unknown'
    // IPv4, the common case, allocates nothing.
    if (!ip.includes(':')) return ip
    // An IPv4 client on a dual-stack socket is still that IPv4 address.
    if (ip.startsWith('::ffff:') && ip.includes('.')) return ip.slice(7)
    const groups = expandIpv6(ip)
    if (groups === undefined) return ip
    return `${maskGroups(groups, ipv6Prefix)}/${ipv6Prefix}`
  }
}

/** `2001:db8::1` → eight 16-bit numbers; undefined when it is not an IPv6 address. */
function expandIpv6(raw: string): number[] | undefined {
  const zone = raw.indexOf('%')
  let ip = zone < 0 ? raw : raw.slice(0, zone)
  // An embedded IPv4 tail (::1.2.3.4) is two more groups.
  const lastColon = ip.lastIndexOf(':')
  const tail = ip.slice(lastColon + 1)
  if (tail.includes('.')) {
    const octets = tail.split('.').map(Number)
    if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return undefined
    const [a, b, c, d] = octets as [number, number, number, number]
    ip = `${ip.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const halves = ip.split('::')
  if (halves.length > 2) return undefined
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)))
  const head = parse(halves[0]!)
  const rest = halves.length === 2 ? parse(halves[1]!) : []
  const missing = 8 - head.length - rest.length
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined
  const groups = [...head, ...new Array<number>(missing).fill(0), ...rest]
  if (groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return undefined
  return groups
}

function maskGroups(groups: number[], prefix: number): string {
  return groups
    .map((g, i) => {
      const bits = Math.min(16, Math.max(0, prefix - i * 16))
      return (bits === 0 ? 0 : g & (0xffff << (16 - bits)) & 0xffff).toString(16)
    })
    .join(':')
    .replace(/(^|:)0(:0)+(:|$)/, '::')
}
