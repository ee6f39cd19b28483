/**
 * The hot read commands (`whoami`, `registry near`, `dashboard`): their flags and what they do, free
 * of oclif, so that bin/run.js can run them without loading the framework (issue 16: a read command
 * should cost at most 3× a bare `node` start plus the server's time; oclif alone costs about that).
 * The oclif command classes take their flags from the same specs (base-command.ts oclifFlags) and
 * call the same functions, so `--help`, the manifest and the in-framework path stay identical; the
 * lean runner (lean-runner.ts) hands anything it does not fully understand to oclif.
 */
import type {WhoAmI} from '../domain/auth.js'
import type {JsonClient} from '../client/json-client.js'
import type {NearResult} from '../client/registry.js'
import {usageError} from '../errors.js'

export interface FlagSpec {
  kind: 'string' | 'integer'
  description: string
  char?: string
  required?: boolean
  multiple?: boolean
  default?: string | number
  min?: number
  max?: number
}

/** What a command sees of its surroundings: oclif's command object, or the lean runner. */
export interface CommandIo {
  /** --json given: data goes out as one JSON document (the run function's result). */
  json: boolean
  /** Human output only: silent under --json. */
  out(text: string): void
  /** Notes for humans, on stderr. */
  note(text: string): void
  jsonApi(): Promise<JsonClient>
}

export interface ReadCommand<Flags> {
  flags: Record<string, FlagSpec>
  /** Whether it takes the --json flag. */
  json: boolean
  run(io: CommandIo, flags: Flags): Promise<unknown>
}

export const whoamiCommand: ReadCommand<Record<string, never>> = {
  flags: {},
  json: true,
  async run(io) {
    const me = await (await io.jsonApi()).get<WhoAmI>('/v1/auth/whoami')
    const via = me.via === 'token' ? `API token "${me.tokenName}"` : 'session'
    io.out(`${me.user.username} (${me.role}) via ${via}, valid until ${new Date(me.expiresAt).toLocaleString()}`)
    return me
  },
}

export interface NearFlags {
  at: string
  radius: string
  limit: number
  type?: string[]
  when?: string
}

export const registryNearCommand: ReadCommand<NearFlags> = {
  flags: {
    at: {kind: 'string', description: 'The point: LAT,LON in decimal degrees.', required: true},
    radius: {kind: 'string', description: 'Search radius with a unit: 300m, 1.5km, 1000ft, 0.5mi.', required: true},
    limit: {kind: 'integer', char: 'n', description: 'At most this many cameras.', default: 100, min: 1, max: 10_000},
    type: {kind: 'string', description: 'Only these location types, comma-separated.', multiple: true},
    when: {kind: 'string', description: 'Incident time (ISO-8601, or 2h for two hours ago): says whether footage should still exist.'},
  },
  json: true,
  async run(io, flags): Promise<NearResult> {
    const [{nearCameras}, {renderNear}, api] = await Promise.all([import('../client/registry.js'), import('./registry.js'), io.jsonApi()])
    const result = await nearCameras(api, flags)
    io.out(renderNear(result.cameras, result.when !== null))
    if (result.cameras.length === 0) io.note(`no cameras within ${Math.round(result.radiusMetres)} m`)
    return result
  },
}

export interface DashboardFlags {
  'map-radius': string
  'since-id': number
}

export const dashboardCommand: ReadCommand<DashboardFlags> = {
  flags: {
    'map-radius': {kind: 'string', description: 'Radius of the camera map around a panic (m, km, ft, mi).', default: '500m'},
    'since-id': {kind: 'integer', description: 'Replay events after this id at start (0: all the server still holds).', min: 0, default: 0},
  },
  json: false,
  async run(io, flags) {
    const {canDraw} = await import('../../tui/can-draw.js')
    if (!canDraw())
      throw usageError('rtcc dashboard needs an interactive terminal', 'Run it in a terminal (not piped, CI unset); for a script, use `rtcc events tail --json`.')
    // React's development build times every render into performance marks, cloning props (10,000
    // alerts) each time: seconds per event. Set before Ink and React are first imported.
    process.env.NODE_ENV ??= 'production'
    // Ink and React take most of the start-up time: load them while the client connects.
    const [{parseDistance}, api, {apiDashboardSource}, {runDashboard}] = await Promise.all([
      import('../domain/units.js'),
      io.jsonApi(),
      import('../client/dashboard.js'),
      import('../../tui/run.js'),
    ])
    const mapRadiusMetres = parseDistance(flags['map-radius'], '--map-radius')
    await runDashboard({source: apiDashboardSource(api), lastEventId: flags['since-id'], mapRadiusMetres})
    return undefined
  },
}
