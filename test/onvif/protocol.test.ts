import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {credentialsFor, readCredentialsFile} from '../../src/lib/onvif/credentials.js'
import {pickXaddr} from '../../src/lib/onvif/discovery.js'
import {cidrHosts} from '../../src/lib/onvif/ipv4.js'
import {parseQuirks} from '../../src/lib/onvif/simulator/quirks.js'
import {checkUsernameToken, envelope, usernameToken} from '../../src/lib/onvif/soap.js'
import {looksLikeCamera, parseDiscoveryMessage, probeMatchesMessage, probeMessage, scopeValue} from '../../src/lib/onvif/ws-discovery.js'
import {MAX_XML_BYTES, parseXml, text} from '../../src/lib/onvif/xml.js'

const dir = mkdtempSync(join(tmpdir(), 'rtcc-onvif-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('XML from the network', () => {
  it('drops namespace prefixes and decodes the predefined entities', () => {
    const doc = parseXml('<SOAP-ENV:Envelope xmlns:SOAP-ENV="x"><SOAP-ENV:Body><ns2:Uri xmlns:ns2="y">rtsp://h/a?b=1&amp;c=2</ns2:Uri></SOAP-ENV:Body></SOAP-ENV:Envelope>')
    expect(text(doc, 'Envelope', 'Body', 'Uri')).toBe('rtsp://h/a?b=1&c=2')
  })

  it('refuses DTDs (no XXE, no billion laughs)', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    const bomb = '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>'
    expect(() => parseXml(xxe)).toThrow(/DTD refused/)
    expect(() => parseXml(bomb)).toThrow(/DTD refused/)
  })

  it('refuses oversized, too deep and malformed documents', () => {
    expect(() => parseXml('<a>' + 'x'.repeat(MAX_XML_BYTES) + '</a>')).toThrow(/too large/)
    expect(() => parseXml('<a>'.repeat(200) + '</a>'.repeat(200))).toThrow(/malformed XML/)
    expect(() => parseXml('<Envelope><Body></Envelope>')).toThrow(/malformed XML/)
  })
})

describe('WS-Security UsernameToken', () => {
  const creds = {user: 'admin', password: 'secret'}
  const request = (created: Date, c = creds) => parseXml(envelope('<GetDeviceInformation/>', usernameToken(c, created)))

  it('accepts a digest made with the device clock and rejects a replay', () => {
    const seen = new Set<string>()
    const doc = request(new Date())
    expect(checkUsernameToken(doc, creds, Date.now(), 300_000, seen)).toBe('ok')
    expect(checkUsernameToken(doc, creds, Date.now(), 300_000, seen)).toBe('rejected')
  })

  it('rejects a wrong password, and a token stamped far from the device clock', () => {
    expect(checkUsernameToken(request(new Date(), {user: 'admin', password: 'guess'}), creds, Date.now(), 300_000)).toBe('rejected')
    expect(checkUsernameToken(request(new Date()), creds, Date.now() + 10 * 60_000, 300_000)).toBe('stale')
    expect(checkUsernameToken(parseXml(envelope('<X/>')), creds, Date.now(), 300_000)).toBe('missing')
  })
})

describe('WS-Discovery messages', () => {
  const endpoint = {endpoint: 'urn:uuid:1', types: ['dn:NetworkVideoTransmitter'], scopes: ['onvif://www.onvif.org/name/Front%20Door', 'onvif://www.onvif.org/hardware/X1'], xaddrs: ['http://10.0.0.5/onvif/device_service'], metadataVersion: 1}

  it('round-trips a Probe and a ProbeMatch, matched by RelatesTo', () => {
    const probe = parseDiscoveryMessage(probeMessage('urn:uuid:p1', 'dn:NetworkVideoTransmitter'))
    expect(probe).toMatchObject({action: 'Probe', messageId: 'urn:uuid:p1', probeTypes: ['NetworkVideoTransmitter']})
    const match = parseDiscoveryMessage(probeMatchesMessage('urn:uuid:p1', endpoint))
    expect(match.action).toBe('ProbeMatches')
    expect(match.relatesTo).toBe('urn:uuid:p1')
    expect(match.endpoints).toEqual([endpoint])
    expect(scopeValue(endpoint.scopes, 'name')).toBe('Front Door')
  })

  it('tells cameras from printers and PCs', () => {
    expect(looksLikeCamera(endpoint)).toBe(true)
    expect(looksLikeCamera({types: ['tds:Device'], scopes: ['onvif://www.onvif.org/type/video_encoder']})).toBe(true)
    expect(looksLikeCamera({types: ['wprt:PrintDeviceType'], scopes: []})).toBe(false)
    expect(looksLikeCamera({types: ['pub:Computer'], scopes: []})).toBe(false)
  })

  it('prefers the XAddr on the sender address and skips link-local ones', () => {
    const xaddrs = ['http://169.254.1.9/onvif/device_service', 'http://[fe80::1]/onvif/device_service', 'http://192.168.1.20/onvif/device_service', 'http://10.0.0.5/onvif/device_service']
    expect(pickXaddr(xaddrs, '10.0.0.5')).toBe('http://10.0.0.5/onvif/device_service')
    expect(pickXaddr(xaddrs, '10.9.9.9')).toBe('http://192.168.1.20/onvif/device_service')
    expect(pickXaddr(['http://169.254.1.9/x'], '10.0.0.5')).toBeUndefined()
  })
})

describe('sweep subnets', () => {
  it('lists the hosts of a block without network and broadcast addresses', () => {
    const hosts = cidrHosts('192.168.1.77/24')
    expect(hosts).toHaveLength(254)
    expect(hosts[0]).toBe('192.168.1.1')
    expect(hosts.at(-1)).toBe('192.168.1.254')
    expect(cidrHosts('10.0.0.5/32')).toEqual(['10.0.0.5'])
  })

  it('refuses bad and oversized blocks', () => {
    expect(() => cidrHosts('192.168.1/24')).toThrow(/not an IPv4 CIDR/)
    expect(() => cidrHosts('10.0.0.0/8')).toThrow(/at most/)
  })
})

describe('credentials file', () => {
  it('reads rows in order and applies host restrictions', async () => {
    const file = join(dir, 'creds.csv')
    writeFileSync(file, 'user,password,hosts\n# site default\nadmin,one,\nservice,two,10.1.2.0/24\n')
    const rows = await readCredentialsFile(file)
    expect(rows.map((r) => r.user)).toEqual(['admin', 'service'])
    expect(credentialsFor(rows, '10.1.2.9').map((r) => r.user)).toEqual(['admin', 'service'])
    expect(credentialsFor(rows, '10.1.3.9').map((r) => r.user)).toEqual(['admin'])
  })

  it('names the row and field of a bad row', async () => {
    const file = join(dir, 'bad.csv')
    writeFileSync(file, 'user,password,hosts\nadmin,one,\n,two,\n')
    await expect(readCredentialsFile(file)).rejects.toMatchObject({where: `${file}:3:user`})
    writeFileSync(file, 'user,password,hosts\nadmin,one,10.1.2\n')
    await expect(readCredentialsFile(file)).rejects.toMatchObject({where: `${file}:2:hosts`})
  })
})

describe('simulator quirks', () => {
  it('parses names with optional values and rejects unknown ones', () => {
    expect(parseQuirks(['clock-skew=600,namespaces', 'slow'])).toEqual({clockSkewSeconds: 600, namespaces: true, slowMs: 1500})
    expect(parseQuirks(['clock-skew'])).toEqual({clockSkewSeconds: 420})
    expect(() => parseQuirks(['flaky'])).toThrow(/unknown quirk "flaky"/)
  })
})
