import {Flags} from '@oclif/core'

import type {TokenView} from '../../lib/domain/auth.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {renderTokens} from '../../lib/output/users.js'

export default class TokenList extends RtccCommand<typeof TokenList> {
  static override summary = 'List your API tokens (admins: --all).'
  static override examples = ['<%= config.bin %> token list', '<%= config.bin %> token list --all --json']
  static override flags = {all: Flags.boolean({description: "Every user's tokens (admin)."})}

  async run(): Promise<TokenView[]> {
    const tokens = await (await this.api()).get<TokenView[]>('/v1/tokens', {all: this.flags.all || undefined})
    this.out(renderTokens(tokens))
    return tokens
  }
}
