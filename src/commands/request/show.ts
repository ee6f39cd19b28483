import {Args} from '@oclif/core'

import type {FootageRequest, TimelineEntry} from '../../lib/domain/requests.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {renderRequest} from '../../lib/output/requests.js'

export default class RequestShow extends RtccCommand<typeof RequestShow> {
  static override summary = 'Show one request: cameras, evidence files, and its timeline.'
  static override examples = ['<%= config.bin %> request show req_01…', '<%= config.bin %> request show req_01… --json']
  static override args = {id: Args.string({required: true, description: 'Request id.'})}

  async run(): Promise<FootageRequest & {timeline: TimelineEntry[]}> {
    const request = await (await this.api()).get<FootageRequest & {timeline: TimelineEntry[]}>(`/v1/requests/${encodeURIComponent(this.args.id)}`)
    this.out(renderRequest(request))
    return request
  }
}
