import {Args, Flags} from '@oclif/core'

import type {AgencyView} from '../../lib/domain/agency.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class AgencyAdd extends RtccCommand<typeof AgencyAdd> {
  static override summary = 'Add an agency with its jurisdiction (admin); its users see only the registry inside it.'
  static override description = 'The jurisdiction is a GeoJSON file: a Polygon or MultiPolygon, or a Feature or FeatureCollection of them, with [longitude, latitude] positions. Put users in it with `rtcc user add --agency` or `rtcc user set-agency`.'
  static override examples = [
    '<%= config.bin %> agency add "Chicago PD" --jurisdiction chicago.geojson',
    '<%= config.bin %> agency add "Cook County Sheriff" --jurisdiction cook-county.geojson --json',
  ]
  static override args = {name: Args.string({required: true, description: 'Agency name.'})}
  static override flags = {
    jurisdiction: Flags.string({description: 'GeoJSON file with the jurisdiction boundary.', required: true}),
  }

  async run(): Promise<AgencyView> {
    const {addAgency} = await import('../../lib/client/registry-agencies.js')
    const agency = await addAgency(await this.api(), this.args.name, this.flags.jurisdiction)
    this.out(`added ${agency.name} (${agency.id}), ${agency.polygons} polygon(s)`)
    return agency
  }
}
