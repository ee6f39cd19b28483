/**
 * The `discovery.json` contract: what `rtcc discover -o` writes and `rtcc core provision --from` and
 * `rtcc registry import --format discovery` read. It never holds a password; stream URIs are as
 * the cameras report them, without credentials, and `user` names the account that worked.
 */
import {z} from 'zod'

import {RtccError} from '../errors.js'

import type {DiscoveryReport} from './discovery.js'

export const DISCOVERY_FORMAT = 'rtcc-discovery'

const profileSchema = z.object({
  token: z.string(),
  name: z.string().optional(),
  encoding: z.string().optional(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  fps: z.number().optional(),
  rtspUri: z.string().optional(),
  snapshotUri: z.string().optional(),
  /** Measured with ffprobe when the scan ran with --probe-streams. */
  stream: z.object({codec: z.string(), width: z.number().int(), height: z.number().int(), fps: z.number().nullable()}).optional(),
  streamError: z.string().optional(),
})

export const discoveredDeviceSchema = z.object({
  address: z.string(),
  endpointReference: z.string().optional(),
  deviceServiceUrl: z.string().optional(),
  name: z.string().optional(),
  manufacturer: z.string().optional(),
  model: z.string().optional(),
  firmware: z.string().optional(),
  serial: z.string().optional(),
  hardwareId: z.string().optional(),
  mac: z.string().optional(),
  kind: z.enum(['camera', 'other']),
  auth: z.enum(['ok', 'open', 'credentials_needed', 'credentials_rejected', 'unknown']),
  user: z.string().optional(),
  clockSkewSeconds: z.number().optional(),
  foundBy: z.array(z.enum(['multicast', 'unicast', 'http'])),
  scopes: z.array(z.string()),
  profiles: z.array(profileSchema),
  error: z.string().optional(),
})

export const discoveryFileSchema = z.object({
  format: z.literal(DISCOVERY_FORMAT),
  version: z.literal(1),
  generatedAt: z.string(),
  durationMs: z.number(),
  devices: z.array(discoveredDeviceSchema),
})

export type DiscoveryFile = z.infer<typeof discoveryFileSchema>
export type DiscoveryFileDevice = z.infer<typeof discoveredDeviceSchema>

export function toDiscoveryFile(report: DiscoveryReport): DiscoveryFile {
  return {
    format: DISCOVERY_FORMAT,
    version: 1,
    generatedAt: report.startedAt,
    durationMs: report.durationMs,
    devices: report.devices.map((d) =>
      discoveredDeviceSchema.parse({
        address: d.address,
        endpointReference: d.endpointReference,
        deviceServiceUrl: d.xaddr,
        name: d.name,
        manufacturer: d.manufacturer,
        model: d.model,
        firmware: d.firmware,
        serial: d.serial,
        hardwareId: d.hardwareId,
        mac: d.mac,
        kind: d.kind,
        auth: d.auth,
        user: d.user,
        clockSkewSeconds: d.clockSkewSeconds,
        foundBy: d.foundBy,
        scopes: d.scopes,
        profiles: d.profiles,
        error: d.error,
      }),
    ),
  }
}

/** Reads and validates a discovery file's text; errors name the device index and field. */
export function parseDiscoveryFile(text: string, where = 'discovery.json'): DiscoveryFile {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new RtccError(`not JSON: ${(error as Error).message}`, {code: 'invalid_file', where, hint: 'Pass the file written by `rtcc discover -o`.'})
  }
  const result = discoveryFileSchema.safeParse(json)
  if (!result.success) {
    const issue = result.error.issues[0]!
    throw new RtccError(`not a discovery file: ${issue.message}`, {code: 'invalid_file', where: `${where}:${issue.path.join('.') || '(root)'}`, hint: 'Pass the file written by `rtcc discover -o`.'})
  }
  return result.data
}
