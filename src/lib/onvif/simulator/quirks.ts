/** Firmware habits seen in the field, which the simulator can reproduce on demand. */
import {usageError} from '../../errors.js'

export interface Quirks {
  /** Unusual prefixes (`SOAP-ENV:`, `ns2:`…), unused namespace declarations and vendor extension elements. */
  namespaces?: boolean
  /** The device clock runs this many seconds off; WS-Security tokens must use device time. */
  clockSkewSeconds?: number
  /** Every SOAP reply and ProbeMatch waits this long. */
  slowMs?: number
  /** Each ProbeMatch is sent twice. */
  duplicateMatches?: boolean
  /** SOAP replies are broken XML. */
  malformedXml?: boolean
  /** Only the (authenticated) GetDeviceInformation reply is broken XML; everything else works. */
  malformedDeviceInfo?: boolean
  /** SOAP requests are accepted and never answered. */
  noReply?: boolean
}

export const QUIRK_NAMES = ['namespaces', 'clock-skew', 'slow', 'duplicate-matches', 'malformed-xml', 'malformed-device-info', 'no-reply'] as const

/** Parses `clock-skew=600,slow=2000,namespaces`; values are seconds for clock-skew and ms for slow. */
export function parseQuirks(list: string[]): Quirks {
  const quirks: Quirks = {}
  for (const item of list.flatMap((l) => l.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const [name, raw] = item.split('=')
    const value = raw === undefined ? undefined : Number(raw)
    if (raw !== undefined && !Number.isFinite(value)) throw usageError(`--quirks ${item}: the value must be a number`)
    switch (name) {
      case 'namespaces':
        quirks.namespaces = true
        break
      case 'clock-skew':
        quirks.clockSkewSeconds = value ?? 7 * 60
        break
      case 'slow':
        quirks.slowMs = value ?? 1500
        break
      case 'duplicate-matches':
        quirks.duplicateMatches = true
        break
      case 'malformed-xml':
        quirks.malformedXml = true
        break
      case 'malformed-device-info':
        quirks.malformedDeviceInfo = true
        break
      case 'no-reply':
        quirks.noReply = true
        break
      default:
        throw usageError(`unknown quirk "${name}"`, `Use any of: ${QUIRK_NAMES.join(', ')}.`)
    }
  }
  return quirks
}
