/**
 * The simulated camera's ONVIF device and media services (Profile S subset): turns one SOAP
 * request into one SOAP reply, applying authentication and the configured quirks. Networking lives
 * in camera.ts.
 */
import {checkUsernameToken, type Credentials, faultBody, NS} from '../soap.js'
import {child, esc, parseXml, XmlError, type XmlNode} from '../xml.js'
import type {Quirks} from './quirks.js'
import type {VendorProfile} from './vendors.js'

export interface StreamProfile {
  token: string
  name: string
  width: number
  height: number
  fps: number
  bitrateKbps: number
  rtspUri: string
}

export interface DeviceIdentity {
  name: string
  vendor: VendorProfile
  serial: string
  mac: string
  host: string
  deviceUrl: string
  mediaUrl: string
  snapshotUrl: string
  profiles: StreamProfile[]
  scopes: string[]
}

export interface ServiceContext {
  identity: DeviceIdentity
  credentials: Credentials | null
  quirks: Quirks
  /** Device clock (skewed by the clock-skew quirk). */
  now(): Date
  seenNonces: Set<string>
}

export interface SoapReply {
  status: number
  body: string
}

/** ONVIF lets these run before authentication (a client needs the time to build a token). */
const PRE_AUTH = new Set(['GetSystemDateAndTime', 'GetCapabilities', 'GetServices', 'GetServiceCapabilities', 'GetEndpointReference', 'GetWsdlUrl'])
const MAX_SKEW_MS = 5 * 60_000

interface Prefixes {
  env: string
  tds: string
  trt: string
  tt: string
}
const PLAIN: Prefixes = {env: 's', tds: 'tds', trt: 'trt', tt: 'tt'}
const QUIRKY: Prefixes = {env: 'SOAP-ENV', tds: 'ns4', trt: 'ns9', tt: 'ns2'}
/** Declarations real firmware carries without using them. */
const EXTRA_NAMESPACES =
  ' xmlns:SOAP-ENC="http://www.w3.org/2003/05/soap-encoding" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:hikwsd="http://www.onvifext.com/onvif/ext/ver10/wsdl" xmlns:hikxsd="http://www.onvifext.com/onvif/ext/ver10/schema" xmlns:tev="http://www.onvif.org/ver10/events/wsdl"'

