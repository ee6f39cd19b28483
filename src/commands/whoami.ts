import type {WhoAmI} from '../lib/domain/auth.js'
import {RtccCommand} from '../lib/output/base-command.js'

export default class Whoami extends RtccCommand<typeof Whoami> {
  static override summary = 'Show who you are logged in as, with which role and until when.'
  static override examples = ['<%= config.bin %> whoami', '<%= config.bin %> whoami --json']

  async run(): Promise<WhoAmI> {
    const me = await (await this.jsonApi()).get<WhoAmI>('/v1/auth/whoami')
    const via = me.via === 'token' ? `API token "${me.tokenName}"` : 'session'
    this.out(`${me.user.username} (${me.role}) via ${via}, valid until ${new Date(me.expiresAt).toLocaleString()}`)
    return me
  }
}
