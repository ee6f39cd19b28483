import type {AgencyView} from '../../lib/domain/agency.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class AgencyList extends RtccCommand<typeof AgencyList> {
  static override summary = 'List agencies, their members and jurisdiction bounds (agency roles).'
  static override examples = ['<%= config.bin %> agency list', '<%= config.bin %> agency list --json']

  async run(): Promise<AgencyView[]> {
    const [{listAgencies}, {renderAgencies}] = await Promise.all([import('../../lib/client/registry-agencies.js'), import('../../lib/output/registry.js')])
    const agencies = await listAgencies(await this.api())
    this.out(renderAgencies(agencies))
    return agencies
  }
}
