import {RtccCommand} from '../lib/output/base-command.js'

export default class Logout extends RtccCommand<typeof Logout> {
  static override summary = 'End the current session (the token stops working at once).'
  static override examples = ['<%= config.bin %> logout', '<%= config.bin %> logout --profile county']

  async run() {
    const [{forgetToken, profileName}] = await Promise.all([import('../lib/client/profiles.js')])
    const api = await this.api()
    await api.post('/v1/auth/logout')
    forgetToken(profileName(this.flags.profile))
    this.out('logged out')
    return {loggedOut: true}
  }
}
