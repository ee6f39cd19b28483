/**
 * IPv4 subnets for the unicast sweep. Dotted quads and CIDR prefixes are simple enough that a few
 * lines beat a dependency; only IPv4 is swept, since camera subnets are IPv4 in practice and an
 * IPv6 /64 cannot be swept at all.
 */
import {usageError} from '../errors.js'

export const MAX_SWEEP_HOSTS = 4096

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.')
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0)
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.')
}

/** Host addresses of a CIDR block (without network and broadcast addresses for prefixes up to /30). */
export function cidrHosts(cidr: string): string[] {
  const [base, prefixText = '32'] = cidr.trim().split('/')
  const address = parseIpv4(base ?? '')
  const prefix = Number(prefixText)
  if (address === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw usageError(`--subnet ${cidr} is not an IPv4 CIDR block`, 'Write it like 192.168.1.0/24.')
  const size = 2 ** (32 - prefix)
  if (size > MAX_SWEEP_HOSTS * 2) throw usageError(`--subnet ${cidr} has ${size} addresses; the sweep takes at most ${MAX_SWEEP_HOSTS}`, 'Sweep the camera VLAN (usually a /24) instead of the whole network.')
  const network = address - (address % size)
  const hosts: string[] = []
  const skipEnds = prefix <= 30 ? 1 : 0
  for (let v = network + skipEnds; v < network + size - skipEnds; v++) hosts.push(formatIpv4(v))
  return hosts
}

export function isLinkLocal(host: string): boolean {
  return /^169\.254\./.test(host) || /^\[?fe80:/i.test(host)
}

export interface HostTarget {
  host: string
  /** The ONVIF HTTP port when given (`10.0.0.5:8081`); without it the usual ports are checked. */
  port?: number
}

/** `10.0.0.5` or `10.0.0.5:8081`, for `--hosts`. */
export function parseHostTarget(text: string): HostTarget {
  const [host = '', portText] = text.trim().split(':')
  const port = portText === undefined ? undefined : Number(portText)
  if (parseIpv4(host) === undefined || (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)))
    throw usageError(`--hosts ${text}: expected an IPv4 address with an optional ONVIF port`, 'Write it like 192.168.1.20 or 127.0.0.1:10000.')
  return {host, port}
}
