import { isIP } from 'node:net'

/**
 * The key a client's address is counted under by every per-address limit (requests, admin
 * sign-ins, error reports, open connections).
 *
 * - IPv4 `203.0.113.7`: the address itself.
 * - IPv4-mapped IPv6 `::ffff:203.0.113.7`: the IPv4 address it carries (`203.0.113.7`), so a
 *   dual-stack socket counts it with the same address seen over IPv4.
 * - Any other IPv6 address: its /64, e.g. `2001:db8:1:2::/64`. One subscriber, one home router or
 *   one cloud machine is given a whole /64 and can use any of its 2^64 addresses: counted one by
 *   one, each address would get a budget of its own.
 *
 * Anything that is not an IP address (it cannot come from a socket) is returned unchanged.
 */
export function addressKey(address: string): string {
  const withoutZone = address.split('%')[0]
  const version = isIP(withoutZone)
  if (version === 4) return withoutZone
  if (version !== 6) return address
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(withoutZone)
  if (mapped) return mapped[1]
  const groups = ipv6Groups(withoutZone)
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail read). */
function ipv6Groups(address: string): number[] {
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)]
          const [a, b, c, d] = group.split('.').map(Number)
          return [(a << 8) | b, (c << 8) | d]
        })
  const [head, tail] = address.split('::')
  if (tail === undefined) return parse(head)
  const headGroups = parse(head)
  const tailGroups = parse(tail)
  const zeros = new Array<number>(8 - headGroups.length - tailGroups.length).fill(0)
  return [...headGroups, ...zeros, ...tailGroups]
}