export function handleSoap(requestXml: string, ctx: ServiceContext): SoapReply {
  const p = ctx.quirks.namespaces ? QUIRKY : PLAIN
  const wrap = (body: string, status = 200, broken = ctx.quirks.malformedXml): SoapReply => {
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?><${p.env}:Envelope xmlns:${p.env}="${NS.soap}" xmlns:${p.tds}="${NS.tds}" xmlns:${p.trt}="${NS.trt}" xmlns:${p.tt}="${NS.tt}" xmlns:ter="${NS.ter}"` +
      `${ctx.quirks.namespaces ? EXTRA_NAMESPACES : ''}><${p.env}:Header/><${p.env}:Body>${body}</${p.env}:Body></${p.env}:Envelope>`
    // A firmware bug: a truncated reply with a stray, unescaped ampersand.
    return {status, body: broken ? xml.slice(0, Math.floor(xml.length * 0.6)).replace('<', '<& ') : xml}
  }
  const fault = (subcode: string, reason: string, status = 400) => wrap(faultBody({code: `${p.env}:Sender`, subcode, reason}).replace(/<s:/g, `<${p.env}:`).replace(/<\/s:/g, `</${p.env}:`), status)

  let doc: XmlNode
  try {
    doc = parseXml(requestXml)
  } catch (error) {
    return fault('ter:WellFormed', (error as XmlError).message)
  }
  const body = child(doc, 'Envelope', 'Body')
  const action = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body).find((k) => !k.startsWith('@')) : undefined
  if (!action) return fault('ter:WellFormed', 'no SOAP body')

  if (ctx.credentials && !PRE_AUTH.has(action)) {
    const check = checkUsernameToken(doc, ctx.credentials, ctx.now().getTime(), MAX_SKEW_MS, ctx.seenNonces)
    if (check !== 'ok') return fault('ter:NotAuthorized', check === 'stale' ? 'Sender not Authorized: token Created outside the device clock window' : 'Sender not Authorized')
  }
  const request = (body as XmlNode)[action]
  const build = ACTIONS[action]
  if (!build) return fault('ter:ActionNotSupported', `${action} is not supported`, 400)
  const result = build(ctx, p, request)
  return typeof result === 'string' ? wrap(result, 200, ctx.quirks.malformedXml || (ctx.quirks.malformedDeviceInfo && action === 'GetDeviceInformation')) : fault(result.subcode, result.reason)
}

type Action = (ctx: ServiceContext, p: Prefixes, request: XmlNode[string] | undefined) => string | {subcode: string; reason: string}

const vendorExtension = (ctx: ServiceContext, p: Prefixes) => (ctx.quirks.namespaces ? `<${p.tt}:Extension><hikxsd:Vendor>${esc(ctx.identity.vendor.manufacturer)}</hikxsd:Vendor></${p.tt}:Extension>` : '')

function profileXml(profile: StreamProfile, p: Prefixes): string {
  const {tt} = p
  return (
    `<${p.trt}:Profiles token="${profile.token}" fixed="true"><${tt}:Name>${esc(profile.name)}</${tt}:Name>` +
    `<${tt}:VideoSourceConfiguration token="VideoSourceConfig_1"><${tt}:Name>VideoSourceConfig</${tt}:Name><${tt}:UseCount>2</${tt}:UseCount><${tt}:SourceToken>VideoSource_1</${tt}:SourceToken><${tt}:Bounds x="0" y="0" width="${profile.width}" height="${profile.height}"/></${tt}:VideoSourceConfiguration>` +
    `<${tt}:VideoEncoderConfiguration token="VideoEncoder_${profile.token}"><${tt}:Name>${esc(profile.name)}</${tt}:Name><${tt}:UseCount>1</${tt}:UseCount><${tt}:Encoding>H264</${tt}:Encoding>` +
    `<${tt}:Resolution><${tt}:Width>${profile.width}</${tt}:Width><${tt}:Height>${profile.height}</${tt}:Height></${tt}:Resolution><${tt}:Quality>5</${tt}:Quality>` +
    `<${tt}:RateControl><${tt}:FrameRateLimit>${profile.fps}</${tt}:FrameRateLimit><${tt}:EncodingInterval>1</${tt}:EncodingInterval><${tt}:BitrateLimit>${profile.bitrateKbps}</${tt}:BitrateLimit></${tt}:RateControl>` +
    `<${tt}:H264><${tt}:GovLength>${profile.fps}</${tt}:GovLength><${tt}:H264Profile>Baseline</${tt}:H264Profile></${tt}:H264>` +
    `<${tt}:SessionTimeout>PT60S</${tt}:SessionTimeout></${tt}:VideoEncoderConfiguration></${p.trt}:Profiles>`
  )
}

function findProfile(ctx: ServiceContext, request: XmlNode[string] | undefined): StreamProfile | {subcode: string; reason: string} {
  const token = typeof request === 'object' && !Array.isArray(request) ? request.ProfileToken : undefined
  const profile = ctx.identity.profiles.find((pr) => pr.token === token)
  return profile ?? {subcode: 'ter:NoProfile', reason: `no profile with token ${String(token)}`}
}

function mediaUri(uri: string, p: Prefixes): string {
  return `<${p.trt}:MediaUri><${p.tt}:Uri>${esc(uri)}</${p.tt}:Uri><${p.tt}:InvalidAfterConnect>false</${p.tt}:InvalidAfterConnect><${p.tt}:InvalidAfterReboot>false</${p.tt}:InvalidAfterReboot><${p.tt}:Timeout>PT0S</${p.tt}:Timeout></${p.trt}:MediaUri>`
}

const ACTIONS: Record<string, Action> = {
  GetSystemDateAndTime: (ctx, {tds, tt}) => {
    const d = ctx.now()
    return (
      `<${tds}:GetSystemDateAndTimeResponse><${tds}:SystemDateAndTime><${tt}:DateTimeType>Manual</${tt}:DateTimeType><${tt}:DaylightSavings>false</${tt}:DaylightSavings><${tt}:TimeZone><${tt}:TZ>UTC0</${tt}:TZ></${tt}:TimeZone>` +
      `<${tt}:UTCDateTime><${tt}:Time><${tt}:Hour>${d.getUTCHours()}</${tt}:Hour><${tt}:Minute>${d.getUTCMinutes()}</${tt}:Minute><${tt}:Second>${d.getUTCSeconds()}</${tt}:Second></${tt}:Time>` +
      `<${tt}:Date><${tt}:Year>${d.getUTCFullYear()}</${tt}:Year><${tt}:Month>${d.getUTCMonth() + 1}</${tt}:Month><${tt}:Day>${d.getUTCDate()}</${tt}:Day></${tt}:Date></${tt}:UTCDateTime>` +
      `</${tds}:SystemDateAndTime></${tds}:GetSystemDateAndTimeResponse>`
    )
  },
  GetDeviceInformation: (ctx, {tds}) => {
    const {vendor, serial, mac} = ctx.identity
    return (
      `<${tds}:GetDeviceInformationResponse><${tds}:Manufacturer>${esc(vendor.manufacturer)}</${tds}:Manufacturer><${tds}:Model>${esc(vendor.model)}</${tds}:Model>` +
      `<${tds}:FirmwareVersion>${esc(vendor.firmware)}</${tds}:FirmwareVersion><${tds}:SerialNumber>${esc(serial)}</${tds}:SerialNumber><${tds}:HardwareId>${esc(mac.replace(/:/g, ''))}</${tds}:HardwareId></${tds}:GetDeviceInformationResponse>`
    )
  },
  GetCapabilities: (ctx, p) => {
    const {tds, tt} = p
    return (
      `<${tds}:GetCapabilitiesResponse><${tds}:Capabilities>` +
      `<${tt}:Device><${tt}:XAddr>${esc(ctx.identity.deviceUrl)}</${tt}:XAddr></${tt}:Device>` +
      `<${tt}:Media><${tt}:XAddr>${esc(ctx.identity.mediaUrl)}</${tt}:XAddr><${tt}:StreamingCapabilities><${tt}:RTPMulticast>false</${tt}:RTPMulticast><${tt}:RTP_TCP>true</${tt}:RTP_TCP><${tt}:RTP_RTSP_TCP>true</${tt}:RTP_RTSP_TCP></${tt}:StreamingCapabilities></${tt}:Media>` +
      `${vendorExtension(ctx, p)}</${tds}:Capabilities></${tds}:GetCapabilitiesResponse>`
    )
  },
  GetServices: (ctx, {tds}) => {
    const service = (namespace: string, url: string) =>
      `<${tds}:Service><${tds}:Namespace>${namespace}</${tds}:Namespace><${tds}:XAddr>${esc(url)}</${tds}:XAddr><${tds}:Version><tt:Major xmlns:tt="${NS.tt}">2</tt:Major><tt:Minor xmlns:tt="${NS.tt}">60</tt:Minor></${tds}:Version></${tds}:Service>`
    return `<${tds}:GetServicesResponse>${service(NS.tds, ctx.identity.deviceUrl)}${service(NS.trt, ctx.identity.mediaUrl)}</${tds}:GetServicesResponse>`
  },
  GetNetworkInterfaces: (ctx, {tds, tt}) =>
    `<${tds}:GetNetworkInterfacesResponse><${tds}:NetworkInterfaces token="eth0"><${tt}:Enabled>true</${tt}:Enabled><${tt}:Info><${tt}:Name>eth0</${tt}:Name><${tt}:HwAddress>${ctx.identity.mac}</${tt}:HwAddress><${tt}:MTU>1500</${tt}:MTU></${tt}:Info>` +
    `<${tt}:IPv4><${tt}:Enabled>true</${tt}:Enabled><${tt}:Config><${tt}:Manual><${tt}:Address>${ctx.identity.host}</${tt}:Address><${tt}:PrefixLength>24</${tt}:PrefixLength></${tt}:Manual><${tt}:DHCP>false</${tt}:DHCP></${tt}:Config></${tt}:IPv4>` +
    `</${tds}:NetworkInterfaces></${tds}:GetNetworkInterfacesResponse>`,
  GetScopes: (ctx, {tds, tt}) =>
    `<${tds}:GetScopesResponse>${ctx.identity.scopes.map((s) => `<${tds}:Scopes><${tt}:ScopeDef>Fixed</${tt}:ScopeDef><${tt}:ScopeItem>${esc(s)}</${tt}:ScopeItem></${tds}:Scopes>`).join('')}</${tds}:GetScopesResponse>`,
  GetProfiles: (ctx, p) => `<${p.trt}:GetProfilesResponse>${ctx.identity.profiles.map((pr) => profileXml(pr, p)).join('')}</${p.trt}:GetProfilesResponse>`,
  GetVideoSources: (ctx, {trt, tt}) => {
    const main = ctx.identity.profiles[0]!
    return `<${trt}:GetVideoSourcesResponse><${trt}:VideoSources token="VideoSource_1"><${tt}:Framerate>${main.fps}</${tt}:Framerate><${tt}:Resolution><${tt}:Width>${main.width}</${tt}:Width><${tt}:Height>${main.height}</${tt}:Height></${tt}:Resolution></${trt}:VideoSources></${trt}:GetVideoSourcesResponse>`
  },
  GetStreamUri: (ctx, p, request) => {
    const profile = findProfile(ctx, request)
    return 'token' in profile ? `<${p.trt}:GetStreamUriResponse>${mediaUri(profile.rtspUri, p)}</${p.trt}:GetStreamUriResponse>` : profile
  },
  GetSnapshotUri: (ctx, p, request) => {
    const profile = findProfile(ctx, request)
    return 'token' in profile ? `<${p.trt}:GetSnapshotUriResponse>${mediaUri(ctx.identity.snapshotUrl, p)}</${p.trt}:GetSnapshotUriResponse>` : profile
  },
}
