import {Flags} from '@oclif/core'

import type {Camera} from '../../lib/domain/camera.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class RegistryList extends RtccCommand<typeof RegistryList> {
  static override summary = 'List registry cameras in your jurisdiction (analyst and up; owners see their own).'
  static override description = 'Cameras are ordered by id. Every listing is audited with its filters and the number of rows returned.'
  static override examples = [
    '<%= config.bin %> registry list --type business,school --limit 50',
    '<%= config.bin %> registry list --bbox -87.70,41.85,-87.60,41.92 --live',
    '<%= config.bin %> registry list --tag storefront --json | jq length',
  ]
  static override flags = {
    owner: Flags.string({description: 'Only this owner (own_…).'}),
    type: Flags.string({description: 'Location types, comma-separated: business, residence, public, transit, school, other.', multiple: true}),
    tag: Flags.string({description: 'Only cameras with this tag.'}),
    bbox: Flags.string({description: 'Only inside MINLON,MINLAT,MAXLON,MAXLAT.'}),
    live: Flags.boolean({description: 'Only live-capable cameras (--no-live: only the others).', allowNo: true}),
    limit: Flags.integer({char: 'n', description: 'At most this many cameras.', default: 1000, min: 1, max: 1_000_000}),
  }

  async run(): Promise<Camera[]> {
    const [{listRegistry}, {renderCameras}] = await Promise.all([import('../../lib/client/registry.js'), import('../../lib/output/registry.js')])
    const cameras = await listRegistry(await this.api(), this.flags)
    this.out(renderCameras(cameras))
    return cameras
  }
}
