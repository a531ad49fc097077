import { BlockList, isIP, type Server } from 'node:net'
import type { Socket } from 'node:net'
import { addressKey } from './client-address'

/**
 * Caps the connections one client address (an IPv6 client by its /64, see client-address.ts)
 * may hold open at once: past `max`, a new connection is closed before TLS starts. Slow clients
 * that open connections and never finish a request would otherwise tie up the server's sockets
 * until the timeouts cut each one. Connections from a trusted proxy (TRUST_PROXY) are not
 * capped: every client behind it shares its address; the proxy enforces its own limits.
 */
export function limitConnectionsPerAddress(
  server: Server,
  max: number,
  trustedProxies: string[],
): void {
  const trusted = blockListOf(trustedProxies)
  const open = new Map<string, number>()
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress
    if (!address) return socket.destroy()
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    if (trusted.check(address, family)) return
    const key = addressKey(address)
    const count = open.get(key) ?? 0
    if (count >= max) return socket.destroy()
    open.set(key, count + 1)
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1
      if (left > 0) open.set(key, left)
      else open.delete(key)
    })
  })
}

/** TRUST_PROXY's addresses and ranges as a BlockList (settings.ts has checked each entry). */
export function blockListOf(entries: string[]): BlockList {
  const list = new BlockList()
  for (const entry of entries) {
    const [address, prefix] = entry.split('/')
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    if (prefix === undefined) list.addAddress(address, family)
    else list.addSubnet(address, Number(prefix), family)
  }
  return list
}
