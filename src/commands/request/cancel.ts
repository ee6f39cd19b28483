import {Args, Flags} from '@oclif/core'

import type {FootageRequest} from '../../lib/domain/requests.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class RequestCancel extends RtccCommand<typeof RequestCancel> {
  static override summary = 'Cancel an open request (the owner no longer needs to answer).'
  static override examples = ['<%= config.bin %> request cancel req_01… --reason "suspect identified"']
  static override args = {id: Args.string({required: true, description: 'Request id.'})}
  static override flags = {reason: Flags.string({description: 'Why (kept in the timeline).'})}

  async run(): Promise<FootageRequest> {
    const request = await (await this.api()).post<FootageRequest>(`/v1/requests/${encodeURIComponent(this.args.id)}/cancel`, {reason: this.flags.reason})
    this.out(`cancelled ${request.id} (case ${request.caseId})`)
    return request
  }
}
