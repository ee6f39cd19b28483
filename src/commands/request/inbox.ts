import type {FootageRequest} from '../../lib/domain/requests.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {renderRequests} from '../../lib/output/requests.js'

export default class RequestInbox extends RtccCommand<typeof RequestInbox> {
  static override summary = 'Footage requests addressed to you (camera owner).'
  static override examples = ['<%= config.bin %> request inbox', '<%= config.bin %> request inbox --json']

  async run(): Promise<FootageRequest[]> {
    const list = await (await this.api()).get<FootageRequest[]>('/v1/requests/inbox')
    this.out(renderRequests(list))
    return list
  }
}
