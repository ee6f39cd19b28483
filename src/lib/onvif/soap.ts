/**
 * SOAP 1.2 envelopes as ONVIF uses them, and WS-Security UsernameToken with PasswordDigest
 * (Base64(SHA-1(nonce + created + password))), both for our client and for the simulator.
 */
import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'

import {attr, child, esc, text, type XmlNode} from './xml.js'

export const NS = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  wsa: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  wsd: 'http://schemas.xmlsoap.org/ws/2005/04/discovery',
  dn: 'http://www.onvif.org/ver10/network/wsdl',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  ter: 'http://www.onvif.org/ver10/error',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
} as const

const PASSWORD_DIGEST = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest'

export interface Credentials {
  user: string
  password: string
}

export function envelope(body: string, header = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${NS.soap}" xmlns:tds="${NS.tds}" xmlns:trt="${NS.trt}" xmlns:tt="${NS.tt}"><s:Header>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`
}

export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1').update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')])).digest('base64')
}

/** The Security header; `created` must be the device's clock, not ours (see clock skew). */
export function usernameToken(credentials: Credentials, created: Date): string {
  const nonce = randomBytes(16)
  const createdText = created.toISOString().replace(/\.\d{3}Z$/, 'Z')
  return (
    `<wsse:Security s:mustUnderstand="1" xmlns:wsse="${NS.wsse}" xmlns:wsu="${NS.wsu}"><wsse:UsernameToken>` +
    `<wsse:Username>${esc(credentials.user)}</wsse:Username>` +
    `<wsse:Password Type="${PASSWORD_DIGEST}">${passwordDigest(nonce, createdText, credentials.password)}</wsse:Password>` +
    `<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">${nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${createdText}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  )
}

export type TokenCheck = 'ok' | 'missing' | 'rejected' | 'stale'

/** Verifies a request's UsernameToken against the device clock `now`, within `maxSkewMs`. */
export function checkUsernameToken(doc: XmlNode, credentials: Credentials, now: number, maxSkewMs: number, seenNonces?: Set<string>): TokenCheck {
  const token = child(doc, 'Envelope', 'Header', 'Security', 'UsernameToken')
  if (!token) return 'missing'
  const user = text(token, 'Username')
  const password = text(token, 'Password')
  const nonce = text(token, 'Nonce') ?? ''
  const created = text(token, 'Created') ?? ''
  if (user !== credentials.user || !password) return 'rejected'
  const isDigest = (attr(child(token, 'Password'), 'Type') ?? PASSWORD_DIGEST).endsWith('#PasswordDigest')
  const expected = isDigest ? passwordDigest(Buffer.from(nonce, 'base64'), created, credentials.password) : credentials.password
  const a = Buffer.from(expected)
  const b = Buffer.from(password)
  if (a.length !== b.length || !timingSafeEqual(a, b)) return 'rejected'
  if (isDigest) {
    const createdMs = Date.parse(created)
    if (!Number.isFinite(createdMs) || Math.abs(createdMs - now) > maxSkewMs) return 'stale'
    if (seenNonces) {
      if (seenNonces.has(nonce)) return 'rejected'
      if (seenNonces.size > 1000) seenNonces.clear()
      seenNonces.add(nonce)
    }
  }
  return 'ok'
}

export interface SoapFault {
  code: string
  subcode?: string
  reason: string
}

export function faultBody(fault: SoapFault): string {
  const subcode = fault.subcode ? `<s:Subcode><s:Value>${esc(fault.subcode)}</s:Value></s:Subcode>` : ''
  return `<s:Fault xmlns:ter="${NS.ter}"><s:Code><s:Value>${esc(fault.code)}</s:Value>${subcode}</s:Code><s:Reason><s:Text xml:lang="en">${esc(fault.reason)}</s:Text></s:Reason></s:Fault>`
}

/** The fault in a response document, if any (code values keep their prefixes, e.g. `ter:NotAuthorized`). */
export function readFault(doc: XmlNode): SoapFault | undefined {
  const fault = child(doc, 'Envelope', 'Body', 'Fault')
  if (!fault) return undefined
  return {
    code: text(fault, 'Code', 'Value') ?? text(fault, 'faultcode') ?? 'unknown',
    subcode: text(fault, 'Code', 'Subcode', 'Value'),
    reason: text(fault, 'Reason', 'Text') ?? text(fault, 'faultstring') ?? '',
  }
}

export function isAuthFault(fault: SoapFault): boolean {
  return /NotAuthorized|FailedAuthentication|InvalidSecurity|Unauthorized/i.test(`${fault.code} ${fault.subcode ?? ''} ${fault.reason}`)
}
