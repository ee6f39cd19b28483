import {Flags} from '@oclif/core'

import {parseDuration} from '../../lib/domain/units.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class RequestRemind extends RtccCommand<typeof RequestRemind> {
  static override summary = 'Email owners again about open requests they have not answered (with a fresh token).'
  static override examples = ['<%= config.bin %> request remind --older-than 2d', '<%= config.bin %> request remind --case 26-114233 --older-than 0s --json']
  static override flags = {
    'older-than': Flags.string({description: 'Only requests last mailed longer ago than this.', default: '2d'}),
    case: Flags.string({description: 'Only this case.'}),
  }

  async run() {
    const result = await (await this.api()).post<{reminded: {id: string; caseId: string; mail: {transport?: string; error?: string} | null}[]}>('/v1/requests/remind', {
      olderThanSeconds: Math.round(parseDuration(this.flags['older-than'], '--older-than') / 1000),
      caseId: this.flags.case,
    })
    for (const r of result.reminded) this.out(`${r.id}  case ${r.caseId}  ${r.mail?.error ? `✘ ${r.mail.error}` : `reminded via ${r.mail?.transport}`}`)
    if (result.reminded.length === 0) this.out('nothing to remind')
    return result
  }
}
