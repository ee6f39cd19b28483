import {oclifFlags, RtccCommand} from '../../lib/output/base-command.js'
import {type NearFlags, registryNearCommand} from '../../lib/output/read-commands.js'

export default class RegistryNear extends RtccCommand<typeof RegistryNear> {
  static override summary = 'Cameras within a radius of a point, nearest first.'
  static override description =
    'For each camera: distance in metres, bearing from the point, whether it faces the point (its view direction and field of view cover it; ? when unknown) and, with --when, whether footage from that time should still exist given its retention.'
  static override examples = [
    '<%= config.bin %> registry near --at 41.8781,-87.6298 --radius 300m',
    '<%= config.bin %> registry near --at 41.8781,-87.6298 --radius 0.5mi --type business,transit --limit 20',
    '<%= config.bin %> registry near --at 41.8781,-87.6298 --radius 1km --when 2026-11-20T23:15:00Z --json',
  ]
  static override flags = oclifFlags(registryNearCommand.flags)

  // bin/run.js usually runs this without oclif (read-commands.ts); this is the path for --help and odd command lines.
  async run(): Promise<unknown> {
    return registryNearCommand.run(this.io(), this.flags as unknown as NearFlags)
  }
}
