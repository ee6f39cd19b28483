import {Flags} from '@oclif/core'

import type {NearResult} from '../../lib/client/registry.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class RegistryNear extends RtccCommand<typeof RegistryNear> {
  static override summary = 'Cameras within a radius of a point, nearest first.'
  static override description =
    'For each camera: distance in metres, bearing from the point, whether it faces the point (its view direction and field of view cover it; ? when unknown) and, with --when, whether footage from that time should still exist given its retention.'
  static override examples = [
    '<%= config.bin %> registry near --at 41.8781,-87.6298 --radius 300m',
    '<%= config.bin %> registry near --at 41.8781,-87.6298 --radius 0.5mi --type business,transit --limit 20',
    '<%= config.bin %> registry near --at 41.8781,-87.6298 --radius 1km --when 2026-11-20T23:15:00Z --json',
  ]
  static override flags = {
    at: Flags.string({description: 'The point: LAT,LON in decimal degrees.', required: true}),
    radius: Flags.string({description: 'Search radius with a unit: 300m, 1.5km, 1000ft, 0.5mi.', required: true}),
    limit: Flags.integer({char: 'n', description: 'At most this many cameras.', default: 100, min: 1, max: 10_000}),
    type: Flags.string({description: 'Only these location types, comma-separated.', multiple: true}),
    when: Flags.string({description: 'Incident time (ISO-8601, or 2h for two hours ago): says whether footage should still exist.'}),
  }

  async run(): Promise<NearResult> {
    const [{nearCameras}, {renderNear}] = await Promise.all([import('../../lib/client/registry.js'), import('../../lib/output/registry.js')])
    const result = await nearCameras(await this.jsonApi(), this.flags)
    this.out(renderNear(result.cameras, result.when !== null))
    if (result.cameras.length === 0) this.note(`no cameras within ${Math.round(result.radiusMetres)} m`)
    return result
  }
}
