import type {RegistryStats} from '../../lib/domain/camera.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class RegistryStatsCommand extends RtccCommand<typeof RegistryStatsCommand> {
  static override summary = 'Counts of registry cameras in your jurisdiction: by type, recording, live capable, owners.'
  static override examples = ['<%= config.bin %> registry stats', '<%= config.bin %> registry stats --json']

  async run(): Promise<RegistryStats> {
    const [{registryStats}, {renderStats}] = await Promise.all([import('../../lib/client/registry.js'), import('../../lib/output/registry.js')])
    const stats = await registryStats(await this.api())
    this.out(renderStats(stats))
    return stats
  }
}
