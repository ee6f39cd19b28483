import type {Owner} from '../../lib/domain/camera.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class OwnerShow extends RtccCommand<typeof OwnerShow> {
  static override summary = 'Show your owner profile.'
  static override examples = ['<%= config.bin %> owner show', '<%= config.bin %> owner show --json']

  async run(): Promise<Owner> {
    const [{myProfile}, {renderOwner}] = await Promise.all([import('../../lib/client/registry-owners.js'), import('../../lib/output/registry.js')])
    const owner = await myProfile(await this.api())
    this.out(renderOwner(owner))
    return owner
  }
}
