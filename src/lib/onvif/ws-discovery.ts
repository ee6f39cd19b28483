/**
 * WS-Discovery (2005/04, as ONVIF mandates) messages: Probe, ProbeMatches, Hello and Bye, built
 * and read here for both the scanner and the simulator.
 */
import {randomUUID} from 'node:crypto'

import {NS} from './soap.js'
import {child, children, esc, text, type XmlNode, type XmlValue, parseXml} from './xml.js'

export const DISCOVERY_PORT = 3702
export const MULTICAST_GROUP = '239.255.255.250'
const TO_DISCOVERY = 'urn:schemas-xmlsoap-org:ws:2005:04:discovery'

/** The two types a scanner probes for; cameras answer both, some only one. */
export type ProbeType = 'dn:NetworkVideoTransmitter' | 'tds:Device'
export const PROBE_TYPES: ProbeType[] = ['dn:NetworkVideoTransmitter', 'tds:Device']

export const newMessageId = (): string => `urn:uuid:${randomUUID()}`

function envelope(action: string, header: string, body: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${NS.soap}" xmlns:a="${NS.wsa}" xmlns:d="${NS.wsd}" xmlns:dn="${NS.dn}" xmlns:tds="${NS.tds}">` +
    `<s:Header><a:Action s:mustUnderstand="1">${NS.wsd}/${action}</a:Action>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`
  )
}

export function probeMessage(messageId: string, type: ProbeType): string {
  return envelope('Probe', `<a:MessageID>${messageId}</a:MessageID><a:To s:mustUnderstand="1">${TO_DISCOVERY}</a:To>`, `<d:Probe><d:Types>${type}</d:Types></d:Probe>`)
}

export interface DiscoveryEndpoint {
  /** Endpoint reference, normally `urn:uuid:…`; stable across reboots and address changes. */
  endpoint: string
  types: string[]
  scopes: string[]
  xaddrs: string[]
  metadataVersion: number
}

function endpointXml(e: DiscoveryEndpoint): string {
  return (
    `<a:EndpointReference><a:Address>${esc(e.endpoint)}</a:Address></a:EndpointReference>` +
    `<d:Types>${esc(e.types.join(' '))}</d:Types><d:Scopes>${esc(e.scopes.join(' '))}</d:Scopes>` +
    `<d:XAddrs>${esc(e.xaddrs.join(' '))}</d:XAddrs><d:MetadataVersion>${e.metadataVersion}</d:MetadataVersion>`
  )
}

export function probeMatchesMessage(relatesTo: string, e: DiscoveryEndpoint): string {
  const header = `<a:MessageID>${newMessageId()}</a:MessageID><a:RelatesTo>${esc(relatesTo)}</a:RelatesTo><a:To s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>`
  return envelope('ProbeMatches', header, `<d:ProbeMatches><d:ProbeMatch>${endpointXml(e)}</d:ProbeMatch></d:ProbeMatches>`)
}

export function helloMessage(e: DiscoveryEndpoint): string {
  return envelope('Hello', `<a:MessageID>${newMessageId()}</a:MessageID><a:To s:mustUnderstand="1">${TO_DISCOVERY}</a:To>`, `<d:Hello>${endpointXml(e)}</d:Hello>`)
}

export function byeMessage(e: DiscoveryEndpoint): string {
  const body = `<d:Bye><a:EndpointReference><a:Address>${esc(e.endpoint)}</a:Address></a:EndpointReference></d:Bye>`
  return envelope('Bye', `<a:MessageID>${newMessageId()}</a:MessageID><a:To s:mustUnderstand="1">${TO_DISCOVERY}</a:To>`, body)
}

export interface DiscoveryMessage {
  action: 'Probe' | 'ProbeMatches' | 'Hello' | 'Bye' | 'other'
  messageId?: string
  relatesTo?: string
  /** For a Probe: the local names of the requested types (empty = any). */
  probeTypes: string[]
  /** For ProbeMatches, Hello and Bye. */
  endpoints: DiscoveryEndpoint[]
}

const words = (value: string | undefined) => (value ?? '').split(/\s+/).filter(Boolean)
/** `dn:NetworkVideoTransmitter` → `NetworkVideoTransmitter`; prefixes differ between vendors. */
export const localName = (qname: string): string => qname.slice(qname.lastIndexOf(':') + 1)

function readEndpoint(node: XmlValue): DiscoveryEndpoint {
  return {
    endpoint: text(node, 'EndpointReference', 'Address') ?? '',
    types: words(text(node, 'Types')),
    scopes: words(text(node, 'Scopes')),
    xaddrs: words(text(node, 'XAddrs')),
    metadataVersion: Number(text(node, 'MetadataVersion') ?? 0) || 0,
  }
}

/** Reads any WS-Discovery datagram; throws XmlError on malformed or oversized XML. */
export function parseDiscoveryMessage(xml: string): DiscoveryMessage {
  const doc: XmlNode = parseXml(xml)
  const header = child(doc, 'Envelope', 'Header')
  const body = child(doc, 'Envelope', 'Body')
  const actionUri = text(header, 'Action') ?? ''
  const bodyKeys = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : []
  const known = ['ProbeMatches', 'Probe', 'Hello', 'Bye'] as const
  const action = known.find((a) => actionUri.endsWith('/' + a) || bodyKeys.includes(a)) ?? 'other'
  const endpoints =
    action === 'ProbeMatches' ? children(body, 'ProbeMatches', 'ProbeMatch').map(readEndpoint) : action === 'Hello' || action === 'Bye' ? children(body, action).map(readEndpoint) : []
  return {
    action,
    messageId: text(header, 'MessageID'),
    relatesTo: text(header, 'RelatesTo'),
    probeTypes: action === 'Probe' ? words(text(body, 'Probe', 'Types')).map(localName) : [],
    endpoints,
  }
}

/** Whether a device with `types` answers a Probe for `wanted` (local names; empty = any). */
export function matchesProbe(types: string[], wanted: string[]): boolean {
  const have = new Set(types.map(localName))
  return wanted.every((w) => have.has(w))
}

/** Cameras announce NetworkVideoTransmitter, or say so in their ONVIF scopes. */
export function looksLikeCamera(e: Pick<DiscoveryEndpoint, 'types' | 'scopes'>): boolean {
  if (e.types.some((t) => localName(t) === 'NetworkVideoTransmitter')) return true
  return e.scopes.some((s) => /onvif:\/\/www\.onvif\.org\/(type\/(video_encoder|Network_?Video_?Transmitter|ptz)|Profile\/(Streaming|S|T)\b)/i.test(s))
}

/** The value of an ONVIF scope such as `onvif://www.onvif.org/name/Front%20Door`. */
export function scopeValue(scopes: string[], key: 'name' | 'hardware' | 'location' | 'MAC'): string | undefined {
  const prefix = `onvif://www.onvif.org/${key}/`
  const found = scopes.find((s) => s.toLowerCase().startsWith(prefix.toLowerCase()))
  if (!found) return undefined
  try {
    return decodeURIComponent(found.slice(prefix.length))
  } catch {
    return found.slice(prefix.length)
  }
}
