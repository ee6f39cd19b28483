import {Args} from '@oclif/core'

import type {TokenView} from '../../lib/domain/auth.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class TokenRevoke extends RtccCommand<typeof TokenRevoke> {
  static override summary = 'Revoke an API token; it stops working at once.'
  static override examples = ['<%= config.bin %> token revoke tok_01j…']
  static override args = {id: Args.string({required: true, description: 'Token id (from `rtcc token list`).'})}

  async run(): Promise<TokenView> {
    const token = await (await this.api()).delete<TokenView>(`/v1/tokens/${encodeURIComponent(this.args.id)}`)
    this.out(`revoked ${token.id} (${token.name})`)
    return token
  }
}
