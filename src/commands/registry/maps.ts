import type {ShippedMap} from '../../lib/registry/column-map.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class RegistryMaps extends RtccCommand<typeof RegistryMaps> {
  static override summary = 'List the column maps shipped with rtcc, for `registry import --map NAME`.'
  static override description = 'Each map turns a well-known public file (its headers, approach codes and defaults) into registry rows. Pass its name to --map; a path to your own map file works too.'
  static override examples = [
    '<%= config.bin %> registry maps',
    '<%= config.bin %> registry import chicago-speed-cameras.csv --map chicago-speed',
    '<%= config.bin %> registry maps --json',
  ]

  async run(): Promise<ShippedMap[]> {
    const [{shippedMaps}, {renderMaps}] = await Promise.all([import('../../lib/registry/column-map.js'), import('../../lib/output/registry.js')])
    const maps = await shippedMaps()
    this.out(renderMaps(maps))
    return maps
  }
}
