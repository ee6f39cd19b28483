import {Args, Flags} from '@oclif/core'

import type {FootageRequest} from '../../lib/domain/requests.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class RequestDecline extends RtccCommand<typeof RequestDecline> {
  static override summary = 'Decline a footage request (owner), by request id or with the token from the email.'
  static override description = 'Without a profile, pass the --server and --fingerprint the email gives: the certificate is checked for this call only.'
  static override examples = [
    '<%= config.bin %> request decline req_01… --reason "camera was off that night"',
    '<%= config.bin %> request decline rtcc_r_… --reason "no footage" --server https://rtcc.example.org:8443 --fingerprint 3A:5F:…',
  ]
  static override args = {request: Args.string({required: true, description: 'Request id, or the token from the request email.'})}
  static override flags = {
    reason: Flags.string({required: true, description: 'Why (the investigator sees it).'}),
    fingerprint: Flags.string({description: 'SHA-256 fingerprint of the server\'s certificate, as in the request email (no profile needed).'}),
  }

  async run(): Promise<FootageRequest> {
    const {answerClient} = await import('../../lib/client/answer.js')
    const {api, path} = await answerClient(this.args.request, {profile: this.flags.profile, server: this.flags.server, fingerprint: this.flags.fingerprint})
    const request = await api.post<FootageRequest>(`${path}/decline`, {reason: this.flags.reason})
    this.out(`declined ${request.id} (case ${request.caseId})`)
    return request
  }
}
