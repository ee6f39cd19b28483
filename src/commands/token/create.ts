import {Flags} from '@oclif/core'

import type {TokenView} from '../../lib/domain/auth.js'
import {ROLES} from '../../lib/domain/roles.js'
import {parseDuration} from '../../lib/domain/units.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class TokenCreate extends RtccCommand<typeof TokenCreate> {
  static override summary = 'Create a scoped API token for scripts (shown once).'
  static override examples = [
    '<%= config.bin %> token create --name nightly-export --role-scope analyst --expires 30d',
    'export RTCC_TOKEN=$(<%= config.bin %> token create --name ci --expires 1d --json | jq -r .token)',
  ]
  static override flags = {
    name: Flags.string({required: true, description: 'What the token is for.'}),
    'role-scope': Flags.string({options: [...ROLES], description: 'Role the token acts with (at most your own; default your role).'}),
    expires: Flags.string({default: '30d', description: 'Lifetime: 15m, 12h, 30d…'}),
  }

  async run(): Promise<TokenView & {token: string}> {
    const token = await (await this.api()).post<TokenView & {token: string}>('/v1/tokens', {
      name: this.flags.name,
      roleScope: this.flags['role-scope'],
      expiresInSeconds: Math.round(parseDuration(this.flags.expires, '--expires') / 1000),
    })
    this.out(token.token)
    this.note(`token ${token.id} (${token.roleScope}) expires ${token.expiresAt}; it is shown only once`)
    return token
  }
}
