import {Flags} from '@oclif/core'

import {type FootageRequest, REQUEST_STATUSES} from '../../lib/domain/requests.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {renderRequests} from '../../lib/output/requests.js'

export default class RequestList extends RtccCommand<typeof RequestList> {
  static override summary = "List footage requests (your agency's)."
  static override examples = ['<%= config.bin %> request list --case 26-114233', '<%= config.bin %> request list --status fulfilled --json']
  static override flags = {
    case: Flags.string({description: 'Only this case.'}),
    status: Flags.string({options: [...REQUEST_STATUSES], description: 'Only this status.'}),
    limit: Flags.integer({char: 'n', default: 200, min: 1, max: 10_000}),
  }

  async run(): Promise<FootageRequest[]> {
    const list = await (await this.api()).get<FootageRequest[]>('/v1/requests', {case: this.flags.case, status: this.flags.status, limit: this.flags.limit})
    this.out(renderRequests(list))
    return list
  }
}
